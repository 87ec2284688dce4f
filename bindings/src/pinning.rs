//! Classes whose objects keep their declared type when C++ returns them
//! (`cpplive.pin_type`): no RTTI downcast to the most-derived class, for
//! interfaces whose implementation classes should stay out of view.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PySet, PyType};

static PINNED: PyOnceLock<Py<PySet>> = PyOnceLock::new();

#[pyfunction]
pub fn pin_type(cls: &Bound<'_, PyType>) -> PyResult<()> {
    let py = cls.py();
    if crate::registry::scope_of_type(py, cls.as_ptr() as *mut pyo3::ffi::PyTypeObject).is_none() {
        return Err(pyo3::exceptions::PyTypeError::new_err("pin_type() needs a C++ class proxy"));
    }
    PINNED.get_or_try_init(py, || PySet::empty(py).map(Bound::unbind))?.bind(py).add(cls)
}

/// Whether results declared as `class` stay `class`. Nothing is looked up
/// until some class was pinned.
pub fn is_pinned(class: &Bound<'_, PyType>) -> bool {
    PINNED.get(class.py()).is_some_and(|pinned| pinned.bind(class.py()).contains(class).unwrap_or(false))
}
