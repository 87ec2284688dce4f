//! Views of C++ memory holding builtins (returned `int*`, array members):
//! indexing, `len` when the size is known, and the buffer protocol, without
//! copying. Views of other items (pointers, as in `int**`, `const char*[N]`
//! or `T*[N]`; enums; class objects, as in `T[N]`) read and write each item
//! through the executor and converter of its type.

use std::ffi::{c_int, CStr};

use cpplive_core::thunk::ArgSlot;
use cpplive_core::types::Builtin;
use pyo3::exceptions::{PyBufferError, PyIndexError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::convert::{Converter, Pass, Scratch};
use crate::execute::{read_scalar, Executor};
use crate::sync::GilCell;

#[pyclass(frozen, module = "cpplive", name = "LowLevelView")]
pub struct LowLevelView {
    address: usize,
    kind: Builtin,
    /// The extents; `reshape` changes them in place, as in cppyy.
    shape: GilCell<Shape>,
    /// Shapes and strides that exported buffers point into: one per shape
    /// exported, kept while the view lives (a buffer from an earlier export,
    /// perhaps on another thread, may still use one after a `reshape`).
    layouts: GilCell<Vec<Box<Layout>>>,
    /// For items that are not builtin scalars: how to read and write one.
    items: Option<Arc<Items>>,
    /// Memory this view was made for (`ll.malloc`, `ll.array_new`).
    origin: Origin,
    /// The object whose memory this is (a `std::vector` for its `data()`),
    /// kept alive as long as the view.
    owner: std::sync::OnceLock<Py<PyAny>>,
}

/// Where a view's memory came from, for views `ll` allocated.
struct Origin {
    /// Made by `new T[n]` (`__cpp_array__`), not `malloc`.
    cpp_array: AtomicBool,
    /// Whether dropping the view releases the memory (`__python_owns__`).
    owns: AtomicBool,
    /// What releases it (called without arguments), for managed views.
    release: GilCell<Option<Py<PyAny>>>,
}

impl Default for Origin {
    fn default() -> Origin {
        Origin { cpp_array: AtomicBool::new(false), owns: AtomicBool::new(false), release: GilCell::new(None) }
    }
}

#[derive(Clone, Default, PartialEq)]
struct Shape {
    /// Number of elements, when known.
    len: Option<usize>,
    /// The further extents of a multi-dimensional array (`int[2][3]`:
    /// `len` 2, `inner` [3]); an element is then a view of one row.
    inner: Vec<usize>,
    /// For a view of pointers reshaped to more than one extent (`int**`
    /// as `(5, 7)`): the extents of what each item points at, given to the
    /// view an item reads as. The rows are elsewhere, so they are not
    /// `inner` (which would read rows of pointers side by side).
    pointee: Vec<usize>,
}

type Layout = (Vec<ffi::Py_ssize_t>, Vec<ffi::Py_ssize_t>);

/// The bytes a view of unknown size claims, as cppyy's do (`INT_MAX`), so
/// that `len()`, `ctypes` `from_buffer` and NumPy `frombuffer(count=n)`
/// work on a pointer whose length only the program knows. Iteration still
/// refuses such a view: it would walk past the C++ array.
const UNKNOWN_BYTES: usize = i32::MAX as usize;

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
    /// For items that are pointers to a builtin, that builtin.
    pub pointee: Option<Builtin>,
}

impl LowLevelView {
    pub fn new(address: usize, kind: Builtin, len: Option<usize>) -> LowLevelView {
        LowLevelView::with_rows(address, kind, len, Vec::new())
    }

    pub fn with_rows(address: usize, kind: Builtin, len: Option<usize>, inner: Vec<usize>) -> LowLevelView {
        let shape = GilCell::new(Shape { len, inner, pointee: Vec::new() });
        LowLevelView { address, kind, shape, layouts: GilCell::new(Vec::new()), items: None, origin: Origin::default(), owner: std::sync::OnceLock::new() }
    }

