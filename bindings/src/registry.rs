//! C++ scope id ↔ Python proxy type. Proxies are made by the Python layer
//! (`cpplive._proxies.make_class`), registered here, and found again by
//! converters and executors that only know an id. A class is registered
//! when its Python type exists but before its members are installed (its
//! own members can refer to it); until the Python layer marks it ready,
//! other threads asking for it go to the Python layer, which makes them
//! wait for it to be complete.

use std::collections::HashMap;

use cpplive_core::model::ScopeKind;
use cpplive_core::types::Builtin;
use cpplive_core::ScopeId;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

use crate::runtime::with_backend;
use crate::sync::GilCell;

#[derive(Default)]
struct Registry {
    /// The proxy type, and whether it is complete.
    by_id: HashMap<u64, (Py<PyType>, bool)>,
    by_type: HashMap<usize, u64>,
    offsets: HashMap<(usize, usize), Option<BaseAdjust>>,
    /// Demangled dynamic type name → class id (None: not resolvable).
    dynamic_names: HashMap<String, Option<u64>>,
}

static FACTORY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static REGISTRY: GilCell<Option<Registry>> = GilCell::new(None);

/// Runs `f` on the registry (which must not run Python code; see `GilCell`).
fn registry<R>(py: Python<'_>, f: impl FnOnce(&mut Registry) -> R) -> R {
    REGISTRY.with(py, |r| f(r.get_or_insert_with(Registry::default)))
}

pub fn set_factory(py: Python<'_>, factory: Py<PyAny>) {
    let _ = FACTORY.set(py, factory);
}

/// Records `cls` as the proxy of `id`; `ready` once its members are in.
pub fn register(py: Python<'_>, id: u64, cls: &Bound<'_, PyType>, ready: bool) {
    if unsafe { crate::instance::is_proxy_type(cls) } {
        crate::instance::give_array_indexing(cls);
    }
    let replaced = registry(py, |r| {
        r.by_type.insert(cls.as_ptr() as usize, id);
        r.by_id.insert(id, (cls.clone().unbind(), ready))
    });
    // Released outside the table (a decref can run Python code).
    drop(replaced);
}

/// The C++ scope of a proxy type, or of the nearest proxy type it derives
/// from (for Python subclasses of proxies).
pub fn scope_of_type(py: Python<'_>, mut tp: *mut ffi::PyTypeObject) -> Option<u64> {
    registry(py, |r| {
        while !tp.is_null() {
            if let Some(id) = r.by_type.get(&(tp as usize)) {
                return Some(*id);
            }
            tp = unsafe { (*tp).tp_base };
        }
        None
    })
}

/// The proxy type of class or enum `id`, made on first request.
pub fn class_for(py: Python<'_>, id: u64) -> PyResult<Bound<'_, PyType>> {
    let ready = registry(py, |r| r.by_id.get(&id).filter(|(_, ready)| *ready).map(|(cls, _)| cls.as_ptr()));
    if let Some(cls) = ready {
        // Safety: the registry keeps the type alive.
        return Ok(unsafe { Bound::from_borrowed_ptr(py, cls).cast_into_unchecked() });
    }
    // Made (or being made) by the Python layer, which returns it complete,
    // or unfinished to the thread making it.
    let factory = FACTORY
        .get(py)
        .ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("cpplive proxy factory not installed"))?;
    let cls = factory.bind(py).call1((id,))?;
    cls.cast_into::<PyType>().map_err(Into::into)
}

pub fn enum_underlying(_py: Python<'_>, id: u64) -> Option<Builtin> {
    with_backend(|b| {
        let info = b.scope(ScopeId(id)).map_err(crate::errors::backend_error)?;
        Ok(info.underlying.as_ref().and_then(|t| t.builtin()))
    })
    .ok()
    .flatten()
}

/// How to turn the address of a derived object into that of a base.
#[derive(Clone, Copy)]
pub enum BaseAdjust {
    /// A fixed offset: every step of the path is a non-virtual base.
    Offset(isize),
    /// The path crosses a virtual base: the offset is read from the object
    /// by a compiled conversion.
    Cast(cpplive_core::thunk::UpcastFn),
}

/// How to view a `derived` proxy as its C++ base `base` (`None` when
/// `base` is not a C++ base of `derived`, or the conversion is ambiguous).
pub fn base_adjust(py: Python<'_>, derived: *mut ffi::PyTypeObject, base: *mut ffi::PyTypeObject) -> Option<BaseAdjust> {
    let key = (derived as usize, base as usize);
    if let Some(found) = registry(py, |r| r.offsets.get(&key).copied()) {
        return found;
    }
    let (Some(from), Some(to)) = (scope_of_type(py, derived), scope_of_type(py, base)) else {
        return None;
    };
    let adjust = with_backend(|b| {
        /// The offset along the first path to `to`; `Err(())` when every
        /// path crosses a virtual base.
        fn search(b: &mut dyn cpplive_core::Backend, from: ScopeId, to: ScopeId) -> Option<Result<isize, ()>> {
            if from == to {
                return Some(Ok(0));
            }
            let info = b.scope(from).ok()?;
            if info.kind != ScopeKind::Class {
                return None;
            }
            let mut through_virtual = None;
            for base in &info.bases {
                match search(b, base.scope, to) {
                    Some(Ok(rest)) if !base.is_virtual => return Some(Ok(base.offset as isize + rest)),
                    Some(_) => through_virtual = Some(Err(())),
                    None => {}
                }
            }
            through_virtual
        }
        Ok(match search(b, ScopeId(from), ScopeId(to)) {
            Some(Ok(offset)) => Some(BaseAdjust::Offset(offset)),
            Some(Err(())) => b.upcast(ScopeId(from), ScopeId(to)).ok().map(BaseAdjust::Cast),
            None => None,
        })
    })
    .ok()
    .flatten();
    registry(py, |r| r.offsets.insert(key, adjust));
    adjust
}

/// The most-derived proxy type and address of the polymorphic object at
/// `object` (seen as a `class`), when it differs from `class` and is known.
/// The proxy class of the C++ class whose (demangled) name is `name`, as
/// RTTI reports it; resolved once per name.
pub fn class_named<'py>(py: Python<'py>, name: &str) -> Option<Bound<'py, PyType>> {
    let id = match registry(py, |r| r.dynamic_names.get(name).copied()) {
        Some(found) => found,
        None => {
            let resolved = with_backend(|b| b.resolve_type(name).map_err(crate::errors::backend_error))
                .ok()
                .and_then(|t| if t.is_plain() { t.class_id() } else { None });
            registry(py, |r| r.dynamic_names.insert(name.to_string(), resolved));
            resolved
        }
    }?;
    class_for(py, id).ok()
}

pub fn downcast<'py>(
    py: Python<'py>,
    dynamic: cpplive_core::thunk::DynamicTypeFn,
    class: &Bound<'py, PyType>,
    object: *mut std::ffi::c_void,
) -> Option<(Bound<'py, PyType>, *mut std::ffi::c_void)> {
    if crate::pinning::is_pinned(class) {
        return None;
    }
    let mut name_ptr: *mut std::ffi::c_char = std::ptr::null_mut();
    let full = unsafe { dynamic(object, &mut name_ptr) };
    if name_ptr.is_null() {
        return None;
    }
    let name = unsafe { std::ffi::CStr::from_ptr(name_ptr) }.to_string_lossy().into_owned();
    unsafe { libc::free(name_ptr as *mut std::ffi::c_void) };
    let derived = class_named(py, &name)?;
    if derived.is(class) {
        return None;
    }
    Some((derived, full))
}
