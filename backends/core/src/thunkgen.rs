//! Generates the C++ source of thunks (see `thunk.rs` for the ABI). One
//! generator for both deliveries: JIT-compiled by the clang backend, or
//! compiled ahead of time into a dictionary library.

use std::fmt::Write;

use crate::model::{FunctionInfo, FunctionKind, Signature};
use crate::types::{RefKind, TypeBase, TypeRef};

/// The standard headers every session starts with, as users of cppyy expect
/// (`std::vector` & co. usable in `cppdef` without an `#include`).
pub const STANDARD_HEADERS: &[&str] = &[
    "algorithm", "array", "chrono", "cmath", "complex", "cstdint", "cstdio", "cstdlib", "cstring", "deque",
    "exception", "functional", "iostream", "list", "map", "memory", "numeric", "optional", "set",
    "sstream", "stdexcept", "string", "string_view", "thread", "tuple", "typeinfo", "unordered_map",
    "unordered_set", "utility", "vector",
];

/// Declared once before any thunk: the error reporting and string helpers
/// (`PRELUDE_DECLARATIONS`, which any number of translation units may hold)
/// and the `extern "C"` helpers (`PRELUDE_DEFINITIONS`, in exactly one).
pub const PRELUDE: &str = concat!(prelude_declarations!(), prelude_definitions!());

/// The inline part of `PRELUDE`: a dictionary compiles its thunks in
/// several translation units, and each needs it.
pub const PRELUDE_DECLARATIONS: &str = prelude_declarations!();

/// The `extern "C"` helpers of `PRELUDE`, defined once per library.
pub const PRELUDE_DEFINITIONS: &str = prelude_definitions!();

macro_rules! prelude_declarations {
    () => {
        r#"
#include <new>
#include <string>
#include <exception>
#include <typeinfo>
#include <type_traits>
#include <utility>
#include <tuple>
#include <memory>
#include <iterator>
#include <cxxabi.h>
#include <cstdlib>
#include <cstring>
namespace __cpplive {
struct error { char* type; char* what; void* object; void* keep; };
struct str_view { const char* data; unsigned long size; };
inline char* dup(const char* s) {
  unsigned long n = std::strlen(s);
  char* p = static_cast<char*>(std::malloc(n + 1));
  std::memcpy(p, s, n + 1);
  return p;
}
inline char* type_name(const std::type_info* info) {
  if (!info) return dup("unknown");
  int status = 0;
  char* name = abi::__cxa_demangle(info->name(), nullptr, nullptr, &status);
  return name ? name : dup(info->name());
}
inline int report(error* e) {
  try { throw; }
  catch (const std::exception& x) {
    e->type = type_name(&typeid(x));
    e->what = dup(x.what());
    // Kept alive for Python to copy the object itself (see ThunkError).
    e->keep = new std::exception_ptr(std::current_exception());
    e->object = const_cast<void*>(dynamic_cast<const void*>(&x));
  }
  catch (...) { e->type = type_name(abi::__cxa_current_exception_type()); e->what = dup(""); }
  return 1;
}
typedef int (*py_callback)(void*, void**, void*, void (*)(void*, void*));
inline void assign_text(void* out, void* text) { *static_cast<std::string*>(out) = static_cast<const char*>(text); }
}
namespace CPyCppyy {
// Thrown through C++ frames when a Python callback raised (cppyy's name,
// so that C++ written for cppyy catches it): the Python exception waits in
// the calling thread, and is raised again when the outer call returns
// unless C++ handles it (`clear()`). `what()` is its traceback. The
// callback that raised is asked for both (a null target is a question
// about the thread's pending exception, see `PyCallbackFn`).
class PyException : public std::exception {
public:
  PyException() : m_what("a Python exception") {}
  explicit PyException(__cpplive::py_callback cb) : m_cb(cb) { cb(nullptr, nullptr, &m_what, &__cpplive::assign_text); }
  const char* what() const noexcept override { return m_what.c_str(); }
  // Handled in C++: the Python exception is dropped.
  void clear() { if (m_cb) m_cb(nullptr, nullptr, nullptr, nullptr); }
private:
  __cpplive::py_callback m_cb = nullptr;
  std::string m_what;
};
}
namespace __cpplive {
using python_error = CPyCppyy::PyException;
// Storage for a callback's result, which need not be default-constructible.
template <class R> struct result_box {
  alignas(R) unsigned char storage[sizeof(R)];
  bool full = false;
  template <class V> void set(V&& v) { new (storage) R(std::forward<V>(v)); full = true; }
  R take() { R* p = reinterpret_cast<R*>(storage); R r(std::move(*p)); p->~R(); full = false; return r; }
  ~result_box() { if (full) reinterpret_cast<R*>(storage)->~R(); }
};
// Iteration over a container for Python's `for` (`__iter__`), for those
// whose begin()/end() give something that reads (`*it`), compares (`!=`)
// and steps (`++it`, else `it++`): not a pointer to an incomplete class.
template <class I, class = void> struct steps_before : std::false_type {};
template <class I> struct steps_before<I, std::void_t<decltype(++std::declval<I&>())>> : std::true_type {};
template <class I, class = void> struct steps_after : std::false_type {};
template <class I> struct steps_after<I, std::void_t<decltype(std::declval<I&>()++)>> : std::true_type {};
template <class C, class = void> struct iterable : std::false_type {};
template <class C> struct iterable<C, std::void_t<
    decltype(*std::declval<decltype(std::begin(std::declval<C&>()))&>()),
    decltype(std::declval<decltype(std::begin(std::declval<C&>()))&>() != std::declval<decltype(std::end(std::declval<C&>()))&>())>>
  : std::bool_constant<steps_before<decltype(std::begin(std::declval<C&>()))>::value
                       || steps_after<decltype(std::begin(std::declval<C&>()))>::value> {};
template <class C> bool is_iterable() { return iterable<C>::value; }
template <class C> struct cursor {
  using iterator = decltype(std::begin(std::declval<C&>()));
  iterator it, end;
  explicit cursor(C& c) : it(std::begin(c)), end(std::end(c)) {}
  // Not const: iterators whose comparison or dereference is not const
  // are valid C++ too.
  bool done() { return !(it != end); }
  decltype(*std::declval<iterator&>()) get() { return *it; }
  void advance() { if constexpr (steps_before<iterator>::value) ++it; else it++; }
};
// Element access for std::tuple (and anything else std::get reaches).
template <std::size_t I, class T> decltype(auto) tuple_get(T& t) { return std::get<I>(t); }
template <class T> constexpr std::size_t tuple_size_of(const T&) { return std::tuple_size<T>::value; }
// The last member of a dispatcher `D`: copying a `D` copies it after every
// other member, and it then hands the new object to the original's
// `cpplive_on_copy` (Python gives the copy a Python object of its own).
// `owner` is the object it is part of, found again in the copy by offset.
template <class D> struct copy_notice {
  D* owner;
  explicit copy_notice(D* o) : owner(o) {}
  copy_notice(const copy_notice& o)
    : owner(reinterpret_cast<D*>(reinterpret_cast<char*>(this) - (reinterpret_cast<const char*>(&o) - reinterpret_cast<const char*>(o.owner)))) {
    if (o.owner->cpplive_on_copy) o.owner->cpplive_on_copy(owner);
  }
  copy_notice& operator=(const copy_notice&) { return *this; }
};
// Clears a dispatcher's "calling Python" flag on the way out.
struct busy_guard { bool& flag; ~busy_guard() { flag = false; } };
// A class argument passed by value: copied when it can be, else moved
// from (a `std::unique_ptr` held by Python is handed over).
template <class T> decltype(auto) pass_value(void* p) {
  if constexpr (std::is_copy_constructible<T>::value) return *static_cast<T*>(p);
  else return std::move(*static_cast<T*>(p));
}
inline std::string to_string(void* p) {
  auto* v = static_cast<str_view*>(p);
  return std::string(v->data, v->size);
}
}
"#
    };
}
use prelude_declarations;

