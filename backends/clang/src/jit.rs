//! Compiles thunks with the interpreter and caches their addresses. An
//! overload set's thunks are compiled in one go; when that fails, each is
//! compiled alone so one bad overload does not take its siblings down.

use std::collections::HashMap;

use cpplive_core::error::{BackendError, Result};
use cpplive_core::ids::{FuncId, ScopeId};
use cpplive_core::model::FunctionInfo;
use cpplive_core::thunk::{AddressFn, AssignFn, BitGetFn, BitSetFn, CloneFn, DeleterFn, DynamicTypeFn, FunctionMakerFn, SmartGetFn, ThunkFn, UpcastFn};
use cpplive_core::thunkgen;

use crate::ClangBackend;

#[derive(Default)]
pub struct ThunkCache {
    counter: u64,
    calls: HashMap<FuncId, ThunkFn>,
    /// Addresses of the other helpers (deleters, variable addresses,
    /// assignments, RTTI), by what they are for.
    helpers: HashMap<String, usize>,
}

impl ThunkCache {
    pub fn next_symbol(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("__cpplive_{prefix}_{}", self.counter)
    }
}

pub fn symbol(backend: &ClangBackend, name: &str) -> Result<usize> {
    if let Some(waiting) = backend.waiting_error(name) {
        return Err(waiting);
    }
    if let Some(refused) = backend.refusal(name) {
        return Err(refused);
    }
    let address = backend.session.symbol_address(name);
    // A lookup is when the JIT compiles what it needs.
    backend.keep_compiled();
    address.map(|a| a as usize).map_err(|e| BackendError::Internal(e.what().to_string()))
}

pub fn call_thunks(backend: &mut ClangBackend, functions: &[&FunctionInfo]) -> Result<Vec<Result<ThunkFn>>> {
    let pending: Vec<&FunctionInfo> =
        functions.iter().copied().filter(|f| !backend.jit.calls.contains_key(&f.id)).collect();
    let mut failures: HashMap<FuncId, BackendError> = HashMap::new();
    if !pending.is_empty() {
        compile_thunks(backend, &pending, &mut failures);
    }
    Ok(functions
        .iter()
        .map(|f| match backend.jit.calls.get(&f.id) {
            Some(t) => Ok(*t),
            None => Err(failures.remove(&f.id).unwrap_or_else(|| BackendError::Internal(format!("no thunk for {}", f.signature)))),
        })
        .collect())
}

/// Compiles and links `pending`'s thunks as one input; when that fails
/// (one thunk does not compile, or waits for a symbol nothing defines),
/// each half again, so that a bad thunk among n costs about log n inputs
/// and the others are still made.
fn compile_thunks(backend: &mut ClangBackend, pending: &[&FunctionInfo], failures: &mut HashMap<FuncId, BackendError>) {
    let symbols: Vec<String> = pending.iter().map(|_| backend.jit.next_symbol("thunk")).collect();
    let source: String = pending.iter().zip(&symbols).map(|(f, s)| thunkgen::call_thunk(s, f)).collect::<Vec<_>>().join("\n");
    let linked = backend.declare_generated(&source).and_then(|()| symbols.iter().map(|s| symbol(backend, s)).collect::<Result<Vec<usize>>>());
    match linked {
        Ok(addresses) => {
            for (f, address) in pending.iter().zip(addresses) {
                backend.jit.calls.insert(f.id, unsafe { std::mem::transmute::<usize, ThunkFn>(address) });
            }
        }
        Err(e) if pending.len() == 1 => {
            let f = pending[0];
            if let Some(through) = thunkgen::called_through_deduction(f) {
                // A specialization its template arguments do not name
                // (two parameter packs): the first error is the one told.
                let again = backend.jit.next_symbol("thunk");
                if let Ok(address) = backend.declare_generated(&thunkgen::call_thunk(&again, &through)).and_then(|()| symbol(backend, &again)) {
                    backend.jit.calls.insert(f.id, unsafe { std::mem::transmute::<usize, ThunkFn>(address) });
                    return;
                }
            }
            failures.insert(f.id, e);
        }
        Err(_) => {
            let (first, second) = pending.split_at(pending.len() / 2);
            compile_thunks(backend, first, failures);
            compile_thunks(backend, second, failures);
        }
    }
}

