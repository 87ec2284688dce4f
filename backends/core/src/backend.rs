//! The `Backend` trait: everything the proxy layer asks of C++, grouped as
//! code, lookup, members, types and thunks. Implemented by the live clang
//! backend (and, later, by precompiled dictionaries).

use std::path::Path;
use std::sync::Arc;

use crate::error::Result;
use crate::ids::ScopeId;
use crate::model::{Declared, Entity, EnumeratorInfo, FieldInfo, FunctionInfo, ScopeInfo};
use crate::thunk::{AddressFn, AssignFn, BitGetFn, BitSetFn, CloneFn, DeleterFn, ReleaseExceptionFn, DynamicTypeFn, FunctionMakerFn, SmartGetFn, StringViewFn, ThunkFn, UpcastFn};
use crate::types::TypeRef;

/// A method added here must be forwarded by `live::PanicGuarded` too (the
/// clang backend reaches the proxy layer through it): a default method it
/// does not forward answers with the default instead of clang.
pub trait Backend: Send {
    // code
    fn declare(&mut self, code: &str) -> Result<()>;
    /// Code the proxy layer generates to reach members reflection offers
    /// (operator and printing helpers): as `declare`, but C++ access rules
    /// do not apply, as in generated call code.
    fn declare_helper(&mut self, code: &str) -> Result<()> {
        self.declare(code)
    }
    /// The compiler's warnings on the code accepted since the last call
    /// (declare, include), as the compiler prints them; empty when none.
    fn take_warnings(&mut self) -> Result<String> {
        Ok(String::new())
    }
    /// `#include "header"`; with `c_linkage`, inside `extern "C" { }`.
    fn include(&mut self, header: &str, c_linkage: bool) -> Result<()>;
    fn add_include_path(&mut self, dir: &Path) -> Result<()>;
    fn load_library(&mut self, path: &Path) -> Result<()>;
    /// Interactive redefinition and undo. The mark counts the user inputs
    /// (`declare`, `include`) so far. `shadow` takes out of name lookup
    /// the earlier declarations that the members of the inline namespace
    /// `namespace` (declared by the last input) redefine; `undo` takes
    /// back every input after `mark`. Both return the declarations whose
    /// visibility changed, as "-id name" (hidden) or "+id name" (shown).
    fn input_mark(&mut self) -> Result<u64> {
        Err(crate::error::BackendError::Unsupported("interactive redefinition".into()))
    }
    fn shadow(&mut self, _namespace: &str) -> Result<Vec<String>> {
        Err(crate::error::BackendError::Unsupported("interactive redefinition".into()))
    }
    fn undo(&mut self, _mark: u64) -> Result<Vec<String>> {
        Err(crate::error::BackendError::Unsupported("undo".into()))
    }

    // lookup
    fn lookup(&mut self, scope: ScopeId, name: &str) -> Result<Option<Entity>>;
    fn scope(&mut self, scope: ScopeId) -> Result<Arc<ScopeInfo>>;

    // members
    fn methods(&mut self, class: ScopeId) -> Result<Arc<Vec<FunctionInfo>>>;
    /// Names of the public member function templates of `class`, as C++
    /// names them: `f`, `operator[]`, and the class's own name for
    /// constructor templates (conversion templates are not listed).
    fn method_templates(&mut self, class: ScopeId) -> Result<Vec<String>>;
        fn fields(&mut self, class: ScopeId) -> Result<Arc<Vec<FieldInfo>>>;
    fn enumerators(&mut self, scope: ScopeId) -> Result<Arc<Vec<EnumeratorInfo>>>;
    /// The names `lookup` can resolve in `scope` that users may reach:
    /// public ones, without the identifiers C++ reserves for the
    /// implementation (`__x`, `_X`, and `_x` in the global namespace);
    /// sorted. Empty for an incomplete class.
    fn member_names(&mut self, scope: ScopeId) -> Result<Vec<String>>;
    /// Every declaration namespace `scope` holds (one entry per
    /// redeclaration), with the file it is written in: what a dictionary
    /// generator selects from.
    fn declarations(&mut self, scope: ScopeId) -> Result<Vec<Declared>>;

    // types and templates
    /// Resolves a C++ type spelling, instantiating class templates as needed.
    fn resolve_type(&mut self, spelling: &str) -> Result<TypeRef>;

    /// Specializations of the function templates `name` in `scope`, for
    /// explicit template arguments and/or the types of call arguments
    /// (deduction is clang's, never re-implemented).
    fn instantiate_function(
        &mut self,
        scope: ScopeId,
        name: &str,
        explicit_args: &[String],
        arg_types: &[String],
    ) -> Result<Vec<FunctionInfo>>;