macro_rules! prelude_definitions {
    () => {
        r#"
extern "C" void __cpplive_string_view(const void* s, const char** data, unsigned long* size) {
  auto* str = static_cast<const std::string*>(s);
  *data = str->data();
  *size = str->size();
}
extern "C" void __cpplive_string_delete(void* s) { delete static_cast<std::string*>(s); }
extern "C" void __cpplive_release_exception(void* keep) { delete static_cast<std::exception_ptr*>(keep); }
#if defined(__GLIBCXX__)
#include <ext/atomicity.h>
// libstdc++ marks its reference-count helpers always_inline, and code
// compiled on the fly is not inlined into: it calls them (every
// `std::shared_ptr` copy does). Taking their addresses here keeps
// out-of-line copies beside the precompiled standard library.
extern "C" void* __cpplive_inline_helper(int which) {
  switch (which) {
    case 0: return (void*)&__gnu_cxx::__exchange_and_add_dispatch;
    case 1: return (void*)&__gnu_cxx::__atomic_add_dispatch;
    case 2: return (void*)&__gnu_cxx::__is_single_threaded;
    case 3: return (void*)&__gnu_cxx::__exchange_and_add_single;
    case 4: return (void*)&__gnu_cxx::__atomic_add_single;
  }
  return nullptr;
}
#endif
// Likewise for the standard library's inline tag variables: code compiled
// on the fly refers to them (`std::map::operator[]` passes
// `std::piecewise_construct`) and finds them here.
extern "C" const void* __cpplive_inline_variable(int which) {
  switch (which) {
    case 0: return &std::piecewise_construct;
    case 1: return &std::allocator_arg;
    case 2: return &std::ignore;
#if __cplusplus >= 201703L
    case 3: return &std::in_place;
#endif
  }
  return nullptr;
}
"#
    };
}
use prelude_definitions;

