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
struct ScopeRecord;
struct BaseRecord;
struct ParamRecord;

class Session {
public:
  explicit Session(rust::Slice<const rust::String> args);
  ~Session();

  // Code: each returns normally or throws with clang's diagnostics as text.
  void declare(rust::Str code);
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

} // namespace cpplive
