// The interpreter: creation, incremental declarations, include paths,
// libraries and symbols. Failures throw std::runtime_error with clang's
// diagnostics as text; the bridge turns them into Rust `Err`s.

#include "cpplive-clang/shim/impl.h"
#include "cpplive-clang/src/ffi.rs.h"

#include "clang/AST/GlobalDecl.h"
#include "clang/AST/Mangle.h"
#include "clang/Frontend/TextDiagnosticPrinter.h"
#include "clang/Lex/HeaderSearch.h"
#include "clang/Lex/Preprocessor.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/TargetSelect.h"

#include <sys/time.h>
#include <unistd.h>

namespace cpplive {

void fail(const std::string &message) { throw std::runtime_error(message); }

std::string error_text(llvm::Error err) {
  std::string text;
  llvm::handleAllErrors(std::move(err), [&](const llvm::ErrorInfoBase &info) {
    if (!text.empty())
      text += "\n";
    text += info.message();
  });
  return text;
}

namespace {

// Clang's text printer, plus what a dry-run child needs: each diagnostic is
// streamed to the parent as soon as it is printed (the child may never
// finish), and a parse that has failed is not allowed to go on for long
// (clang 19's incremental parser can loop on the end of an unfinished
// input, see guard.cpp).
class Diagnostics : public clang::DiagnosticConsumer {
public:
  Diagnostics(Session::Impl &impl, clang::DiagnosticOptions *options)
      : impl(impl), printer(*impl.diag_stream, options) {}

  void BeginSourceFile(const clang::LangOptions &language, const clang::Preprocessor *pp) override {
    printer.BeginSourceFile(language, pp);
  }
  void EndSourceFile() override { printer.EndSourceFile(); }
  void clear() override {
    printer.clear();
    DiagnosticConsumer::clear();
  }

  void HandleDiagnostic(clang::DiagnosticsEngine::Level level, const clang::Diagnostic &info) override {
    DiagnosticConsumer::HandleDiagnostic(level, info);
    if (level >= clang::DiagnosticsEngine::Error)
      note_failed_instantiations(info);
    std::size_t before = impl.diagnostics.size();
    printer.HandleDiagnostic(level, info);
    impl.diag_stream->flush();
    if (impl.diagnostics_fd < 0)
      return;
    const char *text = impl.diagnostics.data() + before;
    std::size_t left = impl.diagnostics.size() - before;
    impl.streamed_diagnostics = impl.streamed_diagnostics || left > 0;
    while (left > 0) {
      ssize_t written = ::write(impl.diagnostics_fd, text, left);
      if (written <= 0)
        break;
      text += written;
      left -= static_cast<std::size_t>(written);
    }
    if (level == clang::DiagnosticsEngine::Fatal)
      ::_exit(3);
    if (level == clang::DiagnosticsEngine::Error && !timer_armed) {
      timer_armed = true;
      itimerval grace{};
      grace.it_value.tv_sec = impl.error_grace_ms / 1000;
      grace.it_value.tv_usec = (impl.error_grace_ms % 1000) * 1000;
      ::setitimer(ITIMER_REAL, &grace, nullptr);
    }
  }

private:
  // The function templates being instantiated when an error is reported.
  void note_failed_instantiations(const clang::Diagnostic &info) {
    if (!impl.interp || !impl.interp->getCompilerInstance()->hasSema())
      return;
    for (const auto &context : impl.sema().CodeSynthesisContexts) {
      auto *fn = llvm::dyn_cast_or_null<clang::FunctionDecl>(context.Entity);
      if (!fn || context.Kind != clang::Sema::CodeSynthesisContext::TemplateInstantiation)
        continue;
      auto [entry, inserted] = impl.failed_instantiations.try_emplace(fn->getCanonicalDecl());
      if (!inserted)
        continue;
      // "<the specialization>\n<the error>" (see Session::refusal).
      llvm::SmallString<128> message;
      info.FormatDiagnostic(message);
      std::string specialization;
      llvm::raw_string_ostream named(specialization);
      fn->getNameForDiagnostic(named, impl.context().getPrintingPolicy(), /*Qualified=*/true);
      entry->second = named.str() + "\n" + std::string(message);
      // Its symbols, for modules that define or use them (src/link.rs).
      if (fn->isInvalidDecl() || fn->isDependentContext())
        continue;
      std::unique_ptr<clang::MangleContext> mangler(impl.context().createMangleContext());
      auto note = [&](clang::GlobalDecl decl) {
        std::string name;
        llvm::raw_string_ostream out(name);
        if (!mangler->shouldMangleDeclName(fn))
          return;
        mangler->mangleName(decl, out);
        impl.refused_symbols.emplace(out.str(), entry->second);
      };
      if (auto *ctor = llvm::dyn_cast<clang::CXXConstructorDecl>(fn)) {
        note(clang::GlobalDecl(ctor, clang::Ctor_Complete));
        note(clang::GlobalDecl(ctor, clang::Ctor_Base));
      } else if (auto *dtor = llvm::dyn_cast<clang::CXXDestructorDecl>(fn)) {
        note(clang::GlobalDecl(dtor, clang::Dtor_Complete));
        note(clang::GlobalDecl(dtor, clang::Dtor_Base));
      } else {
        note(clang::GlobalDecl(fn));
      }
    }
  }