/// Compiled into the precompiled standard library only (as text they would
/// cost start-up time instead): the containers most used from Python, so
/// that their first use compiles just the call thunks.
pub const PRECOMPILED_INSTANTIATIONS: &str = r#"
template class std::vector<int>;
template class std::vector<long>;
template class std::vector<unsigned int>;
template class std::vector<double>;
template class std::vector<float>;
template class std::vector<std::string>;
"#;

pub const RELEASE_EXCEPTION_SYMBOL: &str = "__cpplive_release_exception";

pub const STRING_VIEW_SYMBOL: &str = "__cpplive_string_view";
pub const STRING_DELETE_SYMBOL: &str = "__cpplive_string_delete";

/// The source of a call thunk named `symbol` for `function`.
pub fn call_thunk(symbol: &str, function: &FunctionInfo) -> String {
    thunk_source(symbol, function, Dispatch::Virtual)
}

/// Like `call_thunk`, but a virtual method is called as its own class
/// defines it (`obj.A::f()`), never an override: `A.f(obj)` from Python.
pub fn direct_call_thunk(symbol: &str, function: &FunctionInfo) -> String {
    thunk_source(symbol, function, Dispatch::Direct)
}

/// How a thunk calls a method: through the object's vtable, or the named
/// class's own definition.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dispatch {
    Virtual,
    Direct,
}

fn thunk_source(symbol: &str, function: &FunctionInfo, dispatch: Dispatch) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "extern \"C\" int {symbol}(void* self, int nargs, void** args, void* ret, __cpplive::error* err) {{"
    );
    out.push_str("  (void)self; (void)args; (void)ret;\n  try {\n    switch (nargs) {\n");
    for count in function.min_args()..=function.params.len() {
        let args: Vec<String> =
            function.params[..count].iter().enumerate().map(|(i, p)| argument(i, &p.ty)).collect();
        let call = call_expression(function, &args.join(", "), dispatch);
        let _ = writeln!(out, "    case {count}: {{ {} break; }}", store_result(function, &call));
    }
    out.push_str("    default: return 2;\n    }\n    return 0;\n  } catch (...) { return __cpplive::report(err); }\n}\n");
    out
}

/// Like `call_thunk`, but every argument is passed (`nargs` is the full
/// count) and a null `args[i]` stands for "use the default": for calls that
/// skip a defaulted parameter while giving later ones by keyword. `None`
/// when some default's text is unknown.
pub fn call_thunk_with_defaults(symbol: &str, function: &FunctionInfo) -> Option<String> {
    let mut args = Vec::new();
    for (i, p) in function.params.iter().enumerate() {
        let given = argument(i, &p.ty);
        if p.has_default {
            let value_type = p.ty.value_spelling();
            // An aggregate's field left out is value-initialized, as in
            // `T{a, {}, c}` (the alias template makes any type spellable).
            let value_initialized = function.kind == FunctionKind::AggregateInit && p.default_text.is_empty();
            if p.default_text.is_empty() && !value_initialized {
                return None;
            }
            let fallback = if value_initialized {
                format!("std::remove_cv_t<{value_type}>{{}}")
            } else if p.ty.base == TypeBase::StdString && p.ty.is_plain() {
                format!("std::string({})", p.default_text)
            } else {
                format!("static_cast<{value_type}>({})", p.default_text)
            };
            if p.ty.reference == RefKind::LValue && !p.ty.base_const {
                // A default bound to a non-const reference cannot be made here.
                return None;
            }
            args.push(format!("(args[{i}] ? {given} : {fallback})"));
        } else {
            args.push(given);
        }
    }
    let call = call_expression(function, &args.join(", "), Dispatch::Virtual);
    Some(format!(
        "extern \"C\" int {symbol}(void* self, int nargs, void** args, void* ret, __cpplive::error* err) {{\n  (void)self; (void)nargs; (void)args; (void)ret;\n  try {{ {} return 0; }} catch (...) {{ return __cpplive::report(err); }}\n}}\n",
        store_result(function, &call)
    ))
}

/// The source of `extern "C" void symbol(void*)` deleting a `class_spelling`.
pub fn deleter(symbol: &str, class_spelling: &str) -> String {
    format!("extern \"C\" void {symbol}(void* p) {{ delete static_cast<{class_spelling}*>(p); }}\n")
}

/// The source of a `DynamicTypeFn` for the polymorphic class `class_spelling`.
pub fn dynamic_type(symbol: &str, class_spelling: &str) -> String {
    format!(
        "extern \"C\" void* {symbol}(void* p, char** name) {{\n  auto* object = static_cast<{class_spelling}*>(p);\n  *name = __cpplive::type_name(&typeid(*object));\n  return dynamic_cast<void*>(object);\n}}\n"
    )
}

/// The source of an `UpcastFn` from `derived` to its base `base`.
pub fn upcast(symbol: &str, derived: &str, base: &str) -> String {
    format!("extern \"C\" void* {symbol}(void* p) {{ return static_cast<{base}*>(static_cast<{derived}*>(p)); }}\n")
}

