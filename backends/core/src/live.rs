//! The contract between the proxy layer and the clang backend, which lives
//! in a library of its own (`libcpplive_clang.so`) so that a program using
//! only dictionaries never maps LLVM: the library's two entry points, the
//! options it is made with, and the wrapper that keeps its panics from
//! crossing back (each library has its own Rust runtime, and a panic
//! unwinding into the other's frames would abort the process).

use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::Arc;

use crate::backend::Backend;
use crate::error::{BackendError, Result};
use crate::ids::ScopeId;
use crate::model::{Declared, Entity, EnumeratorInfo, FieldInfo, FunctionInfo, ScopeInfo};
use crate::thunk::{AddressFn, AssignFn, BitGetFn, BitSetFn, CloneFn, DeleterFn, DynamicTypeFn, FunctionMakerFn, ReleaseExceptionFn, SmartGetFn, StringViewFn, ThunkFn, UpcastFn};
use crate::thunkgen::BaseConstruction;
use crate::types::TypeRef;

/// The fingerprint of this crate's sources and compiler (see build.rs).
pub const CORE_ABI: &str = env!("CPPLIVE_CORE_ABI");

/// The library's file name, looked for beside the extension module.
pub const LIBRARY_FILE: &str = "libcpplive_clang.so";

/// `extern "C" fn() -> *const c_char`: the library's `CORE_ABI`, NUL-terminated.
pub const ABI_SYMBOL: &[u8] = b"cpplive_clang_core_abi\0";
pub type AbiFn = unsafe extern "C" fn() -> *const c_char;

/// `extern "C" fn(&CompilerOptions, &mut Option<Result<Box<dyn Backend>>>)`:
/// makes the backend. Called only after the fingerprints matched.
pub const MAKE_SYMBOL: &[u8] = b"cpplive_clang_make_backend\0";
pub type MakeFn = unsafe extern "C" fn(options: *const CompilerOptions, out: *mut Option<Result<Box<dyn Backend>>>);

/// How the clang backend compiles user code.
#[derive(Clone, Debug)]
pub struct CompilerOptions {
    pub std: String,
    pub extra_args: Vec<String>,
}

impl Default for CompilerOptions {
    fn default() -> Self {
        // As cppyy: concepts, ranges and <span> work without asking.
        CompilerOptions { std: "c++20".into(), extra_args: Vec::new() }
    }
}

/// A backend whose panics become `BackendError::Internal`.
pub struct PanicGuarded<B: Backend>(pub B);

fn guarded<R>(f: impl FnOnce() -> Result<R>) -> Result<R> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Err(BackendError::Internal(format!("internal error in the clang backend: {message}")))
    })
}