  Session::Impl &impl;
  clang::TextDiagnosticPrinter printer;
  bool timer_armed = false;
};

} // namespace

std::uint64_t Session::Impl::id_of(clang::Decl *decl) {
  if (!decl)
    return 0;
  decl = decl->getCanonicalDecl();
  auto found = ids.find(decl);
  if (found != ids.end())
    return found->second;
  decls.push_back(decl);
  std::uint64_t id = decls.size();
  ids[decl] = id;
  return id;
}

clang::Decl *Session::Impl::decl_of(std::uint64_t id) const {
  if (id == 0 || id > decls.size())
    fail("cpplive: unknown declaration id " + std::to_string(id));
  return decls[id - 1];
}

clang::DeclContext *Session::Impl::context_of(std::uint64_t id) const {
  auto *dc = llvm::dyn_cast<clang::DeclContext>(decl_of(id));
  if (!dc)
    fail("cpplive: declaration " + std::to_string(id) + " is not a scope");
  return dc;
}

std::string Session::Impl::take_diagnostics() {
  std::string text;
  text.swap(diagnostics);
  return text;
}

clang::PartialTranslationUnit &Session::Impl::parse(llvm::StringRef code, bool guarded) {
  bool dry = guarded && guarding_allowed && diagnostics_fd < 0;
  bool known = dry && known_accepted(*this, code);
  if (dry && !known)
    dry_run(*this, code);
  remember_next = dry && !known;
  auto parsed = [&]() -> clang::PartialTranslationUnit & {
    if (!known)
      return parse_here(code);
    try {
      return parse_here(code);
    } catch (...) {
      // Remembered wrongly (a file changed unseen): never again.
      forget_accepted(*this, code);
      throw;
    }
  };
  auto &ptu = parsed();
  if (guarded && diagnostics_fd < 0) {
    note_user_input(*this, ptu);
    // What is left after an accepted parse is warnings (and their notes).
    warnings += take_diagnostics();
  }
  return ptu;
}

clang::PartialTranslationUnit &Session::Impl::ptu_of(std::uint64_t handle) const {
  if (handle == 0 || handle > ptus.size() || !ptus[handle - 1])
    fail("cpplive: unknown parsed input " + std::to_string(handle));
  return *ptus[handle - 1];
}

void Session::Impl::execute(clang::PartialTranslationUnit &ptu) {
  if (!ptu.TheModule)
    return;
  optimize(ptu);
  execute_guarded(*this, ptu);
}

// The shim's own declarations (type aliases) come from names already
// resolved or from reflection: no dry run.
void Session::Impl::declare(llvm::StringRef code) { execute(parse(code, /*guarded=*/false)); }

clang::PartialTranslationUnit &Session::Impl::parse_here(llvm::StringRef code) {
  diagnostics.clear();
  // An error left by reflection between parses would fail this parse.
  auto &engine = interp->getCompilerInstance()->getDiagnostics();
  if (engine.hasErrorOccurred())
    engine.Reset(/*soft=*/true);
  bool remember = remember_next;
  remember_next = false;
  auto ptu = interp->Parse(code);
  if (diagnostics_fd < 0)
    note_parsed(*this, code, static_cast<bool>(ptu), remember);
  if (!ptu) {
    std::string reason = error_text(ptu.takeError());
    std::string diags = take_diagnostics();
    // "Parsing failed." adds nothing to clang's own diagnostics.
    if (diags.empty())
      fail(reason);
    if (reason.find("Parsing failed") != std::string::npos)
      fail(diags);
    fail(diags + "\n" + reason);
  }
  return *ptu;
}

Session::Session(rust::Slice<const rust::String> args) : impl(new Impl) {
  static bool targets_ready = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    // Inline assembly in user code (Eigen's cpuid, spin-lock pauses) is
    // parsed by the target's assembler when the JIT emits the object.
    llvm::InitializeNativeTargetAsmParser();
    return true;
  }();
  (void)targets_ready;