    /// A view of non-scalar items (see `Items`).
    pub fn with_items(address: usize, items: Arc<Items>, len: Option<usize>, inner: Vec<usize>) -> LowLevelView {
        let shape = GilCell::new(Shape { len, inner, pointee: Vec::new() });
        LowLevelView { address, kind: Builtin::Void, shape, layouts: GilCell::new(Vec::new()), items: Some(items), origin: Origin::default(), owner: std::sync::OnceLock::new() }
    }

    /// Gives a view of unknown size its number of elements (a pointer
    /// member into a buffer Python gave it).
    pub fn know_length(&self, py: Python<'_>, n: usize) {
        self.shape.with(py, |s| {
            if s.len.is_none() && s.inner.is_empty() {
                s.len = Some(n);
            }
        });
    }

    /// Whether the view's items are pointers laid out one after another
    /// (not rows of an array of pointers): further extents then describe
    /// what they point at, as in cppyy (`int**` reshaped to `(5, 7)`).
    fn chases_pointers(&self, shape: &Shape) -> bool {
        self.items.as_ref().is_some_and(|items| items.pointers) && shape.inner.is_empty()
    }

    /// Sets the extents (`shape`, outermost first; not empty).
    fn set_extents(&self, py: Python<'_>, shape: &[usize]) {
        let (first, rest) = (shape[0], shape[1..].to_vec());
        let of_pointers = self.chases_pointers(&self.shape_now(py));
        self.shape.with(py, |s| {
            *s = if of_pointers {
                Shape { len: Some(first), inner: Vec::new(), pointee: rest }
            } else {
                Shape { len: Some(first), inner: rest, pointee: Vec::new() }
            }
        });
    }

    fn shape_now(&self, py: Python<'_>) -> Shape {
        self.shape.with(py, |s| s.clone())
    }

    /// The number of elements: known, or made up (see `UNKNOWN_BYTES`).
    fn length(&self, shape: &Shape) -> usize {
        shape.len.unwrap_or_else(|| UNKNOWN_BYTES / (self.item_size() * shape.inner.iter().product::<usize>()).max(1))
    }

    /// Bytes per item.
    fn item_size(&self) -> usize {
        self.items.as_ref().map_or(self.kind.size(), |items| items.size)
    }

    /// The same memory with other extents, the same items.
    fn same_items(&self, address: usize, len: Option<usize>, inner: Vec<usize>) -> LowLevelView {
        let view = match &self.items {
            Some(items) => LowLevelView::with_items(address, items.clone(), len, inner),
            None => LowLevelView::with_rows(address, self.kind, len, inner),
        };
        if let Some(owner) = self.owner.get() {
            // With the GIL held (views are made in Python calls).
            let _ = view.owner.set(owner.clone_ref(unsafe { Python::assume_attached() }));
        }
        view
    }

    /// What a pointer parameter given this view points at: the address,
    /// the item format and size.
    pub fn pointer(&self) -> (usize, &'static CStr, usize) {
        let format = match self.items.as_ref().and_then(|items| items.pointee) {
            // As ctypes writes `POINTER(T)`: the items' own type, which a
            // `T**` parameter checks (the buffer says only `P`).
            Some(b) => builtin_formats(b).map_or(c"P", |(_, pointer)| pointer),
            None => self.format(),
        };
        (self.address, format, self.item_size())
    }

    /// Where element (or row) `index` is, in a view of `shape`.
    fn element(&self, shape: &Shape, index: isize) -> PyResult<usize> {
        let index = match (index < 0, shape.len) {
            (true, Some(n)) => index + n as isize,
            _ => index,
        };
        if index < 0 || shape.len.is_some_and(|n| index as usize >= n) {
            return Err(PyIndexError::new_err("index out of range"));
        }
        if self.address == 0 {
            return Err(pyo3::exceptions::PyReferenceError::new_err("view of a null pointer"));
        }
        let stride = shape.inner.iter().product::<usize>() * self.item_size();
        Ok(self.address + index as usize * stride)
    }

