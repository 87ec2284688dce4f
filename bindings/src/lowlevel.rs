//! Views of C++ memory holding builtins (returned `int*`, array members):
//! indexing, `len` when the size is known, and the buffer protocol, without
//! copying.

use std::ffi::{c_int, CStr};
use std::sync::OnceLock;

use cpplive_core::thunk::ArgSlot;
use cpplive_core::types::Builtin;
use pyo3::exceptions::{PyBufferError, PyIndexError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;

use crate::convert::{Converter, Pass, Scratch};
use crate::execute::read_scalar;

#[pyclass(frozen, module = "cpplive", name = "LowLevelView")]
pub struct LowLevelView {
    address: usize,
    kind: Builtin,
    /// Number of elements, when known.
    len: Option<usize>,
    /// The further extents of a multi-dimensional array (`int[2][3]`:
    /// `len` 2, `inner` [3]); an element is then a view of one row.
    inner: Vec<usize>,
    /// Shape and strides, which exported buffers point into: made on the
    /// first export and never changed while the view lives (a buffer from
    /// an earlier export, perhaps on another thread, may still use them).
    layout: OnceLock<(Vec<ffi::Py_ssize_t>, Vec<ffi::Py_ssize_t>)>,
}

impl LowLevelView {
    pub fn new(address: usize, kind: Builtin, len: Option<usize>) -> LowLevelView {
        LowLevelView::with_rows(address, kind, len, Vec::new())
    }

    pub fn with_rows(address: usize, kind: Builtin, len: Option<usize>, inner: Vec<usize>) -> LowLevelView {
        LowLevelView { address, kind, len, inner, layout: OnceLock::new() }
    }

    /// What a pointer parameter given this view points at: the address,
    /// the item format and size.
    pub fn pointer(&self) -> (usize, &'static CStr, usize) {
        (self.address, self.format(), self.kind.size())
    }

    /// Bytes from one element (or row) to the next.
    fn stride(&self) -> usize {
        self.inner.iter().product::<usize>() * self.kind.size()
    }

    fn element(&self, index: isize) -> PyResult<usize> {
        let index = match (index < 0, self.len) {
            (true, Some(n)) => index + n as isize,
            _ => index,
        };
        if index < 0 || self.len.is_some_and(|n| index as usize >= n) {
            return Err(PyIndexError::new_err("index out of range"));
        }
        if self.address == 0 {
            return Err(pyo3::exceptions::PyReferenceError::new_err("view of a null pointer"));
        }
        Ok(self.address + index as usize * self.stride())
    }

    fn format(&self) -> &'static CStr {
        match self.kind {
            Builtin::Bool => c"?",
            Builtin::Char | Builtin::SChar => c"b",
            Builtin::UChar => c"B",
            Builtin::Short => c"h",
            Builtin::UShort | Builtin::Char16 => c"H",
            Builtin::Int | Builtin::WChar => c"i",
            Builtin::UInt | Builtin::Char32 => c"I",
            Builtin::Long => c"l",
            Builtin::ULong => c"L",
            Builtin::LongLong => c"q",
            Builtin::ULongLong => c"Q",
            Builtin::Float => c"f",
            _ => c"d",
        }
    }
}

#[pymethods]
impl LowLevelView {
    fn __len__(&self) -> PyResult<usize> {
        self.len.ok_or_else(|| PyTypeError::new_err("the size of this C++ array is unknown; use reshape((n,))"))
    }

    fn __getitem__(&self, py: Python<'_>, index: isize) -> PyResult<Py<PyAny>> {
        let at = self.element(index)?;
        if let Some((&rows, rest)) = self.inner.split_first() {
            return Ok(Py::new(py, LowLevelView::with_rows(at, self.kind, Some(rows), rest.to_vec()))?.into_any());
        }
        unsafe { read_scalar(py, self.kind, at as *const std::ffi::c_void) }
    }

