// Enumeration of the names a scope declares, for dir() and completion. The
// shim lists every identifier that qualified lookup into the scope can
// resolve to something reflection knows; which of them to show is decided
// in Rust.

#include "cpplive-clang/shim/impl.h"
#include "cpplive-clang/src/ffi.rs.h"

#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclLookups.h"
#include "clang/AST/DeclTemplate.h"

#include <map>
#include <set>
#include <vector>

namespace cpplive {

namespace {

using namespace clang;

/// Whether a lookup that finds `decl` gives something `Session::lookup`
/// describes (namespaces, classes, enums, functions, variables, data
/// members, enumerators, typedefs, class and function templates).
bool reflected(const NamedDecl *decl) {
  if (const auto *record = dyn_cast<CXXRecordDecl>(decl))
    return !record->isInjectedClassName() && !record->isLambda();
  return isa<NamespaceDecl, NamespaceAliasDecl, EnumDecl, FunctionDecl, VarDecl, FieldDecl, EnumConstantDecl,
             TypedefNameDecl, ClassTemplateDecl, TypeAliasTemplateDecl, FunctionTemplateDecl>(decl);
}

/// An inline namespace (`std::__cxx11`): qualified lookup into its parent
/// also finds its members.
NamespaceDecl *inline_namespace(NamedDecl *decl) {
  auto *ns = dyn_cast<NamespaceDecl>(decl);
  return ns && ns->isInline() ? ns : nullptr;
}

struct NameCollector {
  // Name -> whether any declaration of it is public (overloads may differ).
  std::map<std::string, bool> names;
  std::set<const DeclContext *> visited;

  void collect(DeclContext *context) {
    if (!visited.insert(context->getPrimaryContext()).second)
      return;
    // lookups() covers every redeclaration of the context and what a
    // precompiled header holds for it; copied first, since reading a
    // declaration may load more into the table being walked.
    std::vector<NamedDecl *> found;
    for (DeclContextLookupResult result : context->lookups())
      for (NamedDecl *decl : result)
        found.push_back(decl);
    std::vector<NamespaceDecl *> nested;
    for (NamedDecl *decl : found) {
      if (NamespaceDecl *ns = inline_namespace(decl))
        nested.push_back(ns);
      const unsigned visible = Decl::IDNS_Ordinary | Decl::IDNS_Tag | Decl::IDNS_Type | Decl::IDNS_Member |
                               Decl::IDNS_Namespace;
      if (!decl->getDeclName().isIdentifier() || !decl->isInIdentifierNamespace(visible) ||
          !reflected(decl->getUnderlyingDecl()))
        continue;
      bool is_public = decl->getAccess() == AS_public || decl->getAccess() == AS_none;
      names[decl->getName().str()] |= is_public;
    }
    // An anonymous namespace has no name to be listed under; its members
    // are found through the using-directive its parent implicitly has.
    for (UsingDirectiveDecl *directive : context->using_directives())
      if (NamespaceDecl *ns = directive->getNominatedNamespace(); ns && ns->isAnonymousNamespace())
        nested.push_back(ns);
    for (NamespaceDecl *ns : nested)
      collect(ns);
  }
};

} // namespace

rust::Vec<MemberNameRecord> Session::member_names(std::uint64_t scope) {
  NameCollector collector;
  collector.collect(lookup_context(*impl, scope));
  rust::Vec<MemberNameRecord> records;
  for (const auto &[name, is_public] : collector.names)
    records.push_back(MemberNameRecord{rust::String(name), is_public});
  return records;
}

} // namespace cpplive

namespace cpplive {

namespace {

// The kind codes of `DeclaredRecord` (cpplive_core::model::DeclaredKind).
int declared_kind(const NamedDecl *decl) {
  if (isa<NamespaceDecl>(decl))
    return 0;
  if (const auto *record = dyn_cast<CXXRecordDecl>(decl))
    return record->isLambda() || record->isInjectedClassName() ? -1 : 1;
  if (isa<EnumDecl>(decl))
    return 2;
  if (isa<FunctionDecl>(decl))
    return 3;
  if (isa<VarDecl>(decl))
    return 4;
  if (isa<TypedefNameDecl>(decl))
    return 5;
  if (isa<ClassTemplateDecl, TypeAliasTemplateDecl>(decl))
    return 6;
  if (isa<FunctionTemplateDecl>(decl))
    return 7;
  return -1;
}

} // namespace

rust::Vec<DeclaredRecord> Session::declarations(std::uint64_t scope) {
  rust::Vec<DeclaredRecord> records;
  DeclContext *context = lookup_context(*impl, scope);
  if (!isa<NamespaceDecl, TranslationUnitDecl>(context))
    fail("declarations are listed for namespaces only");
  SourceManager &sources = impl->context().getSourceManager();
  std::vector<NamedDecl *> found;
  for (DeclContextLookupResult result : context->lookups())
    for (NamedDecl *decl : result)
      found.push_back(decl);
  // A class or function only a friend declaration names is in the
  // namespace but not found by its name there: nothing to list.
  const unsigned visible = Decl::IDNS_Ordinary | Decl::IDNS_Tag | Decl::IDNS_Type | Decl::IDNS_Namespace;
  for (NamedDecl *named : found) {
    if (!named->getDeclName().isIdentifier() || !named->isInIdentifierNamespace(visible))
      continue;
    // Every redeclaration: a namespace is reopened in many files, a class
    // forward-declared in one and defined in another.
    for (Decl *redecl : named->redecls()) {
      auto *decl = cast<NamedDecl>(redecl);
      int kind = declared_kind(decl);
      if (kind < 0 || decl->getFriendObjectKind() != Decl::FOK_None)
        continue;
      SourceLocation where = sources.getFileLoc(decl->getLocation());
      std::string file;
      if (where.isValid())
        if (OptionalFileEntryRef entry = sources.getFileEntryRefForID(sources.getFileID(where)))
          file = entry->getName().str();
      records.push_back(DeclaredRecord{rust::String(decl->getNameAsString()),
                                       rust::String(decl->getQualifiedNameAsString()), static_cast<std::uint8_t>(kind),
                                       rust::String(file)});
    }
  }
  return records;
}

} // namespace cpplive
