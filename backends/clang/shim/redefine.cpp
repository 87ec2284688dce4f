// Redefinition and undo for interactive use (the prompt, notebook cells).
//
// Nothing is ever removed from the AST or from the JIT: code compiled
// against an old definition keeps running. What changes is visibility. An
// input that defines a name again is parsed inside an inline namespace of
// its own (the bindings wrap it), so its symbols mangle differently from the
// old ones; then the earlier declarations it redefines are taken out of the
// global scope's lookup table and of Sema's identifier chains, so that name
// lookup (in later inputs, in reflection, in generated code) finds only the
// new one. Undo hides what an input declared and shows again what it hid.

#include "cpplive-clang/shim/impl.h"
#include "cpplive-clang/src/ffi.rs.h"

#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclContextInternals.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/Sema/IdentifierResolver.h"
#include "clang/Sema/Scope.h"

#include <algorithm>
#include <vector>

namespace cpplive {

using namespace clang;

namespace {

/// Whether the identifier chain of `decl`'s name holds `decl` (removing one
/// that is not there is undefined behaviour in a release build of clang).
bool on_chain(Sema &sema, NamedDecl *decl) {
  for (auto it = sema.IdResolver.begin(decl->getDeclName()); it != sema.IdResolver.end(); ++it)
    if (*it == decl)
      return true;
  return false;
}

/// The contexts whose lookup tables list `decl`: its own and, through
/// inline namespaces, the enclosing ones up to the first that is not inline.
std::vector<DeclContext *> visible_in(NamedDecl *decl) {
  std::vector<DeclContext *> contexts;
  DeclContext *dc = decl->getDeclContext();
  contexts.push_back(dc->getPrimaryContext());
  while (dc->isInlineNamespace()) {
    dc = dc->getParent();
    contexts.push_back(dc->getPrimaryContext());
  }
  return contexts;
}

std::string describe(Session::Impl &impl, NamedDecl *decl, char sign) {
  std::string qualified = decl->getQualifiedNameAsString();
  // Inline namespaces of redefinitions are not part of the name users see.
  std::string shown;
  llvm::StringRef rest(qualified);
  while (!rest.empty()) {
    auto [head, tail] = rest.split("::");
    if (!head.starts_with("__cpplive_r"))
      shown += (shown.empty() ? "" : "::") + head.str();
    rest = tail;
  }
  return std::string(1, sign) + std::to_string(impl.id_of(decl)) + " " + shown;
}

/// Takes every redeclaration of `decl`'s entity out of name lookup.
void hide(Session::Impl &impl, NamedDecl *decl) {
  Sema &sema = impl.sema();
  Decl *canonical = decl->getCanonicalDecl();
  for (DeclContext *dc : visible_in(decl)) {
    StoredDeclsMap *map = dc->getLookupPtr();
    if (!map)
      continue;
    auto found = map->find(decl->getDeclName());
    if (found == map->end())
      continue;
    std::vector<NamedDecl *> listed;
    for (NamedDecl *d : found->second.getLookupResult())
      if (d->getCanonicalDecl() == canonical)
        listed.push_back(d);
    for (NamedDecl *d : listed)
      found->second.remove(d);
  }
  std::vector<NamedDecl *> chained;
  for (auto it = sema.IdResolver.begin(decl->getDeclName()); it != sema.IdResolver.end(); ++it)
    if ((*it)->getCanonicalDecl() == canonical)
      chained.push_back(*it);
  for (NamedDecl *d : chained) {
    if (sema.TUScope)
      sema.TUScope->RemoveDecl(d);
    if (on_chain(sema, d))
      sema.IdResolver.RemoveDecl(d);
  }
}

/// Makes `decl` visible again where it was declared.
void show(Session::Impl &impl, NamedDecl *decl) {
  Sema &sema = impl.sema();
  decl = cast<NamedDecl>(decl->getMostRecentDecl());
  decl->getDeclContext()->makeDeclVisibleInContext(decl);
  if (decl->getDeclContext()->getRedeclContext()->isTranslationUnit() && !decl->getDeclContext()->isInlineNamespace() &&
      !on_chain(sema, decl)) {
    if (sema.TUScope)
      sema.TUScope->AddDecl(decl);
    sema.IdResolver.AddDecl(decl);
  }
}

bool is_function_like(const NamedDecl *decl) { return isa<FunctionDecl, FunctionTemplateDecl>(decl); }

/// Whether `newer` takes the place of `older` (same name): anything but two
/// functions that overload each other.
bool replaces(const NamedDecl *newer, const NamedDecl *older) {
  if (newer->getCanonicalDecl() == older->getCanonicalDecl())
    return false;
  if (isa<NamespaceDecl>(newer) || isa<NamespaceDecl>(older))
    return false;
  const auto *f = newer->getAsFunction();
  const auto *g = older->getAsFunction();
  if (!is_function_like(newer) || !is_function_like(older) || !f || !g)
    return true;
  if (isa<FunctionTemplateDecl>(newer) != isa<FunctionTemplateDecl>(older))
    return false;
  if (f->getNumParams() != g->getNumParams())
    return false;
  ASTContext &ctx = newer->getASTContext();
  for (unsigned i = 0; i < f->getNumParams(); ++i)
    if (!ctx.hasSameType(f->getParamDecl(i)->getType(), g->getParamDecl(i)->getType()))
      return false;
  return true;
}

/// The named declarations an input made at namespace scope (looking into
/// the namespaces and linkage blocks it opened, not into classes).
void declared_in(DeclContext *dc, std::vector<NamedDecl *> &out) {
  for (Decl *d : dc->decls()) {
    if (isa<LinkageSpecDecl, ExportDecl>(d)) {
      declared_in(cast<DeclContext>(d), out);
      continue;
    }
    auto *named = dyn_cast<NamedDecl>(d);
    if (!named || named->getDeclName().isEmpty() || named->isImplicit())
      continue;
    // cpplive's own helpers (value printers, pythonizations) stay; the
    // namespaces redefinitions are wrapped in are looked into.
    if (const IdentifierInfo *id = named->getIdentifier(); id && id->getName().starts_with("__cpplive")) {
      if (isa<NamespaceDecl>(named) && id->getName().starts_with("__cpplive_r"))
        declared_in(cast<NamespaceDecl>(named), out);
      continue;
    }
    if (auto *ns = dyn_cast<NamespaceDecl>(named)) {
      if (ns->isFirstDecl())
        out.push_back(ns);
      declared_in(ns, out);
      continue;
    }
    if (auto *record = dyn_cast<CXXRecordDecl>(named))
      if (record->getDescribedClassTemplate())
        continue;
    if (auto *function = dyn_cast<FunctionDecl>(named))
      if (function->getDescribedFunctionTemplate())
        continue;
    // Out-of-line member definitions belong to their class.
    if (named->getDeclContext()->isRecord())
      continue;
    out.push_back(named);
  }
}

} // namespace

void note_user_input(Session::Impl &impl, clang::PartialTranslationUnit &ptu) {
  if (!ptu.TUPart)
    return;
  impl.user_inputs.push_back({ptu.TUPart, {}});
  if (impl.hidden_names.empty())
    return;
  // A plain global definition of a name whose earlier definition was
  // hidden would mangle as that one did: a duplicate symbol, or for inline
  // functions the old code silently used for the new class. Refused (it
  // is taken out of lookup again, and never runs): a redefinition.
  std::vector<NamedDecl *> made;
  declared_in(ptu.TUPart, made);
  for (NamedDecl *d : made) {
    const IdentifierInfo *id = d->getIdentifier();
    if (!id || d->getDeclContext()->isInlineNamespace() || !d->getDeclContext()->getRedeclContext()->isTranslationUnit() ||
        !impl.hidden_names.count(id->getName().str()))
      continue;
    for (NamedDecl *m : made)
      hide(impl, m);
    impl.user_inputs.pop_back();
    fail("input_line_0:1:1: error: redefinition of '" + id->getName().str() +
         "' (its earlier definition was replaced; only an interactive redefinition can replace it again)");
  }
}

std::uint64_t Session::input_mark() const { return impl->user_inputs.size(); }

rust::Vec<rust::String> Session::shadow(rust::Str name) {
  rust::Vec<rust::String> hidden;
  if (impl->user_inputs.empty())
    return hidden;
  auto &input = impl->user_inputs.back();
  ASTContext &ctx = impl->context();
  auto *tu = cast<TranslationUnitDecl>(ctx.getTranslationUnitDecl()->getPrimaryContext());
  IdentifierInfo &id = ctx.Idents.get(llvm::StringRef(name.data(), name.size()));
  NamespaceDecl *wrapper = nullptr;
  for (NamedDecl *d : tu->lookup(DeclarationName(&id)))
    if (auto *ns = dyn_cast<NamespaceDecl>(d))
      wrapper = ns;
  if (!wrapper)
    fail("cpplive: no namespace '" + std::string(name) + "' to take redefinitions from");
  std::vector<NamedDecl *> fresh;
  declared_in(wrapper, fresh);
  for (NamedDecl *newer : fresh) {
    if (newer->getDeclContext() != wrapper)
      continue;
    std::vector<NamedDecl *> older;
    for (NamedDecl *d : tu->lookup(newer->getDeclName()))
      if (d->getDeclContext() != wrapper && replaces(newer, d))
        older.push_back(d);
    for (auto it = impl->sema().IdResolver.begin(newer->getDeclName()); it != impl->sema().IdResolver.end(); ++it)
      if ((*it)->getDeclContext()->getRedeclContext()->isTranslationUnit() && (*it)->getDeclContext() != wrapper &&
          replaces(newer, *it) && std::find(older.begin(), older.end(), *it) == older.end())
        older.push_back(*it);
    for (NamedDecl *old : older) {
      hide(*impl, old);
      if (const IdentifierInfo *oid = old->getIdentifier(); oid && !old->getDeclContext()->isInlineNamespace())
        impl->hidden_names.insert(oid->getName().str());
      input.hid.push_back(old);
      hidden.push_back(describe(*impl, old, '-'));
    }
  }
  impl->resolved_types.clear();
  return hidden;
}

rust::Vec<rust::String> Session::undo_inputs(std::uint64_t mark) {
  rust::Vec<rust::String> changed;
  // Later inputs parse in another state than the same history without
  // the undo: remembered verdicts must tell them apart (verdicts.cpp).
  note_setting(*impl, "undo " + std::to_string(mark));
  while (impl->user_inputs.size() > mark) {
    auto input = impl->user_inputs.back();
    impl->user_inputs.pop_back();
    std::vector<NamedDecl *> made;
    declared_in(input.part, made);
    for (auto it = made.rbegin(); it != made.rend(); ++it) {
      hide(*impl, *it);
      changed.push_back(describe(*impl, *it, '-'));
    }
    for (auto it = input.hid.rbegin(); it != input.hid.rend(); ++it) {
      show(*impl, *it);
      changed.push_back(describe(*impl, *it, '+'));
    }
  }
  impl->resolved_types.clear();
  return changed;
}

} // namespace cpplive