/// Compiles a helper once per `key`: `source` gets the symbol name and
/// returns the C++ defining it; the address is cached.
fn helper(backend: &mut ClangBackend, key: String, prefix: &str, source: impl FnOnce(&str) -> String) -> Result<usize> {
    if let Some(address) = backend.jit.helpers.get(&key) {
        return Ok(*address);
    }
    let name = backend.jit.next_symbol(prefix);
    backend.declare_generated(&source(&name))?;
    let address = symbol(backend, &name)?;
    backend.jit.helpers.insert(key, address);
    Ok(address)
}

pub fn call_thunk_with_defaults(backend: &mut ClangBackend, function: &FunctionInfo) -> Result<ThunkFn> {
    // Defaults of template instantiations are only known once instantiated.
    let mut completed;
    let mut function = function;
    // An aggregate's fields have no default text: they are value-initialized.
    if function.kind != cpplive_core::model::FunctionKind::AggregateInit && function.params.iter().any(|p| p.has_default && p.default_text.is_empty()) {
        let texts = backend.session().default_arguments(function.id.0).map_err(|e| BackendError::Internal(e.what().to_string()))?;
        completed = function.clone();
        for (param, text) in completed.params.iter_mut().zip(texts) {
            if param.default_text.is_empty() {
                param.default_text = text;
            }
        }
        function = &completed;
    }
    if thunkgen::call_thunk_with_defaults("probe", function).is_none() {
        return Err(BackendError::Unsupported(format!(
            "the default arguments of {} cannot be used when later parameters are given by keyword",
            function.signature
        )));
    }
    let address = helper(backend, format!("defaults {}", function.id.0), "thunk_defaults", |s| {
        thunkgen::call_thunk_with_defaults(s, function).unwrap_or_default()
    })?;
    Ok(unsafe { std::mem::transmute::<usize, ThunkFn>(address) })
}

pub fn direct_call_thunk(backend: &mut ClangBackend, function: &FunctionInfo) -> Result<ThunkFn> {
    let address = helper(backend, format!("direct {}", function.id.0), "thunk_direct", |s| thunkgen::direct_call_thunk(s, function))?;
    Ok(unsafe { std::mem::transmute::<usize, ThunkFn>(address) })
}

pub fn deleter(backend: &mut ClangBackend, class: ScopeId, spelling: &str) -> Result<DeleterFn> {
    let address = helper(backend, format!("delete {}", class.0), "delete", |s| thunkgen::deleter(s, spelling))?;
    Ok(unsafe { std::mem::transmute::<usize, DeleterFn>(address) })
}

pub fn function_maker(
    backend: &mut ClangBackend,
    class: ScopeId,
    spelling: &str,
    signature: &cpplive_core::model::Signature,
) -> Result<FunctionMakerFn> {
    let address = helper(backend, format!("fnmaker {}", class.0), "fnmaker", |s| thunkgen::function_maker(s, spelling, signature))?;
    Ok(unsafe { std::mem::transmute::<usize, FunctionMakerFn>(address) })
}

/// Compiles a new trampoline every time: each is bound to one target.
pub fn function_pointer(
    backend: &mut ClangBackend,
    spelling: &str,
    signature: &cpplive_core::model::Signature,
    target: usize,
) -> Result<usize> {
    let name = backend.jit.next_symbol("fnptr");
    backend.declare_generated(&thunkgen::function_pointer(&name, spelling, signature))?;
    let bind: unsafe extern "C" fn(*mut std::ffi::c_void) -> *mut std::ffi::c_void = unsafe { std::mem::transmute(symbol(backend, &name)?) };
    Ok(unsafe { bind(target as *mut std::ffi::c_void) } as usize)
}