  std::vector<std::string> owned;
  for (const auto &arg : args) {
    owned.emplace_back(std::string(arg));
    note_setting(*impl, owned.back());
  }
  std::vector<const char *> argv;
  for (const auto &arg : owned)
    argv.push_back(arg.c_str());

  clang::IncrementalCompilerBuilder builder;
  builder.SetCompilerArgs(argv);
  auto ci = builder.CreateCpp();
  if (!ci)
    fail("cannot create the C++ compiler: " + error_text(ci.takeError()));

  impl->diag_stream = std::make_unique<llvm::raw_string_ostream>(impl->diagnostics);
  auto &diag_opts = (*ci)->getDiagnosticOpts();
  diag_opts.ShowColors = false;
  (*ci)->getDiagnostics().setClient(new Diagnostics(*impl, &diag_opts), /*ShouldOwnClient=*/true);

  auto interp = clang::Interpreter::create(std::move(*ci));
  if (!interp)
    fail("cannot create the C++ interpreter: " + error_text(interp.takeError()) + "\n" +
         impl->take_diagnostics());
  impl->interp = std::move(*interp);

  // The host process loaded the C++ runtime privately (Python uses RTLD_LOCAL):
  // JIT-compiled code must be told where __cxa_throw, operator new & co. live.
  for (const char *runtime : {"libstdc++.so.6", "libgcc_s.so.1"})
    if (llvm::Error err = impl->interp->LoadDynamicLibrary(runtime))
      fail(std::string("cannot load ") + runtime + ": " + error_text(std::move(err)));

  install_thread_local_bridge(*impl);
  start_unoptimized_codegen(*impl);
  impl->id_of(impl->context().getTranslationUnitDecl());
}

Session::~Session() = default;

std::unique_ptr<Session> new_session(rust::Slice<const rust::String> args) {
  return std::make_unique<Session>(args);
}

std::uint64_t Session::parse(rust::Str code, bool guarded) {
  impl->ptus.push_back(&impl->parse(llvm::StringRef(code.data(), code.size()), guarded));
  return impl->ptus.size();
}

void Session::execute(std::uint64_t ptu) { impl->execute(impl->ptu_of(ptu)); }

void Session::allow_guarding(bool allowed) { impl->guarding_allowed = allowed; }

// Sema reads the option at each check, so it can change between inputs.
void Session::set_access_checks(bool on) { impl->interp->getCompilerInstance()->getLangOpts().AccessControl = on; }

rust::String Session::take_warnings() {
  std::string text;
  text.swap(impl->warnings);
  return rust::String(text);
}

void Session::add_include_path(rust::Str dir) {
  auto *ci = impl->interp->getCompilerInstance();
  std::string path(dir);
  auto entry = ci->getFileManager().getOptionalDirectoryRef(path);
  if (!entry)
    fail("include path '" + path + "' is not a directory");
  auto &search = ci->getPreprocessor().getHeaderSearchInfo();
  search.AddSearchPath(clang::DirectoryLookup(*entry, clang::SrcMgr::C_User, /*isFramework=*/false),
                       /*isAngled=*/true);
  note_setting(*impl, "-I" + path);
}

void Session::load_library(rust::Str path) {
  std::string file(path);
  if (llvm::Error err = impl->interp->LoadDynamicLibrary(file.c_str()))
    fail("cannot load library '" + file + "': " + error_text(std::move(err)));
}

std::uint64_t Session::symbol_address(rust::Str name) const {
  auto address = impl->interp->getSymbolAddress(llvm::StringRef(name.data(), name.size()));
  if (!address)
    fail("symbol '" + std::string(name) + "' not found: " + error_text(address.takeError()));
  return address->getValue();
}

} // namespace cpplive