impl<B: Backend> Backend for PanicGuarded<B> {
    fn declare(&mut self, code: &str) -> Result<()> {
        guarded(|| self.0.declare(code))
    }
    fn declare_helper(&mut self, code: &str) -> Result<()> {
        guarded(|| self.0.declare_helper(code))
    }
    fn take_warnings(&mut self) -> Result<String> {
        guarded(|| self.0.take_warnings())
    }
    fn include(&mut self, header: &str, c_linkage: bool) -> Result<()> {
        guarded(|| self.0.include(header, c_linkage))
    }
    fn add_include_path(&mut self, dir: &Path) -> Result<()> {
        guarded(|| self.0.add_include_path(dir))
    }
    fn load_library(&mut self, path: &Path) -> Result<()> {
        guarded(|| self.0.load_library(path))
    }
    fn input_mark(&mut self) -> Result<u64> {
        guarded(|| self.0.input_mark())
    }
    fn shadow(&mut self, namespace: &str) -> Result<Vec<String>> {
        guarded(|| self.0.shadow(namespace))
    }
    fn undo(&mut self, mark: u64) -> Result<Vec<String>> {
        guarded(|| self.0.undo(mark))
    }
    fn lookup(&mut self, scope: ScopeId, name: &str) -> Result<Option<Entity>> {
        guarded(|| self.0.lookup(scope, name))
    }
    fn scope(&mut self, scope: ScopeId) -> Result<Arc<ScopeInfo>> {
        guarded(|| self.0.scope(scope))
    }
    fn methods(&mut self, class: ScopeId) -> Result<Arc<Vec<FunctionInfo>>> {
        guarded(|| self.0.methods(class))
    }
    fn method_templates(&mut self, class: ScopeId) -> Result<Vec<String>> {
        guarded(|| self.0.method_templates(class))
    }
    fn fields(&mut self, class: ScopeId) -> Result<Arc<Vec<FieldInfo>>> {
        guarded(|| self.0.fields(class))
    }
    fn enumerators(&mut self, scope: ScopeId) -> Result<Arc<Vec<EnumeratorInfo>>> {
        guarded(|| self.0.enumerators(scope))
    }
    fn member_names(&mut self, scope: ScopeId) -> Result<Vec<String>> {
        guarded(|| self.0.member_names(scope))
    }
    fn declarations(&mut self, scope: ScopeId) -> Result<Vec<Declared>> {
        guarded(|| self.0.declarations(scope))
    }
    fn resolve_type(&mut self, spelling: &str) -> Result<TypeRef> {
        guarded(|| self.0.resolve_type(spelling))
    }
    fn instantiate_function(&mut self, scope: ScopeId, name: &str, explicit_args: &[String], arg_types: &[String]) -> Result<Vec<FunctionInfo>> {
        guarded(|| self.0.instantiate_function(scope, name, explicit_args, arg_types))
    }
    fn call_thunks(&mut self, functions: &[&FunctionInfo]) -> Result<Vec<Result<ThunkFn>>> {
        guarded(|| self.0.call_thunks(functions))
    }
    fn call_thunk_with_defaults(&mut self, function: &FunctionInfo) -> Result<ThunkFn> {
        guarded(|| self.0.call_thunk_with_defaults(function))
    }
    fn direct_call_thunk(&mut self, function: &FunctionInfo) -> Result<ThunkFn> {
        guarded(|| self.0.direct_call_thunk(function))
    }
    fn deleter(&mut self, class: ScopeId) -> Result<DeleterFn> {
        guarded(|| self.0.deleter(class))
    }
    fn dynamic_type(&mut self, class: ScopeId) -> Result<DynamicTypeFn> {
        guarded(|| self.0.dynamic_type(class))
    }
    fn declare_dispatcher(&mut self, class: ScopeId, constructors: &[&FunctionInfo], virtuals: &[&FunctionInfo]) -> Result<ScopeId> {
        guarded(|| self.0.declare_dispatcher(class, constructors, virtuals))
    }
    fn declare_multi_dispatcher(&mut self, bases: &[(ScopeId, Vec<&FunctionInfo>, Vec<BaseConstruction<'_>>)], constructible: bool) -> Result<(ScopeId, String)> {
        guarded(|| self.0.declare_multi_dispatcher(bases, constructible))
    }
    fn function_maker(&mut self, class: ScopeId) -> Result<FunctionMakerFn> {
        guarded(|| self.0.function_maker(class))
    }
    fn function_pointer(&mut self, class: ScopeId, target: usize) -> Result<usize> {
        guarded(|| self.0.function_pointer(class, target))
    }
    fn function_from_pointer(&mut self, class: ScopeId) -> Result<CloneFn> {
        guarded(|| self.0.function_from_pointer(class))
    }
    fn function_address(&mut self, function: &FunctionInfo) -> Result<usize> {
        guarded(|| self.0.function_address(function))
    }
    fn smart_get(&mut self, smart: ScopeId) -> Result<SmartGetFn> {
        guarded(|| self.0.smart_get(smart))
    }
    fn upcast(&mut self, derived: ScopeId, base: ScopeId) -> Result<UpcastFn> {
        guarded(|| self.0.upcast(derived, base))
    }
    fn variable_address(&mut self, qualified: &str) -> Result<AddressFn> {
        guarded(|| self.0.variable_address(qualified))
    }
    fn assigner(&mut self, ty: &TypeRef) -> Result<AssignFn> {
        guarded(|| self.0.assigner(ty))
    }
    fn string_view(&mut self) -> Result<StringViewFn> {
        guarded(|| self.0.string_view())
    }
    fn string_deleter(&mut self) -> Result<DeleterFn> {
        guarded(|| self.0.string_deleter())
    }
    fn exception_releaser(&mut self) -> Result<ReleaseExceptionFn> {
        guarded(|| self.0.exception_releaser())
    }
    fn bitfield(&mut self, class: ScopeId, field: &str) -> Result<(BitGetFn, BitSetFn)> {
        guarded(|| self.0.bitfield(class, field))
    }
    fn cloner(&mut self, class: ScopeId) -> Result<CloneFn> {
        guarded(|| self.0.cloner(class))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Panicking;
    impl Backend for Panicking {
        fn declare(&mut self, _: &str) -> Result<()> { panic!("declare broke") }
        fn include(&mut self, _: &str, _: bool) -> Result<()> { Ok(()) }
        fn add_include_path(&mut self, _: &Path) -> Result<()> { Ok(()) }
        fn load_library(&mut self, _: &Path) -> Result<()> { Ok(()) }
        fn lookup(&mut self, _: ScopeId, _: &str) -> Result<Option<Entity>> { Ok(None) }
        fn scope(&mut self, _: ScopeId) -> Result<Arc<ScopeInfo>> { unimplemented!() }
        fn methods(&mut self, _: ScopeId) -> Result<Arc<Vec<FunctionInfo>>> { unimplemented!() }
        fn method_templates(&mut self, _: ScopeId) -> Result<Vec<String>> { Ok(vec![]) }
        fn fields(&mut self, _: ScopeId) -> Result<Arc<Vec<FieldInfo>>> { unimplemented!() }
        fn enumerators(&mut self, _: ScopeId) -> Result<Arc<Vec<EnumeratorInfo>>> { unimplemented!() }
        fn member_names(&mut self, _: ScopeId) -> Result<Vec<String>> { Ok(vec![]) }
        fn declarations(&mut self, _: ScopeId) -> Result<Vec<Declared>> { Ok(vec![]) }
        fn resolve_type(&mut self, _: &str) -> Result<TypeRef> { unimplemented!() }
        fn instantiate_function(&mut self, _: ScopeId, _: &str, _: &[String], _: &[String]) -> Result<Vec<FunctionInfo>> { Ok(vec![]) }
        fn call_thunks(&mut self, _: &[&FunctionInfo]) -> Result<Vec<Result<ThunkFn>>> { Ok(vec![]) }
        fn call_thunk_with_defaults(&mut self, _: &FunctionInfo) -> Result<ThunkFn> { unimplemented!() }
        fn deleter(&mut self, _: ScopeId) -> Result<DeleterFn> { unimplemented!() }
        fn dynamic_type(&mut self, _: ScopeId) -> Result<DynamicTypeFn> { unimplemented!() }
        fn declare_dispatcher(&mut self, _: ScopeId, _: &[&FunctionInfo], _: &[&FunctionInfo]) -> Result<ScopeId> { unimplemented!() }
        fn function_maker(&mut self, _: ScopeId) -> Result<FunctionMakerFn> { unimplemented!() }
        fn function_pointer(&mut self, _: ScopeId, _: usize) -> Result<usize> { unimplemented!() }
        fn smart_get(&mut self, _: ScopeId) -> Result<SmartGetFn> { unimplemented!() }
        fn upcast(&mut self, _: ScopeId, _: ScopeId) -> Result<UpcastFn> { unimplemented!() }
        fn variable_address(&mut self, _: &str) -> Result<AddressFn> { unimplemented!() }
        fn assigner(&mut self, _: &TypeRef) -> Result<AssignFn> { unimplemented!() }
        fn string_view(&mut self) -> Result<StringViewFn> { unimplemented!() }
        fn string_deleter(&mut self) -> Result<DeleterFn> { unimplemented!() }
        fn exception_releaser(&mut self) -> Result<ReleaseExceptionFn> { unimplemented!() }
        fn bitfield(&mut self, _: ScopeId, _: &str) -> Result<(BitGetFn, BitSetFn)> { unimplemented!() }
        fn cloner(&mut self, _: ScopeId) -> Result<CloneFn> { unimplemented!() }
    }

    #[test]
    fn a_panic_becomes_an_internal_error() {
        let mut backend = PanicGuarded(Panicking);
        match backend.declare("int x;") {
            Err(BackendError::Internal(message)) => assert!(message.contains("declare broke"), "{message}"),
            other => panic!("{other:?}"),
        }
        assert!(backend.lookup(ScopeId::GLOBAL, "x").unwrap().is_none());
    }
}