    fn __setitem__(&self, py: Python<'_>, index: isize, value: &Bound<'_, PyAny>) -> PyResult<()> {
        if !self.inner.is_empty() {
            return Err(PyTypeError::new_err("assign to the elements of a row (view[i][j] = x), not to a whole row"));
        }
        let at = self.element(index)?;
        let converter = match self.kind {
            Builtin::Bool => Converter::Bool,
            Builtin::Float => Converter::Float,
            Builtin::Double => Converter::Double,
            b => Converter::Integer(b),
        };
        let mut slot = ArgSlot::default();
        let mut scratch = Scratch::default();
        let source = unsafe { converter.convert(py, value.as_ptr(), &mut slot, Pass::Implicit, &mut scratch) }
            .map_err(|_| PyTypeError::new_err(format!("cannot store a '{}' in a {} array", value.get_type().name().map(|n| n.to_string()).unwrap_or_default(), self.kind.name())))?;
        unsafe { std::ptr::copy_nonoverlapping(source as *const u8, at as *mut u8, self.kind.size()) };
        Ok(())
    }

    /// Iteration needs a known size (an unbounded walk would read past the
    /// array): a list of the elements.
    fn __iter__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let n = self.__len__()?;
        let items = (0..n).map(|i| self.__getitem__(py, i as isize)).collect::<PyResult<Vec<_>>>()?;
        Ok(pyo3::types::PyList::new(py, items)?.into_any().try_iter()?.into_any().unbind())
    }

    /// The same memory seen with another shape: `(n,)` elements, or rows
    /// (`(rows, columns, ...)`).
    fn reshape(&self, shape: Vec<usize>) -> PyResult<LowLevelView> {
        let Some((&first, rest)) = shape.split_first() else {
            return Err(PyTypeError::new_err("reshape() needs at least one extent"));
        };
        Ok(LowLevelView::with_rows(self.address, self.kind, Some(first), rest.to_vec()))
    }

    #[getter]
    fn address(&self) -> usize {
        self.address
    }

    /// The C++ type of the items (`int`, `unsigned long`, ...).
    #[getter]
    fn item_type(&self) -> &'static str {
        self.kind.name()
    }

    /// The items' struct format character, as `array.array` has it.
    #[getter]
    fn typecode(&self) -> &'static str {
        self.format().to_str().unwrap_or("B")
    }

    fn __repr__(&self) -> String {
        format!("<cpplive.LowLevelView of {} at 0x{:x}{}>", self.kind.name(), self.address, self.len.map_or(String::new(), |n| format!(", {n} elements")))
    }

    unsafe fn __getbuffer__(slf: Bound<'_, Self>, view: *mut ffi::Py_buffer, flags: c_int) -> PyResult<()> {
        let this = slf.get();
        let Some(n) = this.len else {
            return Err(PyBufferError::new_err("the size of this C++ array is unknown; use reshape((n,)) first"));
        };
        if this.address == 0 {
            return Err(PyBufferError::new_err("view of a null pointer"));
        }
        let itemsize = this.kind.size() as ffi::Py_ssize_t;
        let (shape, strides) = crate::sync::publish(&this.layout, || {
            let mut shape = vec![n as ffi::Py_ssize_t];
            shape.extend(this.inner.iter().map(|&d| d as ffi::Py_ssize_t));
            // C order: each stride is the size of everything to its right.
            let mut strides = vec![itemsize; shape.len()];
            for k in (0..shape.len().saturating_sub(1)).rev() {
                strides[k] = strides[k + 1] * shape[k + 1];
            }
            (shape, strides)
        });
        let total: ffi::Py_ssize_t = shape.iter().product();
        unsafe {
            (*view).obj = slf.clone().into_any().into_ptr();
            (*view).buf = this.address as *mut std::ffi::c_void;
            (*view).len = total * itemsize;
            (*view).readonly = 0;
            (*view).itemsize = itemsize;
            (*view).format = if flags & ffi::PyBUF_FORMAT != 0 { this.format().as_ptr() as *mut _ } else { std::ptr::null_mut() };
            (*view).ndim = shape.len() as c_int;
            // Buffer consumers only read these (the API's pointers are mutable).
            (*view).shape = if flags & ffi::PyBUF_ND != 0 { shape.as_ptr() as *mut _ } else { std::ptr::null_mut() };
            (*view).strides = if flags & ffi::PyBUF_STRIDES == ffi::PyBUF_STRIDES { strides.as_ptr() as *mut _ } else { std::ptr::null_mut() };
            (*view).suboffsets = std::ptr::null_mut();
            (*view).internal = std::ptr::null_mut();
        }
        Ok(())
    }

    unsafe fn __releasebuffer__(&self, _view: *mut ffi::Py_buffer) {}
}