pub fn function_from_pointer(
    backend: &mut ClangBackend,
    class: ScopeId,
    spelling: &str,
    signature: &cpplive_core::model::Signature,
) -> Result<CloneFn> {
    let address = helper(backend, format!("fnfromptr {}", class.0), "fnfromptr", |s| thunkgen::function_from_pointer(s, spelling, signature))?;
    Ok(unsafe { std::mem::transmute::<usize, CloneFn>(address) })
}

pub fn function_address(backend: &mut ClangBackend, function: &FunctionInfo) -> Result<usize> {
    let address = helper(backend, format!("fnaddr {}", function.id.0), "fnaddr", |s| thunkgen::function_address(s, function))?;
    let get: unsafe extern "C" fn() -> *mut std::ffi::c_void = unsafe { std::mem::transmute(address) };
    Ok(unsafe { get() } as usize)
}

pub fn bitfield(backend: &mut ClangBackend, class: ScopeId, spelling: &str, field: &str) -> Result<(BitGetFn, BitSetFn)> {
    let key = format!("bitfield {} {field}", class.0);
    let set_key = format!("{key} set");
    if let (Some(get), Some(set)) = (backend.jit.helpers.get(&key), backend.jit.helpers.get(&set_key)) {
        return Ok(unsafe { (std::mem::transmute::<usize, BitGetFn>(*get), std::mem::transmute::<usize, BitSetFn>(*set)) });
    }
    let name = backend.jit.next_symbol("bitfield");
    backend.declare_generated(&thunkgen::bitfield_accessors(&name, spelling, field))?;
    let get = symbol(backend, &name)?;
    let set = symbol(backend, &format!("{name}_set"))?;
    backend.jit.helpers.insert(key, get);
    backend.jit.helpers.insert(set_key, set);
    Ok(unsafe { (std::mem::transmute::<usize, BitGetFn>(get), std::mem::transmute::<usize, BitSetFn>(set)) })
}

pub fn cloner(backend: &mut ClangBackend, class: ScopeId, spelling: &str) -> Result<CloneFn> {
    let address = helper(backend, format!("clone {}", class.0), "clone", |s| thunkgen::clone(s, spelling))?;
    Ok(unsafe { std::mem::transmute::<usize, CloneFn>(address) })
}

pub fn smart_get(backend: &mut ClangBackend, smart: ScopeId, spelling: &str) -> Result<SmartGetFn> {
    let address = helper(backend, format!("smartget {}", smart.0), "smartget", |s| thunkgen::smart_get(s, spelling))?;
    Ok(unsafe { std::mem::transmute::<usize, SmartGetFn>(address) })
}

pub fn upcast(backend: &mut ClangBackend, derived: &str, base: &str) -> Result<UpcastFn> {
    let address = helper(backend, format!("upcast {derived} {base}"), "upcast", |s| thunkgen::upcast(s, derived, base))?;
    Ok(unsafe { std::mem::transmute::<usize, UpcastFn>(address) })
}

pub fn variable_address(backend: &mut ClangBackend, qualified: &str) -> Result<AddressFn> {
    use cpplive_core::Backend;
    let by_value = backend.resolve_type(&format!("decltype({qualified})")).is_ok_and(|ty| ty.is_const_scalar());
    let address = helper(backend, format!("address {qualified}"), "address", |s| thunkgen::address(s, qualified, by_value))?;
    Ok(unsafe { std::mem::transmute::<usize, AddressFn>(address) })
}

pub fn assigner(backend: &mut ClangBackend, ty: &cpplive_core::TypeRef) -> Result<AssignFn> {
    let address = helper(backend, format!("assign {}", ty.value_spelling()), "assign", |s| thunkgen::assigner(s, ty))?;
    Ok(unsafe { std::mem::transmute::<usize, AssignFn>(address) })
}

pub fn dynamic_type(backend: &mut ClangBackend, class: ScopeId, spelling: &str) -> Result<DynamicTypeFn> {
    let address = helper(backend, format!("dyntype {}", class.0), "dyntype", |s| thunkgen::dynamic_type(s, spelling))?;
    Ok(unsafe { std::mem::transmute::<usize, DynamicTypeFn>(address) })
}
