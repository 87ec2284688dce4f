//! Compiles thunks with the interpreter and caches their addresses. An
//! overload set's thunks are compiled in one go; when that fails, each is
//! compiled alone so one bad overload does not take its siblings down.

use std::collections::HashMap;

use cpplive_core::error::{BackendError, Result};
use cpplive_core::ids::{FuncId, ScopeId};
use cpplive_core::model::FunctionInfo;
use cpplive_core::thunk::{AddressFn, AssignFn, DynamicTypeFn, DeleterFn, ThunkFn};
use cpplive_core::{thunkgen, Backend};

use crate::ClangBackend;

#[derive(Default)]
pub struct ThunkCache {
    counter: u64,
    calls: HashMap<FuncId, ThunkFn>,
    deleters: HashMap<ScopeId, DeleterFn>,
    addresses: HashMap<String, AddressFn>,
    assigners: HashMap<String, AssignFn>,
    dynamic_types: HashMap<ScopeId, DynamicTypeFn>,
}

impl ThunkCache {
    fn next_symbol(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("__cpplive_{prefix}_{}", self.counter)
    }
}

pub fn symbol(backend: &ClangBackend, name: &str) -> Result<usize> {
    backend
        .session
        .symbol_address(name)
        .map(|a| a as usize)
        .map_err(|e| BackendError::Internal(e.what().to_string()))
}

pub fn call_thunks(backend: &mut ClangBackend, functions: &[&FunctionInfo]) -> Result<Vec<Result<ThunkFn>>> {
    let pending: Vec<&FunctionInfo> =
        functions.iter().copied().filter(|f| !backend.jit.calls.contains_key(&f.id)).collect();
    if !pending.is_empty() {
        let symbols: Vec<String> = pending.iter().map(|_| backend.jit.next_symbol("thunk")).collect();
        let source: String =
            pending.iter().zip(&symbols).map(|(f, s)| thunkgen::call_thunk(s, f)).collect::<Vec<_>>().join("\n");
        let mut failures: HashMap<FuncId, BackendError> = HashMap::new();
        if backend.declare(&source).is_ok() {
            for (f, s) in pending.iter().zip(&symbols) {
                let address = symbol(backend, s)?;
                backend.jit.calls.insert(f.id, unsafe { std::mem::transmute::<usize, ThunkFn>(address) });
            }
        } else {
            for f in &pending {
                let s = backend.jit.next_symbol("thunk");
                match backend.declare(&thunkgen::call_thunk(&s, f)) {
                    Ok(()) => {
                        let address = symbol(backend, &s)?;
                        backend.jit.calls.insert(f.id, unsafe { std::mem::transmute::<usize, ThunkFn>(address) });
                    }
                    Err(e) => {
                        failures.insert(f.id, e);
                    }
                }
            }
        }
        return Ok(functions
            .iter()
            .map(|f| match backend.jit.calls.get(&f.id) {
                Some(t) => Ok(*t),
                None => Err(failures.remove(&f.id).unwrap_or_else(|| {
                    BackendError::Internal(format!("no thunk for {}", f.signature))
                })),
            })
            .collect());
    }
    Ok(functions.iter().map(|f| Ok(backend.jit.calls[&f.id])).collect())
}

pub fn deleter(backend: &mut ClangBackend, class: ScopeId, spelling: &str) -> Result<DeleterFn> {
    if let Some(d) = backend.jit.deleters.get(&class) {
        return Ok(*d);
    }
    let s = backend.jit.next_symbol("delete");
    backend.declare(&thunkgen::deleter(&s, spelling))?;
    let address = symbol(backend, &s)?;
    let d = unsafe { std::mem::transmute::<usize, DeleterFn>(address) };
    backend.jit.deleters.insert(class, d);
    Ok(d)
}

pub fn variable_address(backend: &mut ClangBackend, qualified: &str) -> Result<AddressFn> {
    if let Some(a) = backend.jit.addresses.get(qualified) {
        return Ok(*a);
    }
    let s = backend.jit.next_symbol("address");
    backend.declare(&thunkgen::address(&s, qualified))?;
    let address = symbol(backend, &s)?;
    let a = unsafe { std::mem::transmute::<usize, AddressFn>(address) };
    backend.jit.addresses.insert(qualified.to_string(), a);
    Ok(a)
}

pub fn assigner(backend: &mut ClangBackend, ty: &cpplive_core::TypeRef) -> Result<AssignFn> {
    let key = ty.value_spelling();
    if let Some(a) = backend.jit.assigners.get(&key) {
        return Ok(*a);
    }
    let s = backend.jit.next_symbol("assign");
    backend.declare(&thunkgen::assigner(&s, ty))?;
    let address = symbol(backend, &s)?;
    let a = unsafe { std::mem::transmute::<usize, AssignFn>(address) };
    backend.jit.assigners.insert(key, a);
    Ok(a)
}

pub fn dynamic_type(backend: &mut ClangBackend, class: ScopeId, spelling: &str) -> Result<DynamicTypeFn> {
    if let Some(d) = backend.jit.dynamic_types.get(&class) {
        return Ok(*d);
    }
    let s = backend.jit.next_symbol("dyntype");
    backend.declare(&thunkgen::dynamic_type(&s, spelling))?;
    let address = symbol(backend, &s)?;
    let d = unsafe { std::mem::transmute::<usize, DynamicTypeFn>(address) };
    backend.jit.dynamic_types.insert(class, d);
    Ok(d)
}