    /// The item (or row) at `at`, in a view of `shape` whose first extent
    /// was indexed.
    fn read(&self, py: Python<'_>, shape: &Shape, at: usize) -> PyResult<Py<PyAny>> {
        if let Some((&rows, rest)) = shape.inner.split_first() {
            return Ok(Py::new(py, self.same_items(at, Some(rows), rest.to_vec()))?.into_any());
        }
        if let Some(items) = &self.items {
            let slot = ArgSlot { ptr: at as *mut std::ffi::c_void };
            let item = unsafe { items.read.execute(py, &slot as *const ArgSlot as *const std::ffi::c_void) }?;
            if !shape.pointee.is_empty() {
                if let Ok(view) = item.bind(py).cast::<LowLevelView>() {
                    view.get().set_extents(py, &shape.pointee);
                }
            }
            return Ok(item);
        }
        // `signed char` and `unsigned char` items are bytes: numbers, as in
        // cppyy (a lone value of those types is a character).
        let kind = match self.kind {
            Builtin::SChar => Builtin::Int8,
            Builtin::UChar => Builtin::UInt8,
            kind => kind,
        };
        unsafe { read_scalar(py, kind, at as *const std::ffi::c_void) }
    }

    fn format(&self) -> &'static CStr {
        if let Some(items) = &self.items {
            return if items.pointers { c"P" } else { c"B" };
        }
        match builtin_formats(self.kind) {
            Some((own, _)) => own,
            None if self.kind == Builtin::ComplexDouble => c"Zd",
            None => c"d",
        }
    }
}

/// The buffer-protocol format of builtin `b`'s items, and the one ctypes
/// gives `POINTER(b)` items (`&i`); None for a type without one.
fn builtin_formats(b: Builtin) -> Option<(&'static CStr, &'static CStr)> {
    Some(match b {
        Builtin::Bool => (c"?", c"&?"),
        Builtin::Char | Builtin::SChar | Builtin::Int8 => (c"b", c"&b"),
        Builtin::UChar | Builtin::UInt8 => (c"B", c"&B"),
        Builtin::Short => (c"h", c"&h"),
        Builtin::UShort | Builtin::Char16 => (c"H", c"&H"),
        Builtin::Int | Builtin::WChar => (c"i", c"&i"),
        Builtin::UInt | Builtin::Char32 => (c"I", c"&I"),
        Builtin::Long => (c"l", c"&l"),
        Builtin::ULong => (c"L", c"&L"),
        Builtin::LongLong => (c"q", c"&q"),
        Builtin::ULongLong => (c"Q", c"&Q"),
        Builtin::Float => (c"f", c"&f"),
        Builtin::Double => (c"d", c"&d"),
        Builtin::LongDouble => (c"g", c"&g"),
        _ => return None,
    })
}

/// Whether `obj` is a `LowLevelView` (a cheap type check).
///
/// # Safety
/// `obj` is a live object; the GIL is held.
pub unsafe fn is_view(py: Python<'_>, obj: *mut ffi::PyObject) -> bool {
    Bound::from_borrowed_ptr(py, obj).is_instance_of::<LowLevelView>()
}

/// Whether `obj` is a view whose items are pointers to a builtin.
///
/// # Safety
/// `obj` is a live object; the GIL is held.
pub unsafe fn points_at_builtins(py: Python<'_>, obj: *mut ffi::PyObject) -> bool {
    let bound = Bound::from_borrowed_ptr(py, obj);
    bound.cast::<LowLevelView>().is_ok_and(|view| view.get().items.as_ref().is_some_and(|items| items.pointee.is_some()))
}

