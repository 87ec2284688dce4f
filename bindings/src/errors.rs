//! The one place where backend errors become Python exceptions.

use cpplive_core::BackendError;
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyImportError, PyNotImplementedError, PyOSError, PyRuntimeError, PySyntaxError, PyTypeError};
use pyo3::PyErr;

create_exception!(cpplive, CppException, PyException, "A C++ exception thrown by called code; `cpp_type` and `what` describe it.");

pub fn backend_error(error: BackendError) -> PyErr {
    let text = error.to_string();
    match error {
        BackendError::Parse { .. } => PySyntaxError::new_err(text),
        BackendError::HeaderNotFound { .. } => PyImportError::new_err(text),
        BackendError::LibraryNotFound { .. } => PyOSError::new_err(text),
        BackendError::NotFound { .. } => PyRuntimeError::new_err(text),
        BackendError::Instantiation { .. } => PyTypeError::new_err(text),
        BackendError::Unsupported(_) => PyNotImplementedError::new_err(text),
        BackendError::Internal(_) => PyRuntimeError::new_err(text),
    }
}