/// The source of a `SmartGetFn` for smart pointer class `smart_spelling`.
pub fn smart_get(symbol: &str, smart_spelling: &str) -> String {
    format!("extern \"C\" void* {symbol}(void* p) {{ return (void*)static_cast<{smart_spelling}*>(p)->get(); }}\n")
}

/// The source of a `FunctionMakerFn` for `std::function` class
/// `class_spelling` with signature `signature`.
pub fn function_maker(symbol: &str, class_spelling: &str, signature: &Signature) -> String {
    let mut addresses: Vec<String> = (0..signature.params.len()).map(|i| format!("(void*)std::addressof(a{i})")).collect();
    addresses.push("nullptr".into());
    let ret = &signature.ret.spelling;
    let body = if signature.ret.is_void() {
        "    if (cb(keep.get(), args, nullptr, nullptr) != 0) throw __cpplive::python_error(cb);\n".to_string()
    } else {
        format!(
            "    __cpplive::result_box<{ret}> out;\n    auto sink = [](void* o, void* p) {{ static_cast<__cpplive::result_box<{ret}>*>(o)->set({}); }};\n    if (cb(keep.get(), args, &out, sink) != 0) throw __cpplive::python_error(cb);\n    return out.take();\n",
            value_at("p", &signature.ret)
        )
    };
    format!(
        "extern \"C\" void* {symbol}(void* target, __cpplive::py_callback cb, void (*release)(void*)) {{\n  std::shared_ptr<void> keep(target, release);\n  return new {class_spelling}([keep, cb]({}) -> {ret} {{\n    void* args[] = {{ {} }};\n{body}  }});\n}}\n",
        declared_parameters(&signature.params),
        addresses.join(", "),
    )
}

/// The source of `extern "C" void* symbol(void* target)`: binds a fresh
/// plain function to the `std::function` object `*target` (of class
/// `class_spelling`) and returns that function's address, for C++
/// parameters that take a function pointer.
pub fn function_pointer(symbol: &str, class_spelling: &str, signature: &Signature) -> String {
    format!(
        "static void* {symbol}_target;\nstatic auto {symbol}_call({}) -> {ret} {{ return (*static_cast<{class_spelling}*>({symbol}_target))({}); }}\nextern \"C\" void* {symbol}(void* target) {{ {symbol}_target = target; return (void*)&{symbol}_call; }}\n",
        declared_parameters(&signature.params),
        forwarded_arguments(&signature.params),
        ret = signature.ret.spelling,
    )
}

/// `T0 a0, T1 a1, ...`: a generated function's parameters of `types`.
fn declared_parameters(types: &[TypeRef]) -> String {
    types.iter().enumerate().map(|(i, t)| format!("{} a{i}", declarable(t))).collect::<Vec<_>>().join(", ")
}

/// A type spelled so that a name can follow it: `int (*)(int) a0` is no
/// declaration, `std::type_identity_t<int (*)(int)> a0` is.
fn declarable(ty: &TypeRef) -> String {
    match ty.base {
        TypeBase::FunctionPointer(_) | TypeBase::Other(_) => format!("std::type_identity_t<{}>", ty.spelling),
        _ => ty.spelling.clone(),
    }
}

/// The plain function pointer type of `signature`.
fn function_pointer_type(signature: &Signature) -> String {
    let params: Vec<&str> = signature.params.iter().map(|p| p.spelling.as_str()).collect();
    format!("std::add_pointer_t<std::type_identity_t<{}>({})>", signature.ret.spelling, params.join(", "))
}

/// The source of `extern "C" void* symbol(void* pointer)`: a new
/// `std::function` of class `class_spelling` (on the heap) holding the
/// plain function `pointer` (empty for null), as a function pointer value
/// reads in Python.
pub fn function_from_pointer(symbol: &str, class_spelling: &str, signature: &Signature) -> String {
    format!(
        "extern \"C\" void* {symbol}(void* p) {{ return new {class_spelling}(reinterpret_cast<{}>(p)); }}\n",
        function_pointer_type(signature)
    )
}

/// `function` (a specialization of a function template, named with its
/// template arguments) called through a pointer to it that deduces them
/// again from its type: `static_cast<R (*)(A...)>(&::ns::f)(...)`. Its
/// arguments listed after the specialization's name do not always name
/// it: with two parameter packs (`template<class... U, class... A>`) every
/// argument goes to the first. Every argument is then passed (no defaults
/// through a pointer). `None` for a function not named so.
pub fn called_through_deduction(function: &FunctionInfo) -> Option<FunctionInfo> {
    if !matches!(function.kind, FunctionKind::Free | FunctionKind::StaticMethod) {
        return None;
    }
    let template = strip_template_arguments(&function.qualified)?;
    let name = match function.kind {
        FunctionKind::StaticMethod => format!("{}::{template}", function.class_spelling),
        _ => template.to_string(),
    };
    let signature = Signature { ret: function.ret.clone(), params: function.params.iter().map(|p| p.ty.clone()).collect() };
    let mut through = function.clone();
    through.kind = FunctionKind::Free;
    through.qualified = format!("static_cast<{}>(&{name})", function_pointer_type(&signature));
    for param in &mut through.params {
        param.has_default = false;
    }
    Some(through)
}