/// For a view of class objects (not of pointers to them), the proxy of
/// its first object (`None` for a view of a null pointer); `None` outright
/// for anything else.
///
/// # Safety
/// `obj` is a live object; the GIL is held.
pub unsafe fn first_object(py: Python<'_>, obj: *mut ffi::PyObject) -> Option<Option<Py<PyAny>>> {
    let bound = Bound::from_borrowed_ptr(py, obj);
    let view = bound.cast::<LowLevelView>().ok()?;
    let view = view.get();
    let items = view.items.as_ref()?;
    if items.pointers || !matches!(items.read, Executor::ObjectRef { .. }) || !view.shape_now(py).inner.is_empty() {
        return None;
    }
    if view.address == 0 {
        return Some(None);
    }
    let slot = ArgSlot { ptr: view.address as *mut std::ffi::c_void };
    Some(items.read.execute(py, &slot as *const ArgSlot as *const std::ffi::c_void).ok())
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
    /// Marks a view `ll` allocated: made by `new[]` (`cpp_array`), and
    /// with `release`, owned by Python: dropping the view (while
    /// `__python_owns__`) calls `release()`.
    #[pyo3(signature = (cpp_array, release=None))]
    fn _allocated(&self, py: Python<'_>, cpp_array: bool, release: Option<Py<PyAny>>) {
        self.origin.cpp_array.store(cpp_array, Ordering::Relaxed);
        self.origin.owns.store(release.is_some(), Ordering::Relaxed);
        let old = self.origin.release.with(py, |r| std::mem::replace(r, release));
        drop(old);
    }

    /// Whether `ll.array_new` made the memory (it is released with
    /// `delete[]`, not `free`).
    #[getter]
    fn __cpp_array__(&self) -> bool {
        self.origin.cpp_array.load(Ordering::Relaxed)
    }

    #[getter]
    fn __python_owns__(&self) -> bool {
        self.origin.owns.load(Ordering::Relaxed)
    }

    #[setter(__python_owns__)]
    fn set_python_owns(&self, py: Python<'_>, owns: bool) -> PyResult<()> {
        if owns && self.origin.release.with(py, |r| r.is_none()) {
            return Err(PyTypeError::new_err("only views made by ll.malloc or ll.array_new with managed=True can own their memory"));
        }
        self.origin.owns.store(owns, Ordering::Relaxed);
        Ok(())
    }

    fn __bool__(&self) -> bool {
        self.address != 0
    }

    /// The members of the first object, for a view of class objects or of
    /// pointers to them (`xy**` as `m.x`, as in cppyy); Python's
    /// `AttributeError` for anything else (and for `__dunder__` names,
    /// which protocols probe).
    fn __getattr__(slf: &Bound<'_, Self>, name: &str) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let this = slf.get();
        let of_objects = this.items.as_ref().is_some_and(|items| matches!(items.read, Executor::ObjectRef { .. }));
        if of_objects && !name.starts_with("__") && this.address != 0 {
            let shape = this.shape_now(py);
            if shape.inner.is_empty() {
                let first = this.read(py, &shape, this.address)?;
                return Ok(first.bind(py).getattr(name)?.unbind());
            }
        }
        Err(pyo3::exceptions::PyAttributeError::new_err(format!("'cpplive.LowLevelView' object has no attribute '{name}'")))
    }

    fn __len__(&self, py: Python<'_>) -> usize {
        if self.address == 0 {
            return 0;
        }
        self.length(&self.shape_now(py))
    }

    /// `view[i]`, or `view[i, j, ...]` as `view[i][j]...`.
    fn __getitem__(&self, py: Python<'_>, index: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        if let Ok(indices) = index.cast::<pyo3::types::PyTuple>() {
            let mut item = None::<Bound<'_, PyAny>>;
            for i in indices.iter() {
                item = Some(match item {
                    None => self.__getitem__(py, &i)?.into_bound(py),
                    Some(row) => row.get_item(i)?,
                });
            }
            return item.map(|i| i.unbind()).ok_or_else(|| PyIndexError::new_err("an empty index"));
        }
        let shape = self.shape_now(py);
        let at = self.element(&shape, index.extract()?)?;
        self.read(py, &shape, at)
    }

    fn __setitem__(&self, py: Python<'_>, index: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        if let Ok(indices) = index.cast::<pyo3::types::PyTuple>() {
            let Some((last, rows)) = indices.as_slice().split_last() else {
                return Err(PyIndexError::new_err("an empty index"));
            };
            if rows.is_empty() {
                return self.__setitem__(py, last, value);
            }
            let row = self.__getitem__(py, &pyo3::types::PyTuple::new(py, rows)?.into_any())?;
            return row.bind(py).set_item(last, value);
        }
        let shape = self.shape_now(py);
        if !shape.inner.is_empty() {
            return Err(PyTypeError::new_err("assign to the elements of a row (view[i][j] = x), not to a whole row"));
        }
        let at = self.element(&shape, index.extract()?)?;
        if let Some(items) = &self.items {
            return items.store(py, at, value);
        }
        let converter = match self.kind {
            Builtin::Bool => Converter::Bool,
            b @ (Builtin::Char | Builtin::SChar | Builtin::UChar | Builtin::WChar | Builtin::Char16 | Builtin::Char32) => Converter::Char(b),
            Builtin::Float => Converter::Float,
            Builtin::Double => Converter::Double,
            Builtin::LongDouble => Converter::LongDouble,
            Builtin::ComplexDouble => Converter::ComplexDouble,
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
        let shape = self.shape_now(py);
        let n = match (self.address, shape.len) {
            (0, _) => 0,
            (_, Some(n)) => n,
            (_, None) => {
                return Err(PyTypeError::new_err(
                    "the size of this C++ array is unknown: reshape((n,)) it first, or index it within its size",
                ))
            }
        };
        let items = (0..n)
            .map(|i| self.element(&shape, i as isize).and_then(|at| self.read(py, &shape, at)))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(pyo3::types::PyList::new(py, items)?.into_any().try_iter()?.into_any().unbind())
    }

    /// Sees the same memory with another shape, in place (as cppyy's
    /// `reshape` does): `(n,)` elements, or rows (`(rows, columns, ...)`).
    /// A view of known size keeps its number of elements. Returns the view.
    fn reshape(slf: Bound<'_, Self>, shape: Vec<usize>) -> PyResult<Bound<'_, Self>> {
        let py = slf.py();
        let this = slf.get();
        let Some(&first) = shape.first() else {
            return Err(PyTypeError::new_err("reshape() needs at least one extent"));
        };
        let old = this.shape_now(py);
        let of_pointers = this.chases_pointers(&old);
        if let Some(n) = old.len {
            // Only the pointers themselves are counted in a view of them.
            let (had, asked) = if of_pointers { (n, first) } else { (n * old.inner.iter().product::<usize>(), shape.iter().product::<usize>()) };
            if had != asked {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "cannot reshape a view of {had} elements into {shape:?} ({asked} elements)"
                )));
            }
        }
        this.set_extents(py, &shape);
        Ok(slf)
    }

    /// Keeps `owner` (whose memory this is) alive while the view lives; set
    /// once.
    fn _keep_owner(&self, owner: Py<PyAny>) -> PyResult<()> {
        self.owner.set(owner).map_err(|_| PyTypeError::new_err("the view already has an owner"))
    }

    /// The number of elements, None when unknown.
    #[getter]
    fn get_size(&self, py: Python<'_>) -> Option<usize> {
        self.shape_now(py).len
    }

    /// Tells the view how many elements there are (for arrays whose extent
    /// C++ does not say), as `reshape((n,))` does for one extent.
    #[setter]
    fn set_size(&self, py: Python<'_>, n: usize) {
        self.shape.with(py, |s| s.len = Some(n));
    }

    /// The extents, outermost first (the first made up when the size is
    /// unknown, see `UNKNOWN_BYTES`).
    #[getter]
    fn shape<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyTuple>> {
        let shape = self.shape_now(py);
        let extents = shape.inner.iter().chain(shape.pointee.iter()).copied();
        pyo3::types::PyTuple::new(py, std::iter::once(self.length(&shape)).chain(extents).collect::<Vec<_>>())
    }

    /// The characters up to the first NUL (within the size, when known)
    /// as a `str`, for views of character types.
    fn as_string<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyString>> {
        let unit = match self.kind {
            Builtin::Char | Builtin::SChar | Builtin::UChar => Builtin::Char,
            b @ (Builtin::Char16 | Builtin::Char32 | Builtin::WChar) => b,
            b => return Err(PyTypeError::new_err(format!("as_string() needs a view of characters, not of '{}'", b.name()))),
        };
        let shape = self.shape_now(py);
        if !shape.inner.is_empty() {
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
        let n = match shape.len {
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

    fn __repr__(&self, py: Python<'_>) -> String {
        let len = self.shape_now(py).len;
        format!("<cpplive.LowLevelView of {} at 0x{:x}{}>", self.item_type(), self.address, len.map_or(", size unknown".to_string(), |n| format!(", {n} elements")))
    }

    unsafe fn __getbuffer__(slf: Bound<'_, Self>, view: *mut ffi::Py_buffer, flags: c_int) -> PyResult<()> {
        let py = slf.py();
        let this = slf.get();
        if this.address == 0 {
            return Err(PyBufferError::new_err("view of a null pointer"));
        }
        if this.items.as_ref().is_some_and(|items| !items.pointers) {
            return Err(PyBufferError::new_err("a view of C++ objects has no buffer"));
        }
        let itemsize = this.item_size() as ffi::Py_ssize_t;
        let now = this.shape_now(py);
        let mut shape = vec![this.length(&now) as ffi::Py_ssize_t];
        shape.extend(now.inner.iter().map(|&d| d as ffi::Py_ssize_t));
        // C order: each stride is the size of everything to its right.
        let mut strides = vec![itemsize; shape.len()];
        for k in (0..shape.len().saturating_sub(1)).rev() {
            strides[k] = strides[k + 1] * shape[k + 1];
        }
        // The exported pointers stay valid while the view lives: a layout
        // is kept once made, and made again only for a shape not yet seen.
        let total: ffi::Py_ssize_t = shape.iter().product();
        let ndim = shape.len();
        let (shape_ptr, strides_ptr) = this.layouts.with(py, |layouts| {
            if !layouts.last().is_some_and(|l| l.0 == shape) {
                layouts.push(Box::new((shape, strides)));
            }
            layouts.last().map_or((std::ptr::null(), std::ptr::null()), |l| (l.0.as_ptr(), l.1.as_ptr()))
        });
        unsafe {
            (*view).obj = slf.clone().into_any().into_ptr();
            (*view).buf = this.address as *mut std::ffi::c_void;
            (*view).len = total * itemsize;
            (*view).readonly = 0;
            (*view).itemsize = itemsize;
            (*view).format = if flags & ffi::PyBUF_FORMAT != 0 { this.format().as_ptr() as *mut _ } else { std::ptr::null_mut() };
            (*view).ndim = ndim as c_int;
            // Buffer consumers only read these (the API's pointers are mutable).
            (*view).shape = if flags & ffi::PyBUF_ND != 0 { shape_ptr as *mut _ } else { std::ptr::null_mut() };
            (*view).strides = if flags & ffi::PyBUF_STRIDES == ffi::PyBUF_STRIDES { strides_ptr as *mut _ } else { std::ptr::null_mut() };
            (*view).suboffsets = std::ptr::null_mut();
            (*view).internal = std::ptr::null_mut();
        }
        Ok(())
    }

    unsafe fn __releasebuffer__(&self, _view: *mut ffi::Py_buffer) {}
}

impl Drop for LowLevelView {
    fn drop(&mut self) {
        if !self.origin.owns.load(Ordering::Relaxed) {
            return;
        }
        // Dropped from the view's deallocation, with the GIL held.
        let py = unsafe { Python::assume_attached() };
        let release = self.origin.release.with(py, |r| r.take());
        if let Some(release) = release {
            if let Err(e) = release.call0(py) {
                e.write_unraisable(py, None);
            }
        }
    }
}
