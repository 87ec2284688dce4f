//! Views of C++ memory holding builtins (returned `int*`, array members):
//! indexing, `len` when the size is known, and the buffer protocol, without
//! copying. Views of other items (pointers, as in `int**`, `const char*[N]`
//! or `T*[N]`; enums; class objects, as in `T[N]`) read and write each item
//! through the executor and converter of its type.

use std::ffi::{c_int, CStr};
use std::sync::OnceLock;

use cpplive_core::thunk::ArgSlot;
use cpplive_core::types::Builtin;
use pyo3::exceptions::{PyBufferError, PyIndexError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;

use std::sync::Arc;

use crate::convert::{Converter, Pass, Scratch};
use crate::execute::{read_scalar, Executor};

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
    /// For items that are not builtin scalars: how to read and write one.
    items: Option<Arc<Items>>,
}

/// The items of a view that are not builtin scalars.
#[derive(Debug)]
pub struct Items {
    /// Reads an item, given its address (as through a reference to it).
    pub read: Executor,
    /// Converts a value for a pointer item; `None` where items cannot be
    /// assigned (class objects).
    pub write: Option<Converter>,
    /// Bytes per item.
    pub size: usize,
    /// Whether the items are pointers (their buffer format is `P`).
    pub pointers: bool,
    /// Whether the items point at characters (a `str` is refused on
    /// assignment: the pointer would outlive it).
    pub text: bool,
    /// The item type, for `repr` and `item_type`.
    pub name: String,
}

impl LowLevelView {
    pub fn new(address: usize, kind: Builtin, len: Option<usize>) -> LowLevelView {
        LowLevelView::with_rows(address, kind, len, Vec::new())
    }

    pub fn with_rows(address: usize, kind: Builtin, len: Option<usize>, inner: Vec<usize>) -> LowLevelView {
        LowLevelView { address, kind, len, inner, layout: OnceLock::new(), items: None }
    }

    /// A view of non-scalar items (see `Items`).
    pub fn with_items(address: usize, items: Arc<Items>, len: Option<usize>, inner: Vec<usize>) -> LowLevelView {
        LowLevelView { address, kind: Builtin::Void, len, inner, layout: OnceLock::new(), items: Some(items) }
    }

    /// Bytes per item.
    fn item_size(&self) -> usize {
        self.items.as_ref().map_or(self.kind.size(), |items| items.size)
    }

    /// The same memory with other extents, the same items.
    fn same_items(&self, address: usize, len: Option<usize>, inner: Vec<usize>) -> LowLevelView {
        match &self.items {
            Some(items) => LowLevelView::with_items(address, items.clone(), len, inner),
            None => LowLevelView::with_rows(address, self.kind, len, inner),
        }
    }

    /// What a pointer parameter given this view points at: the address,
    /// the item format and size.
    pub fn pointer(&self) -> (usize, &'static CStr, usize) {
        (self.address, self.format(), self.item_size())
    }