/// `::ns::f` of `::ns::f<int, std::pair<int, int>>`; `None` without
/// template arguments at the end.
fn strip_template_arguments(name: &str) -> Option<&str> {
    if !name.ends_with('>') {
        return None;
    }
    let mut depth = 0i32;
    for (i, c) in name.char_indices().rev() {
        match c {
            '>' => depth += 1,
            '<' => {
                depth -= 1;
                if depth == 0 {
                    return Some(name[..i].trim_end()).filter(|n| !n.is_empty() && !n.ends_with("operator"));
                }
            }
            _ => {}
        }
    }
    None
}

/// The source of `extern "C" void* symbol()`: the address of free function
/// or static method `function` as a plain function pointer of its own
/// signature (the cast picks the overload).
pub fn function_address(symbol: &str, function: &FunctionInfo) -> String {
    if matches!(function.kind, FunctionKind::Method | FunctionKind::Conversion) {
        // The code address of a member function: the first word of its
        // pointer to member (the Itanium ABI's; a virtual one's is its
        // vtable offset plus one).
        let params: Vec<&str> = function.params.iter().map(|p| p.ty.spelling.as_str()).collect();
        let member = format!(
            "std::type_identity_t<{}> ({}::*)({}){}",
            function.ret.spelling,
            function.class_spelling,
            params.join(", "),
            if function.is_const { " const" } else { "" }
        );
        return format!(
            "extern \"C\" void* {symbol}() {{ using member = {member}; member p = &{}::{}; void* out; __builtin_memcpy(&out, &p, sizeof out); return out; }}\n",
            function.class_spelling, function.qualified
        );
    }
    let name = match function.kind {
        FunctionKind::StaticMethod => format!("{}::{}", function.class_spelling, function.qualified),
        _ => function.qualified.clone(),
    };
    let signature = Signature { ret: function.ret.clone(), params: function.params.iter().map(|p| p.ty.clone()).collect() };
    format!("extern \"C\" void* {symbol}() {{ return (void*)static_cast<{}>(&{name}); }}\n", function_pointer_type(&signature))
}

/// `a0, a1, ...` passed on as they came (`std::forward<T>` keeps
/// references references and moves values; a cast to `T&&` spelled as
/// text would make `int & &&`, which is no type).
fn forwarded_arguments(types: &[TypeRef]) -> String {
    types.iter().enumerate().map(|(i, t)| format!("std::forward<{}>(a{i})", t.spelling)).collect::<Vec<_>>().join(", ")
}

/// The source of class `name`, derived from `base_spelling`, that lets
/// Python override `virtuals` (slot `i` is member `cpplive_py_{i}`, a
/// `std::function` Python sets). An override calls the Python function when
/// one is set and it is not already running for this object (so that
/// `super().method()` in Python reaches the C++ base), else the base's own;
/// a pure virtual without one throws. Member `cpplive_on_delete`, when
/// set, is called by the destructor.
pub fn dispatcher(name: &str, base_spelling: &str, constructors: &[&FunctionInfo], virtuals: &[&FunctionInfo]) -> String {
    let mut out = format!("struct {name} : {base_spelling} {{\n");
    // Forwarding constructors, defaults included (inherited ones would not
    // be listed by reflection).
    for c in constructors {
        let params: Vec<String> = c
            .params
            .iter()
            .enumerate()
            .map(|(k, p)| {
                let default = if p.has_default && !p.default_text.is_empty() { format!(" = {}", p.default_text) } else { String::new() };
                format!("{} a{k}{default}", p.ty.spelling)
            })
            .collect();
        let types: Vec<TypeRef> = c.params.iter().map(|p| p.ty.clone()).collect();
        let _ = writeln!(out, "  {name}({}) : {base_spelling}({}) {{}}", params.join(", "), forwarded_arguments(&types));
    }
    // None to forward (the base has no public one, or none that is not
    // deleted or private): none implicit either.
    if constructors.is_empty() {
        let _ = writeln!(out, "  {name}() = delete;");
    }
    for (i, f) in virtuals.iter().enumerate() {
        override_member(&mut out, i, base_spelling, f);
    }
    deletion_notice(&mut out, name);
    copy_notice(&mut out, name);
    out.push_str("};\n");
    out
}

