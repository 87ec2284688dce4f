// What a parsed module needs before the JIT may link it: the symbols it
// defines and refers to, definitions clang has but never emitted, and
// thread_local variables of loaded libraries. Which of these to use, and
// when a module waits, is decided in Rust (src/link.rs).

#include "cpplive-clang/shim/impl.h"
#include "cpplive-clang/src/ffi.rs.h"

#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/GlobalDecl.h"
#include "clang/AST/Mangle.h"
#include "clang/Basic/OperatorKinds.h"
#include "clang/Sema/Sema.h"
#include "llvm/Demangle/Demangle.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Module.h"

#include <dlfcn.h>

#include <atomic>
#include <deque>
#include <mutex>

namespace cpplive {

using namespace clang;

rust::String demangle(rust::Str name) { return rust::String(llvm::demangle(std::string(name))); }

void Session::strip_refused(std::uint64_t handle) {
  llvm::Module *module = impl->ptu_of(handle).TheModule.get();
  if (!module || impl->refused_symbols.empty())
    return;
  // clang emits what it instantiated or generated in a failed input with
  // the next input that completes: a body whose instantiation failed, and
  // code of the failed input that calls it. Such definitions are poisoned,
  // and so, in turn, is every definition here that calls one: their bodies
  // go (with the error, for the symbols of the calls that wanted them),
  // and a module still using one is refused at link time (src/link.rs).
  auto refused = [&](const llvm::Function &fn) { return impl->refused_symbols.count(fn.getName().str()) != 0; };
  std::vector<llvm::Function *> poisoned;
  for (llvm::Function &fn : *module)
    if (!fn.isDeclaration() && refused(fn))
      poisoned.push_back(&fn);
  for (bool changed = true; changed;) {
    changed = false;
    for (llvm::Function &fn : *module) {
      if (fn.isDeclaration() || refused(fn))
        continue;
      const std::string *why = nullptr;
      for (llvm::Instruction &inst : llvm::instructions(fn)) {
        for (llvm::Value *operand : inst.operands())
          if (auto *callee = llvm::dyn_cast<llvm::Function>(operand->stripPointerCasts()))
            if (auto found = impl->refused_symbols.find(callee->getName().str()); found != impl->refused_symbols.end())
              why = &found->second;
        if (why)
          break;
      }
      if (!why)
        continue;
      impl->refused_symbols.emplace(fn.getName().str(), *why);
      poisoned.push_back(&fn);
      changed = true;
    }
  }
  for (llvm::Function *fn : poisoned)
    fn->deleteBody();
  for (llvm::Function *fn : poisoned)
    if (fn->use_empty())
      fn->eraseFromParent();
}

rust::String Session::refusal(rust::Str name) const {
  auto found = impl->refused_symbols.find(std::string(name));
  return rust::String(found == impl->refused_symbols.end() ? std::string() : found->second);
}

ModuleSymbols Session::module_symbols(std::uint64_t handle) const {
  ModuleSymbols symbols;
  clang::PartialTranslationUnit &ptu = impl->ptu_of(handle);
  // What the optimizer keeps: code it removes needs nothing.
  impl->optimize(ptu);
  llvm::Module *module = ptu.TheModule.get();
  if (!module)
    return symbols;
  for (llvm::GlobalValue &value : module->global_values()) {
    if (value.getName().empty() || value.getName().starts_with("llvm."))
      continue;
    if (auto *fn = llvm::dyn_cast<llvm::Function>(&value); fn && fn->isIntrinsic())
      continue;
    // The JIT emulates thread_locals: code reaches one through its control
    // object, `__emutls_v.<name>`, and that is the symbol to look for.
    std::string name = value.getName().str();
    if (value.isThreadLocal())
      name = "__emutls_v." + name;
    if (value.isDeclaration()) {
      if (!value.use_empty())
        symbols.undefined.push_back(rust::String(name));
    } else if (!value.hasLocalLinkage()) {
      symbols.defined.push_back(rust::String(name));
      if (!value.isWeakForLinker())
        symbols.unique.push_back(rust::String(name));
    }
  }
  return symbols;
}

namespace {

// The names of the scope `context` (as the demangler prints it): a chain
// of namespaces, possibly ending in a class.
DeclContext *scope_named(Session::Impl &impl, const std::string &context) {
  ASTContext &ctx = impl.context();
  DeclContext *scope = ctx.getTranslationUnitDecl();
  if (context.empty())
    return scope;
  // Walk namespaces while the components are plain names.
  std::size_t start = 0;
  int depth = 0;
  for (std::size_t i = 0; i <= context.size(); ++i) {
    char c = i < context.size() ? context[i] : ':';
    if (c == '<' || c == '(')
      ++depth;
    else if (c == '>' || c == ')')
      --depth;
    if (depth != 0 || c != ':' || (i < context.size() && (i + 1 >= context.size() || context[i + 1] != ':')))
      continue;
    std::string part = context.substr(start, i - start);
    if (part.find_first_of("<( ") != std::string::npos)
      break; // a class template specialization or similar: resolve as a type
    NamespaceDecl *found = nullptr;
    for (NamedDecl *decl : scope->lookup(DeclarationName(&ctx.Idents.get(part))))
      if ((found = llvm::dyn_cast<NamespaceDecl>(decl)))
        break;
    if (!found)
      break;
    scope = found;
    start = i + 2;
    ++i;
    if (start >= context.size())
      return scope;
  }
  try {
    QualType type = impl.resolve(context);
    if (auto *record = type->getAsCXXRecordDecl())
      return record;
  } catch (const std::exception &) {
  }
  return nullptr;
}

// The declaration name the demangler prints as `base` in `scope`.
std::optional<DeclarationName> declaration_name(ASTContext &ctx, DeclContext *scope, std::string base,
                                                bool ctor_or_dtor) {
  if (ctor_or_dtor) {
    auto *record = llvm::dyn_cast<CXXRecordDecl>(scope);
    if (!record)
      return std::nullopt;
    CanQualType type = ctx.getCanonicalType(ctx.getRecordType(record));
    return base.rfind('~', 0) == 0 ? ctx.DeclarationNames.getCXXDestructorName(type)
                                   : ctx.DeclarationNames.getCXXConstructorName(type);
  }
  if (base.rfind("operator", 0) == 0 && base.size() > 8 && !std::isalnum(static_cast<unsigned char>(base[8])) &&
      base[8] != '_') {
    std::string spelled = base.substr(8);
    if (!spelled.empty() && spelled[0] == ' ')
      spelled.erase(0, 1);
    for (int kind = OO_None + 1; kind < NUM_OVERLOADED_OPERATORS; ++kind)
      if (spelled == getOperatorSpelling(static_cast<OverloadedOperatorKind>(kind)))
        return ctx.DeclarationNames.getCXXOperatorName(static_cast<OverloadedOperatorKind>(kind));
    return std::nullopt; // a conversion operator: found by walking the scope
  }
  // A template's arguments are not part of its name.
  if (!base.empty() && base.back() == '>') {
    int depth = 0;
    for (std::size_t i = base.size(); i-- > 0;) {
      if (base[i] == '>')
        ++depth;
      else if (base[i] == '<' && --depth == 0) {
        base.erase(i);
        break;
      }
    }
  }
  return DeclarationName(&ctx.Idents.get(base));
}

bool mangles_to(MangleContext &mangler, GlobalDecl decl, llvm::StringRef name) {
  std::string text;
  llvm::raw_string_ostream out(text);
  if (mangler.shouldMangleDeclName(llvm::cast<NamedDecl>(decl.getDecl())))
    mangler.mangleName(decl, out);
  else
    out << llvm::cast<NamedDecl>(decl.getDecl())->getName();
  return out.str() == name;
}

// The definition (with a body or an initializer) whose symbol is `name`.
Decl *definition_of(MangleContext &mangler, NamedDecl *decl, llvm::StringRef name) {
  auto matches_function = [&](FunctionDecl *fn) -> Decl * {
    const FunctionDecl *body = nullptr;
    if (!fn->hasBody(body) || !body)
      return nullptr;
    auto *defined = const_cast<FunctionDecl *>(body);
    if (auto *ctor = llvm::dyn_cast<CXXConstructorDecl>(defined)) {
      for (CXXCtorType kind : {Ctor_Complete, Ctor_Base})
        if (mangles_to(mangler, GlobalDecl(ctor, kind), name))
          return defined;
      return nullptr;
    }
    if (auto *dtor = llvm::dyn_cast<CXXDestructorDecl>(defined)) {
      for (CXXDtorType kind : {Dtor_Complete, Dtor_Base, Dtor_Deleting})
        if (mangles_to(mangler, GlobalDecl(dtor, kind), name))
          return defined;
      return nullptr;
    }
    return mangles_to(mangler, GlobalDecl(defined), name) ? defined : nullptr;
  };
  if (auto *fn = llvm::dyn_cast<FunctionDecl>(decl))
    return matches_function(fn);
  if (auto *tmpl = llvm::dyn_cast<FunctionTemplateDecl>(decl)) {
    for (FunctionDecl *specialization : tmpl->specializations())
      if (Decl *found = matches_function(specialization))
        return found;
    return nullptr;
  }
  if (auto *var = llvm::dyn_cast<VarDecl>(decl)) {
    VarDecl *defined = var->getDefinition();
    if (defined && defined->hasInit() && mangles_to(mangler, GlobalDecl(defined), name))
      return defined;
  }
  return nullptr;
}

Decl *find_definition(Session::Impl &impl, MangleContext &mangler, const std::string &name) {
  ASTContext &ctx = impl.context();
  llvm::ItaniumPartialDemangler demangler;
  DeclContext *scope = nullptr;
  std::optional<DeclarationName> declared;
  if (demangler.partialDemangle(name.c_str())) {
    // Not a C++ name: a C function or variable.
    scope = ctx.getTranslationUnitDecl();
    declared = DeclarationName(&ctx.Idents.get(name));
  } else if (demangler.isFunction()) {
    std::size_t size = 0;
    char *context = demangler.getFunctionDeclContextName(nullptr, &size);
    char *base = demangler.getFunctionBaseName(nullptr, &size);
    if (!context || !base) {
      std::free(context);
      std::free(base);
      return nullptr;
    }
    scope = scope_named(impl, context);
    if (scope)
      declared = declaration_name(ctx, scope, base, demangler.isCtorOrDtor());
    std::free(context);
    std::free(base);
  } else if (demangler.isData()) {
    std::size_t size = 0;
    char *full = demangler.finishDemangle(nullptr, &size);
    if (!full)
      return nullptr;
    std::string text(full);
    std::free(full);
    std::size_t split = text.rfind("::");
    scope = scope_named(impl, split == std::string::npos ? "" : text.substr(0, split));
    if (scope)
      declared = DeclarationName(&ctx.Idents.get(split == std::string::npos ? text : text.substr(split + 2)));
  }
  if (!scope)
    return nullptr;
  if (declared) {
    for (NamedDecl *decl : scope->lookup(*declared))
      if (Decl *found = definition_of(mangler, decl, name))
        return found;
    return nullptr;
  }
  for (Decl *member : scope->decls())
    if (auto *named = llvm::dyn_cast<NamedDecl>(member))
      if (Decl *found = definition_of(mangler, named, name))
        return found;
  return nullptr;
}

} // namespace

EmittedDefinitions Session::emit_definitions(rust::Slice<const rust::String> names) {
  ASTContext &ctx = impl->context();
  std::unique_ptr<MangleContext> mangler(ctx.createMangleContext());
  EmittedDefinitions emitted;
  std::vector<Decl *> decls;
  for (const rust::String &name : names) {
    Decl *decl = find_definition(*impl, *mangler, std::string(name));
    if (!decl)
      continue;
    decls.push_back(decl);
    emitted.names.push_back(name);
  }
  if (decls.empty())
    return emitted;
  // A used declaration must be emitted: handed to code generation now, it
  // lands in the module the next parse completes.
  for (Decl *decl : decls) {
    if (!decl->hasAttr<UsedAttr>())
      decl->addAttr(UsedAttr::CreateImplicit(ctx));
    impl->sema().Consumer.HandleTopLevelDecl(DeclGroupRef(decl));
  }
  clang::PartialTranslationUnit &ptu = impl->parse_here("");
  if (llvm::Module *module = ptu.TheModule.get()) {
    // Internal and discardable definitions become exported ones, so that
    // the modules referring to them by name find them.
    for (const rust::String &name : emitted.names) {
      llvm::GlobalValue *value = module->getNamedValue(std::string(name));
      if (!value || value->isDeclaration())
        continue;
      if (value->hasLocalLinkage() || value->hasLinkOnceLinkage() || value->hasAvailableExternallyLinkage())
        value->setLinkage(llvm::GlobalValue::WeakODRLinkage);
      value->setVisibility(llvm::GlobalValue::DefaultVisibility);
    }
  }
  impl->ptus.push_back(&ptu);
  emitted.ptu = impl->ptus.size();
  return emitted;
}

// --- thread_local variables of loaded libraries -------------------------
//
// The JIT compiles thread_local access as emulated TLS: a call to
// `__emutls_get_address(&__emutls_v.<name>)`. Libraries built ahead of
// time (libstdc++'s `__once_callable`, used by every std::call_once) keep
// theirs as native TLS, which emulated access cannot reach. The bridge
// gives such a variable a control object of ours and answers
// `__emutls_get_address` for it with the native variable of the calling
// thread (dlsym resolves a TLS symbol per thread); every other control
// object goes to libgcc's own implementation.

namespace {

// libgcc's control object layout; `templ` marks ours.
struct EmutlsControl {
  std::size_t size;
  std::size_t align;
  void *loc;
  void *templ;
};

char bridge_mark;

struct NativeThreadLocal {
  EmutlsControl control;
  std::string name;
};

std::mutex bridge_lock;
std::deque<NativeThreadLocal> native_thread_locals;

using EmutlsFn = void *(*)(void *);
std::atomic<EmutlsFn> libgcc_emutls{nullptr};

struct ThreadCacheEntry {
  const void *control;
  void *address;
};
thread_local std::vector<ThreadCacheEntry> thread_cache;

extern "C" void *cpplive_emutls_get_address(void *object) {
  auto *control = static_cast<EmutlsControl *>(object);
  if (control->templ == &bridge_mark) {
    for (const ThreadCacheEntry &entry : thread_cache)
      if (entry.control == control)
        return entry.address;
    auto *native = reinterpret_cast<NativeThreadLocal *>(control);
    void *address = ::dlsym(RTLD_DEFAULT, native->name.c_str());
    thread_cache.push_back({control, address});
    return address;
  }
  EmutlsFn real = libgcc_emutls.load(std::memory_order_acquire);
  if (!real) {
    real = reinterpret_cast<EmutlsFn>(::dlsym(RTLD_DEFAULT, "__emutls_get_address"));
    if (!real || real == &cpplive_emutls_get_address)
      std::abort(); // libgcc_s is loaded at session creation
    libgcc_emutls.store(real, std::memory_order_release);
  }
  return real(object);
}

llvm::Error define_absolute(llvm::orc::LLJIT &jit, llvm::StringRef name, void *address) {
  llvm::orc::SymbolMap symbols;
  symbols[jit.mangleAndIntern(name)] = {llvm::orc::ExecutorAddr::fromPtr(address),
                                        llvm::JITSymbolFlags::Exported};
  return jit.getMainJITDylib().define(llvm::orc::absoluteSymbols(std::move(symbols)));
}

} // namespace

void install_thread_local_bridge(Session::Impl &impl) {
  auto jit = impl.interp->getExecutionEngine();
  if (!jit)
    fail("no JIT: " + error_text(jit.takeError()));
  if (llvm::Error err =
          define_absolute(*jit, "__emutls_get_address", reinterpret_cast<void *>(&cpplive_emutls_get_address)))
    fail("cannot install the thread_local bridge: " + error_text(std::move(err)));
}

void Session::bridge_thread_local(rust::Str name) {
  std::string native(name);
  if (!::dlsym(RTLD_DEFAULT, native.c_str()))
    fail("no loaded library defines the thread_local '" + native + "'");
  auto jit = impl->interp->getExecutionEngine();
  if (!jit)
    fail("no JIT: " + error_text(jit.takeError()));
  NativeThreadLocal *entry;
  {
    std::lock_guard<std::mutex> guard(bridge_lock);
    native_thread_locals.push_back(NativeThreadLocal{{0, 0, nullptr, &bridge_mark}, native});
    entry = &native_thread_locals.back();
  }
  if (llvm::Error err = define_absolute(*jit, "__emutls_v." + native, entry))
    fail("cannot bridge the thread_local '" + native + "': " + error_text(std::move(err)));
}

} // namespace cpplive
