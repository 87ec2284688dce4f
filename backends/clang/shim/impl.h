// The session's private state, shared by the shim's translation units only.
// Nothing here is seen by Rust.
#pragma once

#include "cpplive-clang/shim/session.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Interpreter/Interpreter.h"
#include "clang/Sema/Sema.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <set>
#include <stdexcept>
#include <string>
#include <array>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace cpplive {

struct Session::Impl {
  std::unique_ptr<clang::Interpreter> interp;
  // Text of the diagnostics of the current request; cleared before each.
  std::string diagnostics;
  // Warnings on accepted user inputs, kept until asked for.
  std::string warnings;
  std::unique_ptr<llvm::raw_string_ostream> diag_stream;
  // Parsed inputs not yet handed to the JIT (or already handed: null
  // module); a handle is the index + 1.
  std::vector<clang::PartialTranslationUnit *> ptus;
  // Whether parses may be tried in a forked child first (see guard.cpp).
  bool guarding_allowed = true;
  // In such a child: where diagnostics are streamed to, and how long the
  // parse may go on after its first error.
  int diagnostics_fd = -1;
  unsigned error_grace_ms = 0;
  bool streamed_diagnostics = false;
  // Handle table: id - 1 indexes `decls`. Id 1 is the translation unit.
  std::vector<clang::Decl *> decls;
  llvm::DenseMap<clang::Decl *, std::uint64_t> ids;
  unsigned type_counter = 0;
  // Type spellings already resolved (opaque QualType pointers).
  std::unordered_map<std::string, void *> resolved_types;
  // Lambda closure types have no name; each one met gets a typedef
  // (`::__cpplive_closure_N`) that generated code can use.
  llvm::DenseMap<clang::CXXRecordDecl *, clang::TypedefNameDecl *> closure_names;
  // Function template specializations whose instantiation raised an
  // error, with the first error, and their symbols. clang instantiates a
  // body once: after the failed input, a later one using the same
  // specialization compiles without a word, so no module defining or
  // using those symbols may link (src/link.rs).
  llvm::DenseMap<const clang::Decl *, std::string> failed_instantiations;
  std::unordered_map<std::string, std::string> refused_symbols;
  // Remembered dry-run verdicts (verdicts.cpp): where ("" for none), the
  // hash of all the session parsed, the files it has read, and whether the
  // next parse's acceptance is to be remembered.
  std::string verdict_dir;
  std::array<std::uint64_t, 2> history{};
  std::unordered_set<std::string> files_read;
  bool remember_next = false;
  // Each user input (a guarded parse), for redefinition and undo
  // (redefine.cpp): its part of the translation unit, and the earlier
  // declarations it took out of lookup.
  struct UserInput {
    clang::TranslationUnitDecl *part;
    std::vector<clang::NamedDecl *> hid;
  };
  std::vector<UserInput> user_inputs;
  // Global names whose first definition was hidden by a redefinition.
  std::set<std::string> hidden_names;
  // Compiled code reused across runs (codecache.cpp): modules already
  // optimized, objects of earlier runs to link instead of a module, and
  // the objects the JIT compiled since Rust last asked (when it keeps them).
  llvm::DenseSet<const clang::PartialTranslationUnit *> optimized;
  llvm::DenseMap<const clang::PartialTranslationUnit *, std::unique_ptr<llvm::MemoryBuffer>> reused_objects;
  struct Compiled {
    std::string module;
    std::string object;
  };
  bool keep_objects = false;
  std::mutex compiled_lock;
  std::vector<Compiled> compiled;

  // Resolves a type spelled in C++, completing (instantiating) classes.
  clang::QualType resolve(const std::string &spelling);
  // `spelling` as a type named from inside `where`.
  clang::QualType resolve_in(clang::DeclContext *where, const std::string &spelling);

  clang::ASTContext &context() { return interp->getASTContext(); }
  clang::Sema &sema() { return interp->getCompilerInstance()->getSema(); }

  std::uint64_t id_of(clang::Decl *decl);
  clang::Decl *decl_of(std::uint64_t id) const;
  clang::DeclContext *context_of(std::uint64_t id) const;

  // Parses and runs `code`; throws std::runtime_error carrying diagnostics.
  void declare(llvm::StringRef code);
  // Parses `code` (first in a forked child when guarded) without running
  // it; throws with the diagnostics when clang rejects it.
  clang::PartialTranslationUnit &parse(llvm::StringRef code, bool guarded);
  // The parse itself, in this process.
  clang::PartialTranslationUnit &parse_here(llvm::StringRef code);
  clang::PartialTranslationUnit &ptu_of(std::uint64_t handle) const;
  void execute(clang::PartialTranslationUnit &ptu);
  // Runs clang's optimizer on a module parsed unoptimized (once).
  void optimize(clang::PartialTranslationUnit &ptu);
  std::string take_diagnostics();
};

[[noreturn]] void fail(const std::string &message);

// verdicts.cpp: whether `code`, parsed now, was accepted before in the same
// state; what a parse adds to the state (and, when asked, its verdict);
// a setting that changes how inputs parse; an acceptance found wrong.
bool known_accepted(Session::Impl &impl, llvm::StringRef code);
void note_parsed(Session::Impl &impl, llvm::StringRef code, bool accepted, bool remember);
void note_setting(Session::Impl &impl, const std::string &setting);
void forget_accepted(Session::Impl &impl, llvm::StringRef code);

// Where names of scope `scope` are looked up: a class's complete
// definition (instantiated if needed), an enum, or a namespace (reflect.cpp).
clang::DeclContext *lookup_context(Session::Impl &impl, std::uint64_t scope);
std::string error_text(llvm::Error err);

// Tries `code` in a forked copy of this process (guard.cpp): returns when
// clang accepts it there, throws with its diagnostics when it does not,
// when it crashes, or when it does not finish.
void dry_run(Session::Impl &impl, llvm::StringRef code);

// Hands a module (or the object reused for it) to the JIT and runs its
// initializers; a fatal signal in them fails the call instead of ending
// the process (faults.cpp).
void execute_guarded(Session::Impl &impl, clang::PartialTranslationUnit &ptu);

// codecache.cpp: modules are parsed unoptimized from now on, and the JIT's
// objects can be kept; links the object reused for `ptu` when there is one
// (true, with the outcome in `result`).
void start_unoptimized_codegen(Session::Impl &impl);
bool reuse_compiled(Session::Impl &impl, clang::PartialTranslationUnit &ptu, llvm::Error &result);

// Records a user input that was parsed (redefine.cpp).
void note_user_input(Session::Impl &impl, clang::PartialTranslationUnit &ptu);

// Lets JIT-compiled code reach thread_local variables of the libraries
// this process loaded (link.cpp).
void install_thread_local_bridge(Session::Impl &impl);

} // namespace cpplive
