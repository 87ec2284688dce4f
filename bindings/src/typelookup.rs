//! CPython's lookup of a name along a type's MRO, which raises nothing
//! when the name is absent: the call path asks types for optional
//! attributes (`__cast_cpp__`, dispatcher hooks), and an AttributeError
//! made and dropped there would hold its object until pyo3 next releases
//! what it queued (calls run outside pyo3's entry points).

use pyo3::ffi;

extern "C" {
    /// Exported by CPython, but not bound by pyo3.
    fn _PyType_Lookup(tp: *mut ffi::PyTypeObject, name: *mut ffi::PyObject) -> *mut ffi::PyObject;
}

/// The attribute `name` of type `tp` or of one of its bases, borrowed, or
/// null.
///
/// # Safety
/// The GIL is held; `tp` and `name` are live.
pub unsafe fn on_type(tp: *mut ffi::PyTypeObject, name: *mut ffi::PyObject) -> *mut ffi::PyObject {
    _PyType_Lookup(tp, name)
}
