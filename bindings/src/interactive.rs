//! Redefinition and undo for the prompt and the notebook magics (see
//! `cpplive._interactive`).

use pyo3::prelude::*;

use crate::errors::backend_error;
use crate::runtime::{with_backend, with_backend_detached};

/// The number of user inputs (cppdef, include) the backend has parsed.
#[pyfunction]
pub fn input_mark() -> PyResult<u64> {
    with_backend(|b| b.input_mark().map_err(backend_error))
}

/// Takes out of name lookup what the inline namespace `namespace` (the last
/// input) redefines; returns "-id name" for each declaration hidden.
#[pyfunction]
pub fn shadow(py: Python<'_>, namespace: &str) -> PyResult<Vec<String>> {
    crate::api::DECLARATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    with_backend_detached(py, |b| b.shadow(namespace).map_err(backend_error))
}

/// Takes back the user inputs after `mark`; returns "-id name" / "+id name"
/// for each declaration hidden or shown again.
#[pyfunction]
pub fn undo_inputs(py: Python<'_>, mark: u64) -> PyResult<Vec<String>> {
    crate::api::DECLARATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    with_backend_detached(py, move |b| b.undo(mark).map_err(backend_error))
}
