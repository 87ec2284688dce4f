// The only header the bridge sees. It includes no clang header: the session
// is a pimpl, and every question is answered with ids and plain records.
#pragma once

#include <cstdint>
#include <memory>

#include "rust/cxx.h"

namespace cpplive {

struct TypeRecord;
struct DeclRecord;
struct FunctionRecord;
struct FieldRecord;
struct EnumeratorRecord;
struct MemberNameRecord;
struct DeclaredRecord;
struct ScopeRecord;
struct BaseRecord;
struct ParamRecord;
struct ModuleSymbols;
struct EmittedDefinitions;
struct CompiledObject;

class Session {
public:
  explicit Session(rust::Slice<const rust::String> args);
  ~Session();

  // Code: each returns normally or throws with clang's diagnostics as text.
  // `parse` compiles to a module kept aside (a handle); `execute` hands it
  // to the JIT and runs its initializers.
  // A guarded parse is tried in a forked child first (see guard.cpp).
  std::uint64_t parse(rust::Str code, bool guarded);
  void execute(std::uint64_t ptu);
  void allow_guarding(bool allowed);
  void set_access_checks(bool on);
  // Clang's warnings on the user inputs accepted since the last call.
  rust::String take_warnings();
  // The symbols a parsed module defines, and those it needs from elsewhere.
  ModuleSymbols module_symbols(std::uint64_t ptu) const;
  // Definitions clang holds (from the precompiled header) for symbols that
  // code refers to but that were never emitted: compiled into a module of
  // their own, exported. Names it has no definition for are left out.
  EmittedDefinitions emit_definitions(rust::Slice<const rust::String> names);
  rust::String refusal(rust::Str name) const;
  void strip_refused(std::uint64_t ptu);
  void remember_verdicts(rust::Str dir);
  // Makes `__emutls_v.<name>` (how JIT-compiled code reaches a
  // thread_local) refer to the native thread_local `name` of a loaded
  // library.
  void bridge_thread_local(rust::Str name);
  // Where the first unclosed bracket of `code` is, as "line:column:char"
  // (raw lexing: comments and literals are skipped); empty when balanced.
  rust::String unclosed_bracket(rust::Str code) const;
  // Interactive redefinition and undo (redefine.cpp). The mark is the
  // number of user inputs so far; `shadow` takes out of lookup what the
  // members of the inline namespace `ns` (the last input) redefine;
  // `undo_inputs` takes back the user inputs after `mark`. Both return
  // "-id name" for each declaration hidden and "+id name" for each shown.
  std::uint64_t input_mark() const;
  rust::Vec<rust::String> shadow(rust::Str ns);
  rust::Vec<rust::String> undo_inputs(std::uint64_t mark);
  // Compiled code reused across runs (codecache.cpp): the key of a parsed
  // module's unoptimized IR ("" once it is optimized), its name, an object
  // of an earlier run to link in its place, and the objects the JIT
  // compiled since the last call (kept only when asked to).
  rust::String code_key(std::uint64_t ptu, rust::Str salt) const;
  rust::String module_name(std::uint64_t ptu) const;
  void reuse_object(std::uint64_t ptu, rust::Slice<const std::uint8_t> object);
  void keep_objects(bool keep);
  rust::Vec<CompiledObject> take_compiled() const;
  void add_include_path(rust::Str dir);
  void load_library(rust::Str path);
  std::uint64_t symbol_address(rust::Str name) const;

  // Reflection over ids. Id 1 is the global namespace.
  rust::Vec<DeclRecord> lookup(std::uint64_t scope, rust::Str name);
  ScopeRecord scope_info(std::uint64_t scope);
  rust::Vec<FunctionRecord> methods(std::uint64_t scope);
  rust::Vec<rust::String> method_templates(std::uint64_t scope);
  rust::Vec<rust::String> default_arguments(std::uint64_t function);
  rust::Vec<FieldRecord> fields(std::uint64_t scope);
  rust::Vec<EnumeratorRecord> enumerators(std::uint64_t scope);
  // Every identifier that qualified lookup into `scope` resolves to a
  // declaration reflection describes, once each (names.cpp).
  rust::Vec<MemberNameRecord> member_names(std::uint64_t scope);
  rust::Vec<DeclaredRecord> declarations(std::uint64_t scope);
  rust::Vec<FunctionRecord> functions(std::uint64_t scope, rust::Str name);

  // Resolves a type spelled in C++ (instantiating templates as needed).
  TypeRecord resolve_type(rust::Str spelling);

  // Specializations of the function templates `name` in `scope` for explicit
  // template arguments and/or call argument types (deduction by Sema).
  rust::Vec<FunctionRecord> instantiate_function(std::uint64_t scope, rust::Str name,
                                                 rust::Slice<const rust::String> explicit_args,
                                                 rust::Slice<const rust::String> arg_types);

  struct Impl;

private:
  std::unique_ptr<Impl> impl;
};

std::unique_ptr<Session> new_session(rust::Slice<const rust::String> args);
rust::String demangle(rust::Str name);

} // namespace cpplive