/// A dispatcher's override of virtual `f` (declared in or under `base`)
/// and its slot `cpplive_py_{slot}`: the Python function when one is set
/// and not already running for this object, else the base's own (a pure
/// virtual throws).
fn override_member(out: &mut String, slot: usize, base: &str, f: &FunctionInfo) {
    let types: Vec<TypeRef> = f.params.iter().map(|p| p.ty.clone()).collect();
    let spelled: Vec<&str> = types.iter().map(|t| t.spelling.as_str()).collect();
    let forwarded = forwarded_arguments(&types);
    let ret = &f.ret.spelling;
    let constness = if f.is_const { " const" } else { "" };
    let fallback = if f.is_pure {
        format!("throw std::logic_error(\"pure virtual '{}' is not implemented in Python\");", f.name)
    } else {
        format!("return {base}::{}({forwarded});", f.name)
    };
    let _ = write!(
        out,
        "  std::function<{ret}({})> cpplive_py_{slot};\n  mutable bool cpplive_busy_{slot} = false;\n  {ret} {}({}){constness} override {{\n    if (cpplive_py_{slot} && !cpplive_busy_{slot}) {{\n      cpplive_busy_{slot} = true;\n      __cpplive::busy_guard guard{{cpplive_busy_{slot}}};\n      return cpplive_py_{slot}({});\n    }}\n    {fallback}\n  }}\n",
        spelled.join(", "),
        f.name,
        declared_parameters(&types),
        forwarded,
    );
}

/// A dispatcher's destructor and its `cpplive_on_delete` member: C++ code
/// may delete the object (`delete base_ptr`), and Python hears of it here,
/// so that its proxy lets go instead of deleting it again.
fn deletion_notice(out: &mut String, name: &str) {
    let _ = writeln!(
        out,
        "  std::function<void()> cpplive_on_delete;\n  ~{name}() {{ if (cpplive_on_delete) {{ try {{ cpplive_on_delete(); }} catch (...) {{}} }} }}"
    );
}

/// A dispatcher's `cpplive_on_copy` member and, last of all members, the
/// `copy_notice` that calls it: a C++ copy of the object (a
/// `std::vector<PyDerived>` holding one) gets a Python object of its own,
/// with the original's Python state, instead of sharing (or outliving)
/// the original's.
fn copy_notice(out: &mut String, name: &str) {
    let _ = writeln!(out, "  std::function<void({name}*)> cpplive_on_copy;\n  __cpplive::copy_notice<{name}> cpplive_copy{{this}};");
}

/// A way to construct one base of a dispatcher with several bases: a
/// constructor of it and how many of its parameters are given (the rest
/// take their defaults).
pub type BaseConstruction<'a> = (&'a FunctionInfo, usize);

/// The name of the argument pack class for construction `k` of base `i`
/// of dispatcher `name` (see `multi_dispatcher`).
pub fn argument_pack(name: &str, base: usize, k: usize) -> String {
    format!("{name}_args_{base}_{k}")
}

