//! The one place where backend errors become Python exceptions.

use cpplive_core::BackendError;
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyImportError, PyNotImplementedError, PyOSError, PyRuntimeError, PySyntaxError, PyTypeError};
use pyo3::PyErr;

create_exception!(cpplive, CppException, PyException, "A C++ exception thrown by called code; `cpp_type` and `what` describe it.");
create_exception!(
    cpplive,
    LinkError,
    PyRuntimeError,
    "C++ code compiled, but symbols it needs are defined by no loaded library: raised by the call that needs them, naming them."
);

pub fn backend_error(error: BackendError) -> PyErr {
    let text = error.to_string();
    match error {
        BackendError::Parse { .. } => PySyntaxError::new_err(text),
        BackendError::HeaderNotFound { .. } => PyImportError::new_err(text),
        BackendError::LibraryNotFound { .. } => PyOSError::new_err(text),
        BackendError::NotFound { .. } => PyRuntimeError::new_err(text),
        BackendError::Instantiation { .. } => PyTypeError::new_err(text),
        BackendError::Link { .. } => LinkError::new_err(text),
        BackendError::Unsupported(_) => PyNotImplementedError::new_err(text),
        BackendError::Internal(_) => PyRuntimeError::new_err(text),
    }
}

/// C++ exception type name → Python exception class (subclasses of
/// `CppException` that also derive from the matching Python exception,
/// e.g. `std::out_of_range` → `IndexError`). Set by the Python package.
static EXCEPTION_TYPES: pyo3::sync::PyOnceLock<pyo3::Py<pyo3::types::PyDict>> = pyo3::sync::PyOnceLock::new();

#[pyo3::pyfunction]
pub fn set_exception_types(py: pyo3::Python<'_>, types: pyo3::Py<pyo3::types::PyDict>) {
    let _ = EXCEPTION_TYPES.set(py, types);
}

/// The thrown object itself as the Python exception: a copy owned by an
/// instance of its proxy class, when that class is a Python exception
/// (derived from `std::exception`). `None` when it cannot be (the class is
/// not known to Python, or cannot be copied).
pub fn cpp_exception_object(py: pyo3::Python<'_>, type_name: &str, what: &str, object: *mut std::ffi::c_void) -> Option<PyErr> {
    use pyo3::prelude::*;
    let class = crate::registry::class_named(py, type_name)?;
    if !class.is_subclass_of::<pyo3::exceptions::PyBaseException>().unwrap_or(false) {
        return None;
    }
    let id = crate::registry::scope_of_type(py, class.as_ptr() as *mut pyo3::ffi::PyTypeObject)?;
    let (clone, deleter) = crate::runtime::with_backend(|b| {
        let scope = cpplive_core::ScopeId(id);
        Ok((b.cloner(scope).ok(), b.deleter(scope).ok()))
    })
    .ok()?;
    let copy = unsafe { clone?(object) };
    let value = crate::instance::CppObject::wrap(py, &class, copy, Some(deleter?)).ok()?.into_bound(py);
    // `args` is what str() and tracebacks show.
    let _ = value.setattr("args", (message(type_name, what),));
    let _ = value.setattr("cpp_type", type_name);
    Some(PyErr::from_value(value))
}

fn message(type_name: &str, what: &str) -> String {
    if what.is_empty() {
        format!("{type_name} (C++ exception)")
    } else {
        format!("{type_name}: {what}")
    }
}

/// The Python exception for a C++ exception of type `type_name`.
pub fn cpp_exception(py: pyo3::Python<'_>, type_name: &str, what: &str) -> PyErr {
    use pyo3::prelude::*;
    let message = message(type_name, what);
    let class = EXCEPTION_TYPES
        .get(py)
        .and_then(|map| map.bind(py).get_item(type_name).ok().flatten())
        .unwrap_or_else(|| py.get_type::<CppException>().into_any());
    match class.call1((message.clone(),)) {
        Ok(value) => {
            let _ = value.setattr("cpp_type", type_name);
            let _ = value.setattr("what", what);
            PyErr::from_value(value)
        }
        Err(e) => e,
    }
}