    // thunks
    /// Compiles the call thunks of an overload set in one go. Entry `i` is
    /// the thunk of `functions[i]`, or the reason it could not be made.
    fn call_thunks(&mut self, functions: &[&FunctionInfo]) -> Result<Vec<Result<ThunkFn>>>;
    /// A thunk taking every argument, where a null `args[i]` means "use the
    /// default" (see `thunkgen::call_thunk_with_defaults`).
    fn call_thunk_with_defaults(&mut self, function: &FunctionInfo) -> Result<ThunkFn>;
    /// A thunk calling virtual method `function` as its class defines it,
    /// not an override (see `thunkgen::direct_call_thunk`).
    fn direct_call_thunk(&mut self, function: &FunctionInfo) -> Result<ThunkFn> {
        Err(crate::error::BackendError::Unsupported(format!(
            "calling '{}' as its class defines it (bypassing overrides) needs a C++ compiler",
            function.signature
        )))
    }
    fn deleter(&mut self, class: ScopeId) -> Result<DeleterFn>;
    /// RTTI for a polymorphic class: dynamic type name and full object.
    fn dynamic_type(&mut self, class: ScopeId) -> Result<DynamicTypeFn>;
    /// Declares a class derived from `class` whose overrides of `virtuals`
    /// can call Python (see `thunkgen::dispatcher`); returns its id.
    fn declare_dispatcher(&mut self, class: ScopeId, constructors: &[&FunctionInfo], virtuals: &[&FunctionInfo]) -> Result<ScopeId>;
    /// As `declare_dispatcher`, for a class deriving from several classes
    /// (see `thunkgen::multi_dispatcher`): `bases` with their virtuals.
    /// Returns the dispatcher's id and its name (the argument pack classes
    /// are named after it, `thunkgen::argument_pack`).
    fn declare_multi_dispatcher(
        &mut self,
        _bases: &[(ScopeId, Vec<&FunctionInfo>, Vec<crate::thunkgen::BaseConstruction<'_>>)],
        _constructible: bool,
    ) -> Result<(ScopeId, String)> {
        Err(crate::error::BackendError::Unsupported("Python classes deriving from several C++ classes".into()))
    }
    /// Makes `std::function`s of class `class` that call back into Python.
    fn function_maker(&mut self, class: ScopeId) -> Result<FunctionMakerFn>;
    /// A new plain function that calls the `std::function` object at
    /// `target` (of class `class`), as an address: what a function pointer
    /// parameter receives for a Python callable.
    fn function_pointer(&mut self, class: ScopeId, target: usize) -> Result<usize>;
    /// Makes `std::function`s of class `class` (on the heap) that hold a
    /// plain function pointer: what a function pointer value reads as.
    fn function_from_pointer(&mut self, _class: ScopeId) -> Result<CloneFn> {
        Err(crate::error::BackendError::Unsupported("function pointer values".into()))
    }
    /// The address of free function or static method `function`, as a
    /// plain function pointer of its own signature.
    fn function_address(&mut self, _function: &FunctionInfo) -> Result<usize> {
        Err(crate::error::BackendError::Unsupported("addresses of functions".into()))
    }
    /// Reads the raw pointer out of a smart pointer of class `smart`.
    fn smart_get(&mut self, smart: ScopeId) -> Result<SmartGetFn>;
    /// Derived-to-base pointer conversion through a virtual base.
    fn upcast(&mut self, derived: ScopeId, base: ScopeId) -> Result<UpcastFn>;
    fn variable_address(&mut self, qualified: &str) -> Result<AddressFn>;
    /// Copy-assignment of values of `ty` (for writing data members).
    fn assigner(&mut self, ty: &TypeRef) -> Result<AssignFn>;
    fn string_view(&mut self) -> Result<StringViewFn>;
    fn string_deleter(&mut self) -> Result<DeleterFn>;
    /// Releases what a thunk kept of a thrown `std::exception`.
    fn exception_releaser(&mut self) -> Result<ReleaseExceptionFn>;
    /// Reads and writes bit-field `field` of `class`.
    fn bitfield(&mut self, class: ScopeId, field: &str) -> Result<(BitGetFn, BitSetFn)>;
    /// Copies objects of `class` onto the heap (copy constructor).
    fn cloner(&mut self, class: ScopeId) -> Result<CloneFn>;
}
