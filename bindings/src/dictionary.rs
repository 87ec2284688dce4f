//! The Python entry points of precompiled dictionaries: registering one in
//! the backend stack (`load_reflection_info`), and the generator's
//! recording step (`cpplive-genreflex`), which runs through the live
//! backend of this process.

use std::path::Path;

use cpplive_dict::DictionaryBackend;
use pyo3::exceptions::PyImportError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::runtime::{with_backend, with_stack};

/// Registers the dictionary library at `path`. False when the library
/// holds no cpplive model (a genreflex library of another tool); an
/// `ImportError` naming the file when it cannot be used, with nothing
/// registered.
#[pyfunction]
pub fn load_dictionary(path: &str) -> PyResult<bool> {
    let path = Path::new(path);
    let refused = |e: cpplive_core::BackendError| PyImportError::new_err(format!("cannot load the dictionary {}: {e}", path.display()));
    if !cpplive_dict::has_model(path).map_err(refused)? {
        return Ok(false);
    }
    with_stack(|stack| {
        let backend = DictionaryBackend::open(path, stack.next_dictionary_base()).map_err(refused)?;
        stack.add_dictionary(path, Box::new(backend)).map_err(refused)?;
        Ok(true)
    })
}

/// Whether only dictionaries may answer (`CPPLIVE_BACKEND=dictionary`).
#[pyfunction]
pub fn dictionary_only() -> bool {
    crate::runtime::dictionary_only()
}

/// Why only dictionaries answer, or `None` when clang can: by setting, or
/// because the clang backend cannot be loaded (this opens its library).
#[pyfunction]
pub fn no_clang_reason() -> Option<String> {
    if crate::runtime::dictionary_only() {
        return Some("CPPLIVE_BACKEND=dictionary: the clang backend is not used".into());
    }
    crate::clang_library::unavailable_reason()
}

/// The dictionaries registered so far, in the order they are asked.
#[pyfunction]
pub fn loaded_dictionaries() -> PyResult<Vec<String>> {
    with_stack(|stack| Ok(stack.dictionary_paths().iter().map(|p| p.display().to_string()).collect()))
}

/// The model recorded by `generate_dictionary`, waiting to be told which
/// generated functions the system compiler left out.
#[pyclass(frozen, module = "cpplive", name = "DictionaryDraft")]
pub struct DictionaryDraft(cpplive_dict::generate::Draft);

#[pymethods]
impl DictionaryDraft {
    /// The dictionary's data without what the generated functions named in
    /// `left_out` (their symbols) stood for.
    fn model<'py>(&self, py: Python<'py>, left_out: Vec<String>) -> PyResult<Bound<'py, PyBytes>> {
        let model = self.0.model(&left_out).map_err(pyo3::exceptions::PyRuntimeError::new_err)?;
        Ok(PyBytes::new(py, &model))
    }
}

/// Records `selected` (qualified names) through the live backend and
/// writes their thunks: `(draft of the model, [translation units], scopes, thunks)`.
#[pyfunction]
pub fn generate_dictionary(
    selected: Vec<String>,
    headers: Vec<String>,
    stem: &str,
    units: usize,
) -> PyResult<(DictionaryDraft, Vec<String>, usize, usize)> {
    let generated = with_backend(|b| {
        cpplive_dict::generate::generate(b, &selected, &headers, stem, units).map_err(pyo3::exceptions::PyRuntimeError::new_err)
    })?;
    Ok((DictionaryDraft(generated.draft), generated.sources, generated.scopes, generated.thunks))
}