    /// Bytes from one element (or row) to the next.
    fn stride(&self) -> usize {
        self.inner.iter().product::<usize>() * self.item_size()
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
        if let Some(items) = &self.items {
            return if items.pointers { c"P" } else { c"B" };
        }
        match self.kind {
            Builtin::Bool => c"?",
            Builtin::Char | Builtin::SChar | Builtin::Int8 => c"b",
            Builtin::UChar | Builtin::UInt8 => c"B",
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

impl Items {
    /// Writes `value` into the item at `at`.
    fn store(&self, py: Python<'_>, at: usize, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let got = || value.get_type().name().map(|n| n.to_string()).unwrap_or_default();
        let Some(write) = &self.write else {
            return Err(PyTypeError::new_err(format!("cannot assign to items of type '{}': assign to their members", self.name)));
        };
        if self.text && value.is_instance_of::<pyo3::types::PyString>() {
            return Err(PyTypeError::new_err(format!(
                "cannot store a 'str' in a '{}' item: the pointer would outlive it (pass C++-owned text)",
                self.name
            )));
        }
        let mut slot = ArgSlot::default();
        let mut scratch = Scratch::default();
        let source = unsafe { write.convert(py, value.as_ptr(), &mut slot, Pass::Implicit, &mut scratch) }
            .map_err(|_| PyTypeError::new_err(format!("cannot store a '{}' in a '{}' item", got(), self.name)))?;
        unsafe { std::ptr::copy_nonoverlapping(source as *const u8, at as *mut u8, self.size) };
        Ok(())
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
            return Ok(Py::new(py, self.same_items(at, Some(rows), rest.to_vec()))?.into_any());
        }
        if let Some(items) = &self.items {
            let slot = ArgSlot { ptr: at as *mut std::ffi::c_void };
            return unsafe { items.read.execute(py, &slot as *const ArgSlot as *const std::ffi::c_void) };
        }
        unsafe { read_scalar(py, self.kind, at as *const std::ffi::c_void) }
    }

    fn __setitem__(&self, py: Python<'_>, index: isize, value: &Bound<'_, PyAny>) -> PyResult<()> {
        if !self.inner.is_empty() {
            return Err(PyTypeError::new_err("assign to the elements of a row (view[i][j] = x), not to a whole row"));
        }
        let at = self.element(index)?;
        if let Some(items) = &self.items {
            return items.store(py, at, value);
        }
        let converter = match self.kind {
            Builtin::Bool => Converter::Bool,
            b @ (Builtin::Char | Builtin::SChar | Builtin::UChar | Builtin::WChar | Builtin::Char16 | Builtin::Char32) => Converter::Char(b),
            Builtin::Float => Converter::Float,
            Builtin::Double => Converter::Double,
            Builtin::LongDouble => Converter::LongDouble,
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
        Ok(self.same_items(self.address, Some(first), rest.to_vec()))
    }

    /// The extents, outermost first, when the size is known.
    #[getter]
    fn shape<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyTuple>> {
        let n = self.__len__()?;
        pyo3::types::PyTuple::new(py, std::iter::once(n).chain(self.inner.iter().copied()).collect::<Vec<_>>())
    }

    /// The characters up to the first NUL (within the size, when known)
    /// as a `str`, for views of character types.
    fn as_string<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyString>> {
        let unit = match self.kind {
            Builtin::Char | Builtin::SChar | Builtin::UChar => Builtin::Char,
            b @ (Builtin::Char16 | Builtin::Char32 | Builtin::WChar) => b,
            b => return Err(PyTypeError::new_err(format!("as_string() needs a view of characters, not of '{}'", b.name()))),
        };
        if !self.inner.is_empty() {
            return Err(PyTypeError::new_err("as_string() of a multi-dimensional array: take it of one row"));
        }
        if self.address == 0 {
            return Err(pyo3::exceptions::PyReferenceError::new_err("view of a null pointer"));
        }
        let size = unit.size();
        let at = |i: usize| unsafe {
            let p = (self.address + i * size) as *const u8;
            match size {
                1 => *p as u32,
                2 => *(p as *const u16) as u32,
                _ => *(p as *const u32),
            }
        };
        let n = match self.len {
            Some(n) => (0..n).take_while(|&i| at(i) != 0).count(),
            None => (0..).take_while(|&i| at(i) != 0).count(),
        };
        Ok(unsafe { crate::execute::read_text(py, unit, self.address as *const u8, Some(n)) })
    }

    #[getter]
    fn address(&self) -> usize {
        self.address
    }

    /// The C++ type of the items (`int`, `unsigned long`, ...).
    #[getter]
    fn item_type(&self) -> String {
        self.items.as_ref().map_or_else(|| self.kind.name().to_string(), |items| items.name.clone())
    }

    /// The items' struct format character, as `array.array` has it.
    #[getter]
    fn typecode(&self) -> &'static str {
        self.format().to_str().unwrap_or("B")
    }

    fn __repr__(&self) -> String {
        format!("<cpplive.LowLevelView of {} at 0x{:x}{}>", self.item_type(), self.address, self.len.map_or(String::new(), |n| format!(", {n} elements")))
    }

    unsafe fn __getbuffer__(slf: Bound<'_, Self>, view: *mut ffi::Py_buffer, flags: c_int) -> PyResult<()> {
        let this = slf.get();
        let Some(n) = this.len else {
            return Err(PyBufferError::new_err("the size of this C++ array is unknown; use reshape((n,)) first"));
        };
        if this.address == 0 {
            return Err(PyBufferError::new_err("view of a null pointer"));
        }
        if this.items.as_ref().is_some_and(|items| !items.pointers) {
            return Err(PyBufferError::new_err("a view of C++ objects has no buffer"));
        }
        let itemsize = this.item_size() as ffi::Py_ssize_t;
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
