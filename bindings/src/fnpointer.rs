//! Function pointer values in Python. A pointer C++ returns, or a member or
//! variable of function pointer type, reads as the `std::function` of the
//! same signature holding it (as in cppyy): callable, false when null, and
//! calling a null one raises `std::bad_function_call`. The object made for
//! an address is kept for good (there are only so many functions), so that
//! reading the same pointer twice gives the same object, and it goes back
//! into a function pointer parameter as the pointer it came from. A C++
//! function (`CppFunction`) passed for a function pointer is its own
//! address, when one overload has exactly the pointer's signature.

use std::collections::HashMap;
use std::ffi::c_void;

use cpplive_core::model::{FunctionInfo, FunctionKind, Signature};
use cpplive_core::thunk::{CloneFn, DeleterFn};
use cpplive_core::types::{RefKind, TypeRef};
use cpplive_core::ScopeId;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::callable::CppFunction;
use crate::errors::backend_error;
use crate::instance::CppObject;
use crate::runtime::with_backend;
use crate::sync::GilCell;

#[derive(Default)]
struct Table {
    /// (`std::function` class, address) → the object made for it.
    objects: HashMap<(u64, usize), Py<PyAny>>,
    /// The object → (class, address): what it stands for going back.
    addresses: HashMap<usize, (u64, usize)>,
    /// A C++ function's overload (by id) → its address.
    functions: HashMap<u64, usize>,
}

static TABLE: GilCell<Option<Table>> = GilCell::new(None);

/// How a function pointer type reads: the `std::function` class of its
/// signature, and the helpers that make and delete those.
#[derive(Debug)]
pub struct Reader {
    class: Py<PyType>,
    id: u64,
    make: CloneFn,
    delete: DeleterFn,
}

impl Reader {
    /// For function pointer type `ty`; call outside `with_backend`.
    pub fn for_type(py: Python<'_>, ty: &TypeRef) -> Result<Reader, String> {
        let spelling = ty.value_spelling();
        let id = crate::callback::signature_class(&spelling).ok_or_else(|| format!("no std::function has the signature of '{ty}'"))?;
        let class = crate::registry::class_for(py, id).map_err(|e| e.to_string())?.unbind();
        let (make, delete) = with_backend(|b| {
            let make = b.function_from_pointer(ScopeId(id)).map_err(backend_error)?;
            let delete = b.deleter(ScopeId(id)).map_err(backend_error)?;
            Ok((make, delete))
        })
        .map_err(|e| e.to_string())?;
        Ok(Reader { class, id, make, delete })
    }

    /// The object for function pointer `address` (null included).
    pub fn read(&self, py: Python<'_>, address: usize) -> PyResult<Py<PyAny>> {
        let key = (self.id, address);
        if let Some(found) = TABLE.with(py, |t| t.as_ref().and_then(|t| t.objects.get(&key)).map(|o| o.clone_ref(py))) {
            return Ok(found);
        }
        // Making it may run Python code (another thread may make one too):
        // the first one kept wins.
        let made = unsafe { (self.make)(address as *mut c_void) };
        let object = CppObject::wrap(py, self.class.bind(py), made, Some(self.delete))?;
        let kept = TABLE.with(py, |t| {
            let t = t.get_or_insert_with(Table::default);
            let kept = t.objects.entry(key).or_insert_with(|| object.clone_ref(py)).clone_ref(py);
            t.addresses.insert(kept.as_ptr() as usize, key);
            kept
        });
        Ok(kept)
    }
}

/// The function pointer `obj` stands for, if it is an object `Reader::read`
/// made for `std::function` class `class`.
pub fn known_address(py: Python<'_>, obj: *mut ffi::PyObject, class: u64) -> Option<usize> {
    TABLE.with(py, |t| t.as_ref().and_then(|t| t.addresses.get(&(obj as usize))).filter(|(c, _)| *c == class).map(|(_, a)| *a))
}

/// What a C++ function passed for a function pointer gives.
pub enum FunctionAddress {
    /// The overload of that signature, at this address.
    Found(usize),
    /// No overload has the pointer's signature.
    NoMatch,
    /// The backend cannot take addresses (a dictionary): call it instead.
    Unavailable,
}

/// The address of the overload of `function` whose type is a pointer to
/// a function of `class`'s signature (a `std::function` class).
pub fn function_address(py: Python<'_>, function: &Bound<'_, CppFunction>, class: u64) -> PyResult<FunctionAddress> {
    let signature = with_backend(|b| Ok(b.scope(ScopeId(class)).map_err(backend_error)?.std_function.clone()))?;
    let Some(signature) = signature else { return Ok(FunctionAddress::NoMatch) };
    let Some(overload) = function.get().set.functions().iter().find(|f| has_signature(f, &signature)) else {
        return Ok(FunctionAddress::NoMatch);
    };
    if let Some(address) = TABLE.with(py, |t| t.as_ref().and_then(|t| t.functions.get(&overload.id.0)).copied()) {
        return Ok(FunctionAddress::Found(address));
    }
    match with_backend(|b| Ok(b.function_address(overload))) {
        Ok(Ok(address)) => {
            TABLE.with(py, |t| t.get_or_insert_with(Table::default).functions.insert(overload.id.0, address));
            Ok(FunctionAddress::Found(address))
        }
        _ => Ok(FunctionAddress::Unavailable),
    }
}

/// Whether a pointer to `function` has type `R (*)(A...)` of `signature`.
fn has_signature(function: &FunctionInfo, signature: &Signature) -> bool {
    matches!(function.kind, FunctionKind::Free | FunctionKind::StaticMethod)
        && function.params.len() == signature.params.len()
        && same_type(&function.ret, &signature.ret)
        && function.params.iter().zip(&signature.params).all(|(p, s)| same_type(&p.ty, s))
}

/// The same type in a function's type: a by-value parameter's own `const`
/// (`T* const`, `const int`) is not part of it.
fn same_type(a: &TypeRef, b: &TypeRef) -> bool {
    let adjusted = |t: &TypeRef| {
        let mut t = t.clone();
        if t.reference == RefKind::None {
            match t.pointers.last_mut() {
                Some(last) => *last = false,
                None => t.base_const = false,
            }
        }
        (t.base, t.base_const, t.pointers, t.array, t.reference)
    };
    adjusted(a) == adjusted(b)
}

/// The type of a pointer to `function`, as C++ spells it.
pub fn pointer_type_name(function: &FunctionInfo) -> String {
    let readable = |t: &TypeRef| cpplive_core::typename::readable(&t.spelling);
    let params: Vec<String> = function.params.iter().map(|p| readable(&p.ty)).collect();
    let ret = match function.ret.base {
        // `int (*)(int) (*)(double)` is no type.
        cpplive_core::types::TypeBase::FunctionPointer(_) | cpplive_core::types::TypeBase::Other(_) => {
            format!("std::type_identity_t<{}>", readable(&function.ret))
        }
        _ => readable(&function.ret),
    };
    format!("{ret} (*)({})", params.join(", "))
}