/// The source of class `name` deriving from every class of `bases` (each
/// with the virtuals of it Python may override, and the ways to construct
/// it), as `dispatcher` does for one base. Python picks one way per base by
/// making its argument pack (a class per way, holding the arguments), and
/// constructs the dispatcher from one pack per base: each combination is a
/// constructor of its own, told apart by the pack types, so the same
/// arguments split differently among the bases never clash. Slots are
/// numbered across all bases. Not `constructible` (a base whose
/// constructors are all deleted or private): no constructor at all.
pub fn multi_dispatcher(name: &str, bases: &[(&str, Vec<&FunctionInfo>, Vec<BaseConstruction<'_>>)], constructible: bool) -> String {
    let mut out = String::new();
    for (i, (_, _, ways)) in bases.iter().enumerate() {
        for (k, (ctor, given)) in ways.iter().enumerate() {
            let pack = argument_pack(name, i, k);
            let types: Vec<TypeRef> = ctor.params[..*given].iter().map(|p| p.ty.clone()).collect();
            let spelled: Vec<&str> = types.iter().map(|t| t.spelling.as_str()).collect();
            let _ = writeln!(
                out,
                "struct {pack} {{ std::tuple<{}> t; {pack}({}) : t({}) {{}} }};",
                spelled.join(", "),
                declared_parameters(&types),
                forwarded_arguments(&types),
            );
        }
    }
    let _ = writeln!(out, "struct {name} : {} {{", bases.iter().map(|(b, _, _)| format!("public {b}")).collect::<Vec<_>>().join(", "));
    // Every combination of one way per base (a base with no ways at all
    // is default-constructed; see `make_multi_dispatcher` for bases that
    // cannot be constructed).
    let mut combinations: Vec<Vec<usize>> = vec![Vec::new()];
    for (_, _, ways) in bases {
        combinations = combinations
            .into_iter()
            .flat_map(|c| (0..ways.len().max(1)).map(move |k| c.iter().copied().chain([k]).collect::<Vec<_>>()))
            .collect();
    }
    if !constructible {
        combinations.clear();
    }
    for combination in &combinations {
        let mut params = Vec::new();
        let mut inits = Vec::new();
        for (i, (&k, (base, _, ways))) in combination.iter().zip(bases).enumerate() {
            let Some((ctor, given)) = ways.get(k) else { continue };
            params.push(format!("{}& p{i}", argument_pack(name, i, k)));
            let forwarded: Vec<String> =
                ctor.params[..*given].iter().enumerate().map(|(n, p)| format!("std::forward<{}>(std::get<{n}>(p{i}.t))", p.ty.spelling)).collect();
            inits.push(format!("{base}({})", forwarded.join(", ")));
        }
        let init = if inits.is_empty() { String::new() } else { format!(" : {}", inits.join(", ")) };
        let _ = writeln!(out, "  {name}({}){init} {{}}", params.join(", "));
    }
    let mut slot = 0;
    for (base, virtuals, _) in bases {
        for f in virtuals {
            override_member(&mut out, slot, base, f);
            slot += 1;
        }
    }
    deletion_notice(&mut out, name);
    copy_notice(&mut out, name);
    out.push_str("};\n");
    out
}

/// The source of a `BitGetFn` named `symbol` and a `BitSetFn` named
/// `symbol_set` for bit-field `field` of class `class_spelling`.
pub fn bitfield_accessors(symbol: &str, class_spelling: &str, field: &str) -> String {
    format!(
        "extern \"C\" long long {symbol}(void* o) {{ return (long long)static_cast<{class_spelling}*>(o)->{field}; }}\nextern \"C\" void {symbol}_set(void* o, long long v) {{ static_cast<{class_spelling}*>(o)->{field} = static_cast<decltype({class_spelling}::{field})>(v); }}\n"
    )
}

/// The source of a `CloneFn` for class `class_spelling`.
pub fn clone(symbol: &str, class_spelling: &str) -> String {
    format!("extern \"C\" void* {symbol}(void* p) {{ return new {class_spelling}(*static_cast<const {class_spelling}*>(p)); }}\n")
}

/// The source of `extern "C" void* symbol()` returning a variable's address;
/// with `by_value`, the address of a copy of its value instead (for const
/// scalars: `static const int n = 5;` declared in a class is often never
/// defined, and reading its value needs no definition, taking its address
/// does).
pub fn address(symbol: &str, qualified: &str, by_value: bool) -> String {
    if by_value {
        return format!(
            "extern \"C\" void* {symbol}() {{ static const std::remove_cv_t<decltype({qualified})> value = {qualified}; return (void*)&value; }}\n"
        );
    }
    format!("extern \"C\" void* {symbol}() {{ return (void*)__builtin_addressof({qualified}); }}\n")
}

/// The source of an `AssignFn` named `symbol` for values of type `ty`.
pub fn assigner(symbol: &str, ty: &TypeRef) -> String {
    let target = ty.value_spelling();
    let source = if ty.base == TypeBase::StdString && ty.is_plain() {
        "__cpplive::to_string(src)".to_string()
    } else {
        format!("*static_cast<const {target}*>(src)")
    };
    format!(
        "extern \"C\" int {symbol}(void* dst, void* src, __cpplive::error* err) {{\n  try {{ *static_cast<{target}*>(dst) = {source}; return 0; }}\n  catch (...) {{ return __cpplive::report(err); }}\n}}\n"
    )
}

fn argument(index: usize, ty: &TypeRef) -> String {
    value_at(&format!("args[{index}]"), ty)
}

/// The C++ expression for a value of type `ty` converted into the slot at
/// `slot` (a `void*` expression), as the converters lay it out.
fn value_at(slot: &str, ty: &TypeRef) -> String {
    if ty.base == TypeBase::StdString && ty.is_plain() && (ty.reference != RefKind::LValue || ty.base_const) {
        return format!("__cpplive::to_string({slot})");
    }
    if ty.reference == RefKind::None && ty.is_plain() && ty.class_id().is_some() {
        return format!("__cpplive::pass_value<{}>({slot})", ty.spelling);
    }
    let value = format!("(*(std::remove_reference_t<{}>*){slot})", ty.spelling);
    match ty.reference {
        RefKind::RValue => format!("std::move{value}"),
        _ => value,
    }
}

fn call_expression(function: &FunctionInfo, args: &str, dispatch: Dispatch) -> String {
    let class = &function.class_spelling;
    match function.kind {
        FunctionKind::Free => format!("{}({args})", function.qualified),
        FunctionKind::StaticMethod => format!("{class}::{}({args})", function.qualified),
        FunctionKind::Constructor => format!("new {class}({args})"),
        FunctionKind::AggregateInit => format!("new {class}{{{args}}}"),
        FunctionKind::Destructor => format!("static_cast<{class}*>(self)->~{}()", function.name.trim_start_matches('~')),
        FunctionKind::Method => {
            let constness = if function.is_const { "const " } else { "" };
            let named = if dispatch == Dispatch::Direct { format!("{class}::") } else { String::new() };
            format!("static_cast<{constness}{class}*>(self)->{named}{}({args})", function.qualified)
        }
        FunctionKind::Conversion => {
            // Named by its fully qualified result type: the declared name
            // (`operator basic_string`) may not resolve here.
            let constness = if function.is_const { "const " } else { "" };
            format!("static_cast<{constness}{class}*>(self)->operator {}({args})", function.ret.spelling)
        }
    }
}

fn store_result(function: &FunctionInfo, call: &str) -> String {
    let ret = &function.ret;
    if matches!(function.kind, FunctionKind::Constructor | FunctionKind::AggregateInit) {
        return format!("*(void**)ret = (void*){call};");
    }
    if ret.is_void() {
        return format!("{call};");
    }
    if ret.reference != RefKind::None {
        // Binding to a reference first also covers `T&&` results (xvalues).
        return format!("auto&& r = {call}; *(void**)ret = (void*)__builtin_addressof(r);");
    }
    if !ret.pointers.is_empty() || ret.is_function_pointer() {
        return format!("*(void**)ret = (void*)({call});");
    }
    let is_class_value = matches!(ret.base, TypeBase::StdString) || ret.class_id().is_some();
    if is_class_value {
        let value = ret.value_spelling();
        let value = value.strip_prefix("const ").unwrap_or(&value);
        return format!("*(void**)ret = (void*)new {value}({call});");
    }
    if matches!(ret.base, TypeBase::Builtin(_)) || ret.enum_id().is_some() {
        return format!("*(std::remove_cv_t<{}>*)ret = {call};", ret.spelling);
    }
    // Anything else by value goes to the heap: the result slot only holds
    // scalars, and a type without a usable name (a lambda) still works.
    format!("*(void**)ret = (void*)new auto({call});")
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::ids::FuncId;
    use crate::model::{Access, ParamInfo};
    use crate::typename::parse_user;

    fn function(kind: FunctionKind, ret: &str, params: &[(&str, bool)]) -> FunctionInfo {
        FunctionInfo {
            id: FuncId(1),
            name: "f".into(),
            qualified: if kind == FunctionKind::Free { "::ns::f".into() } else { "f".into() },
            class: None,
            class_spelling: "::C".into(),
            kind,
            is_const: false,
            is_virtual: false,
            is_deleted: false,
            is_noexcept: false,
            is_explicit: false,
            is_pure: false,
            access: Access::Public,
            ret: parse_user(ret),
            params: params
                .iter()
                .map(|(t, d)| ParamInfo { name: "p".into(), ty: parse_user(t), has_default: *d, default_text: "7".into() })
                .collect(),
            signature: String::new(),
        }
    }

    #[test]
    fn free_function_with_default_gets_one_case_per_arity() {
        let src = call_thunk("t1", &function(FunctionKind::Free, "int", &[("int", false), ("double", true)]));
        assert!(src.contains("case 1: { *(std::remove_cv_t<int>*)ret = ::ns::f((*(std::remove_reference_t<int>*)args[0]));"));
        assert!(src.contains("case 2:"));
        assert!(!src.contains("case 0:"));
    }

    #[test]
    fn specializations_can_be_called_through_deduction() {
        let mut f = function(FunctionKind::Free, "double", &[("double (*)(int)", false), ("int &&", false)]);
        f.qualified = "::ns::call<double, int, int>".into();
        let through = called_through_deduction(&f).expect("a template-id");
        let src = call_thunk("t7", &through);
        assert!(src.contains("static_cast<std::add_pointer_t<std::type_identity_t<double>(double (*)(int), int &&)>>(&::ns::call)("), "{src}");
        f.qualified = "::ns::plain".into();
        assert!(called_through_deduction(&f).is_none());
        assert_eq!(strip_template_arguments("::ns::f<std::pair<int, int>>"), Some("::ns::f"));
        assert_eq!(strip_template_arguments("operator<"), None);
    }

    #[test]
    fn strings_are_built_from_views() {
        let src = call_thunk("t2", &function(FunctionKind::Free, "void", &[("const std::string &", false)]));
        assert!(src.contains("::ns::f(__cpplive::to_string(args[0]));"));
    }

    #[test]
    fn constructors_and_class_values_are_heap_objects() {
        let src = call_thunk("t3", &function(FunctionKind::Constructor, "void", &[]));
        assert!(src.contains("*(void**)ret = (void*)new ::C();"));
        let mut f = function(FunctionKind::Method, "std::string", &[]);
        f.is_const = true;
        let src = call_thunk("t4", &f);
        assert!(src.contains("new std::string(static_cast<const ::C*>(self)->f())"));
    }

    #[test]
    fn aggregate_fields_left_out_by_keyword_are_value_initialized() {
        let mut f = function(FunctionKind::AggregateInit, "void", &[("int", true), ("double", true)]);
        for p in &mut f.params {
            p.default_text.clear();
        }
        let src = call_thunk_with_defaults("t5", &f).expect("aggregates skip fields");
        assert!(src.contains("(args[0] ? (*(std::remove_reference_t<int>*)args[0]) : std::remove_cv_t<int>{})"), "{src}");
        // An ordinary function's default of unknown text cannot be skipped.
        f.kind = FunctionKind::Free;
        assert!(call_thunk_with_defaults("t6", &f).is_none());
    }
}
