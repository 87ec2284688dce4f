//! Descriptors for data: non-static data members (read through the
//! instance's address plus an offset) and variables (static members and
//! namespace-scope variables, at an address the JIT resolves once).

use std::ffi::c_void;
use std::sync::OnceLock;

use cpplive_core::thunk::{ArgSlot, BitGetFn, BitSetFn, ThunkError};
use cpplive_core::types::{Builtin, RefKind, TypeBase, TypeRef};
use pyo3::exceptions::{PyAttributeError, PyReferenceError, PyTypeError};
use pyo3::ffi;
use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::convert::{Converter, Pass, Rejection, Scratch};
use crate::execute::Executor;
use crate::instance::CppObject;
use crate::runtime::with_backend;
use crate::sync::publish;

enum Place {
    /// Offset from the owning object's address.
    Member { offset: usize, class: Py<PyType> },
    /// A variable: its qualified name, and its address once known.
    Variable { qualified: String, address: OnceLock<usize> },
}

enum Store {
    /// Plain bytes (builtins, enums, pointers).
    Copy(usize),
    /// Copy assignment through a thunk (classes, `std::string`).
    Assign(cpplive_core::thunk::AssignFn),
    /// A pointer to characters (`char*`, `const char*`, `char16_t*`, ...):
    /// a `str` is copied into a buffer the pointer then points at (see
    /// `set_text_pointer`); other values are stored as pointers.
    TextPointer(Builtin),
    /// A character array of known extent: a `str` is copied in.
    TextArray(Builtin, usize),
    /// An array of builtins of known extents (`short[3][5]`): a buffer of
    /// the same items and shape (a NumPy array, `array.array`, a view) is
    /// copied in.
    ArrayCopy(Builtin, Vec<usize>),
    ReadOnly(&'static str),
    Failed(String),
}

struct Accessors {
    read: Executor,
    write: Converter,
    store: Store,
}

/// An `int`/`long`/`double` member of a class: read and written in place,
/// without the general converter and executor, when the object is exactly
/// of that class.
#[derive(Clone, Copy)]
struct Scalar {
    /// The owning class's `PyTypeObject*` (kept alive by `Place::Member`).
    class: usize,
    offset: usize,
    kind: Builtin,
}

/// A bit-field member: read and written through compiled accessors.
struct BitField {
    width: u32,
    class_id: u64,
    accessors: OnceLock<Result<(BitGetFn, BitSetFn), String>>,
}

#[pyclass(frozen, module = "cpplive", name = "DataMember")]
pub struct DataMember {
    name: String,
    ty: TypeRef,
    place: Place,
    scalar: Option<Scalar>,
    bits: Option<BitField>,
    /// Chosen on first use, published whole (see `sync.rs`).
    accessors: OnceLock<Accessors>,
    /// Character buffers that this member (or variable) points at, by the
    /// pointer's address, when no owning proxy keeps them: a variable's, or
    /// a member of an object C++ owns. Replaced when the same pointer is
    /// assigned again; never freed while C++ may still use them otherwise.
    texts: std::sync::Mutex<rustc_hash::FxHashMap<usize, Box<[u64]>>>,
    /// A variable's view (see `MemberView`); a member's is kept by its
    /// object's proxy.
    view: std::sync::Mutex<Option<crate::instance::MemberView>>,
}

impl DataMember {
    pub fn member(name: String, ty: TypeRef, offset: usize, class: Py<PyType>) -> DataMember {
        let in_place = ty.is_plain() && ty.reference == RefKind::None && !ty.base_const;
        let scalar = match &ty.base {
            TypeBase::Builtin(kind @ (Builtin::Int | Builtin::Long | Builtin::LongLong | Builtin::Double)) if in_place => {
                Some(Scalar { class: class.as_ptr() as usize, offset, kind: *kind })
            }
            _ => None,
        };
        DataMember { name, ty, place: Place::Member { offset, class }, scalar, bits: None, accessors: OnceLock::new(), texts: Default::default(), view: Default::default() }
    }

    pub fn bitfield(name: String, ty: TypeRef, width: u32, class: Py<PyType>, class_id: u64) -> DataMember {
        let bits = BitField { width, class_id, accessors: OnceLock::new() };
        DataMember { name, ty, place: Place::Member { offset: 0, class }, scalar: None, bits: Some(bits), accessors: OnceLock::new(), texts: Default::default(), view: Default::default() }
    }

    pub fn variable(name: String, ty: TypeRef, qualified: String) -> DataMember {
        DataMember {
            name,
            ty,
            place: Place::Variable { qualified, address: OnceLock::new() },
            scalar: None,
            bits: None,
            accessors: OnceLock::new(),
            texts: Default::default(),
            view: Default::default(),
        }
    }

    fn accessors(&self, py: Python<'_>) -> &Accessors {
        // Choosing them makes proxy classes (Python code runs, and another
        // thread may choose them meanwhile): the first set made is kept.
        publish(&self.accessors, || {
            // Read as if through a `T&`; write as a `const T&` argument.
            let mut as_reference = self.ty.clone();
            if as_reference.reference == RefKind::None {
                as_reference.reference = RefKind::LValue;
            }
            let mut as_argument = self.ty.clone();
            as_argument.reference = RefKind::None;
            // A const value is refused below; a pointer to const items keeps
            // its const, so that C++ never writes through what it is given.
            if as_argument.is_plain() {
                as_argument.base_const = false;
            }
            let text_unit = self.ty.builtin().filter(|b| crate::execute::is_text_unit(*b));
            let store = if self.ty.reference != RefKind::None {
                Store::ReadOnly("is a reference and cannot be reseated")
            } else if (self.ty.base_const && self.ty.is_plain()) || self.ty.pointers.last() == Some(&true) {
                Store::ReadOnly("is const")
            } else if let (Some(unit), [], [Some(n)]) = (text_unit, self.ty.pointers.as_slice(), self.ty.array.as_slice()) {
                if self.ty.base_const {
                    Store::ReadOnly("is const")
                } else {
                    Store::TextArray(unit, *n)
                }
            } else if let (Some(unit), [_], []) = (text_unit, self.ty.pointers.as_slice(), self.ty.array.as_slice()) {
                Store::TextPointer(unit)
            } else if matches!(self.ty.base, TypeBase::StdString | TypeBase::Named(_)) && self.ty.enum_id().is_none() && self.ty.is_plain() {
                match with_backend(|b| b.assigner(&self.ty).map_err(crate::errors::backend_error)) {
                    Ok(assign) => Store::Assign(assign),
                    Err(e) => Store::Failed(e.to_string()),
                }
            } else if self.ty.is_plain() {
                Store::Copy(self.ty.size.clamp(1, 16))
            } else if !self.ty.pointers.is_empty() {
                Store::Copy(std::mem::size_of::<*mut c_void>())
            } else if let (Some(b), true) = (self.array_item(py), self.ty.array.iter().all(|d| d.is_some())) {
                Store::ArrayCopy(b, self.ty.array.iter().map(|d| d.unwrap_or(0)).collect())
            } else {
                Store::ReadOnly("is an array: assign its elements")
            };
            let mut read = Executor::for_type(py, &as_reference);
            if let Executor::ObjectRef { dynamic, .. } = &mut read {
                // Read as declared (`Base* m` is a `Base`), as cppyy reads
                // members and variables: only results are downcast.
                *dynamic = None;
            }
            Accessors { read, write: Converter::for_type(py, &as_argument), store }
        })
    }

    /// The items of an array of builtins or enums (`std::byte[N]`), as the
    /// builtins they are stored as.
    fn array_item(&self, py: Python<'_>) -> Option<Builtin> {
        if !self.ty.pointers.is_empty() || self.ty.array.is_empty() {
            return None;
        }
        match self.ty.enum_id() {
            Some(id) => crate::registry::enum_underlying(py, id),
            None => self.ty.builtin().filter(|b| *b != Builtin::Void),
        }
    }

    /// `instance` is null for class-level access.
    fn address(&self, py: Python<'_>, instance: *mut ffi::PyObject) -> PyResult<*mut c_void> {
        match &self.place {
            Place::Variable { qualified, address } => {
                if let Some(a) = address.get() {
                    return Ok(*a as *mut c_void);
                }
                // A failure is not kept: the variable may be defined later.
                let getter = with_backend(|b| b.variable_address(qualified).map_err(crate::errors::backend_error))?;
                let a = *publish(address, || unsafe { getter() } as usize);
                Ok(a as *mut c_void)
            }
            Place::Member { offset, class } => {
                if instance.is_null() {
                    return Err(PyAttributeError::new_err(format!("'{}' is a data member: read it from an instance", self.name)));
                }
                let cls = class.as_ptr() as *mut ffi::PyTypeObject;
                if unsafe { ffi::PyType_IsSubtype(ffi::Py_TYPE(instance), cls) } == 0 {
                    return Err(PyTypeError::new_err(format!("data member '{}' read from a foreign object", self.name)));
                }
                let base = unsafe { CppObject::address_of(py, instance, cls) };
                if base.is_null() {
                    return Err(PyReferenceError::new_err("attempt to access a null-pointer C++ object"));
                }
                Ok(unsafe { (base as *mut u8).add(*offset) } as *mut c_void)
            }
        }
    }

    /// Where a scalar member sits in `instance`, when the in-place path
    /// applies: `instance` exactly of the owning class and not null.
    #[inline(always)]
    unsafe fn scalar_at(&self, instance: *mut ffi::PyObject) -> Option<(*mut u8, Builtin)> {
        let scalar = self.scalar.as_ref()?;
        if instance.is_null() || ffi::Py_TYPE(instance) as usize != scalar.class {
            return None;
        }
        let base = crate::instance::state(instance).address();
        (!base.is_null()).then(|| ((base as *mut u8).add(scalar.offset), scalar.kind))
    }

    fn is_variable(&self) -> bool {
        matches!(self.place, Place::Variable { .. })
    }

    pub fn get(&self, py: Python<'_>, instance: *mut ffi::PyObject) -> PyResult<Py<PyAny>> {
        let mut address = self.address(py, instance)?;
        // A reference member's storage holds the address of what it refers
        // to (a reference variable's address already is that).
        if self.ty.reference != RefKind::None && matches!(self.place, Place::Member { .. }) && self.bits.is_none() {
            address = unsafe { *(address as *const *mut c_void) };
            if address.is_null() {
                return Err(PyReferenceError::new_err(format!("reference member '{}' refers to nothing", self.name)));
            }
        }
        if let Some(bits) = &self.bits {
            let (get, _) = self.bit_accessors(bits)?;
            let value = unsafe { get(address) };
            if self.ty.builtin() == Some(Builtin::Bool) {
                return (value != 0).into_py_any(py);
            }
            if let Some(id) = self.ty.enum_id() {
                return Ok(crate::registry::class_for(py, id)?.call1((value,))?.unbind());
            }
            return value.into_py_any(py);
        }
        let read = &self.accessors(py).read;
        let pointer = self.viewed_memory(read, address);
        if let Some(pointer) = pointer {
            let kept = match &self.place {
                Place::Member { .. } => unsafe { crate::instance::state(instance) }.member_view(py, address as usize, pointer),
                Place::Variable { .. } => self.view.lock().unwrap_or_else(|e| e.into_inner()).as_ref().filter(|v| v.pointer == pointer).map(|v| v.view.clone_ref(py)),
            };
            if let Some(view) = kept {
                return Ok(view);
            }
        }
        let slot = ArgSlot { ptr: address };
        let value = unsafe { read.execute(py, &slot as *const ArgSlot as *const c_void) }?;
        // A pointer member given a Python buffer reads with its size.
        if !self.ty.pointers.is_empty() && matches!(self.place, Place::Member { .. }) {
            if let Ok(view) = value.bind(py).cast::<crate::lowlevel::LowLevelView>() {
                let view = view.get();
                if let Some(items) = unsafe { crate::instance::state(instance) }.buffer_items(address as usize, view.pointer().0) {
                    view.know_length(py, items);
                }
            }
        }
        if let Some(pointer) = pointer {
            self.keep_view(instance, address, Some(crate::instance::MemberView { pointer, view: value.clone_ref(py) }));
        }
        Ok(value)
    }

    /// The memory a view of this datum shows (the array itself, or where
    /// the pointer at `address` points), when it reads as a view: the view
    /// is kept while that stays the same, so that its shape (`reshape`,
    /// `size`) lasts from one read to the next, as in cppyy. A reference
    /// member is not kept (what it refers to is not read here).
    fn viewed_memory(&self, read: &Executor, address: *mut c_void) -> Option<usize> {
        if !matches!(read, Executor::View { .. } | Executor::Items { .. }) || self.ty.reference != RefKind::None {
            return None;
        }
        if !self.ty.array.is_empty() {
            return Some(address as usize);
        }
        Some(unsafe { *(address as *const usize) })
    }

    /// Keeps (or, with `None`, forgets) the view this datum reads as.
    fn keep_view(&self, instance: *mut ffi::PyObject, address: *mut c_void, view: Option<crate::instance::MemberView>) {
        match &self.place {
            Place::Member { .. } => unsafe { crate::instance::state(instance) }.keep_member_view(address as usize, view),
            Place::Variable { .. } => {
                let old = std::mem::replace(&mut *self.view.lock().unwrap_or_else(|e| e.into_inner()), view);
                if let Some(old) = old {
                    // Outside pyo3's entry points a dropped `Py` would only
                    // queue its decref.
                    unsafe { ffi::Py_DECREF(old.view.into_ptr()) };
                }
            }
        }
    }

    /// # Safety (by contract) `value` is a live object; `instance` live or null.
    pub fn set(&self, py: Python<'_>, instance: *mut ffi::PyObject, value: *mut ffi::PyObject) -> PyResult<()> {
        if let Some(bits) = &self.bits {
            return self.set_bits(py, bits, instance, value);
        }
        let accessors = self.accessors(py);
        match &accessors.store {
            Store::ReadOnly(why) => return Err(crate::errors::read_only_member(py, format!("'{}' {why}", self.name))),
            Store::Failed(why) => return Err(PyTypeError::new_err(format!("cannot assign '{}': {why}", self.name))),
            Store::TextArray(unit, n) => return self.set_text_array(py, instance, value, *unit, *n),
            Store::ArrayCopy(b, extents) => return self.set_array(py, instance, value, *b, extents),
            Store::TextPointer(unit) => {
                if let Some(units) = unsafe { text_units(py, value, *unit) } {
                    return self.set_text_pointer(py, instance, units?);
                }
            }
            _ => {}
        }
        let address = self.address(py, instance)?;
        // What the old value read as no longer shows this member.
        if self.viewed_memory(&accessors.read, address).is_some() {
            self.keep_view(instance, address, None);
        }
        let mut slot = ArgSlot::default();
        let mut scratch = Scratch::default();
        let source = unsafe { accessors.write.convert(py, value, &mut slot, Pass::Implicit, &mut scratch) }
            .map_err(|why| self.rejected(unsafe { &Bound::from_borrowed_ptr(py, value) }, why))?;
        match &accessors.store {
            Store::Copy(size) => {
                unsafe { store_bytes(source, address, *size) };
                if let Converter::BufferPointer(pointee) = &accessors.write {
                    unsafe { self.keep_pointed_buffer(py, instance, address, value, pointee) };
                }
            }
            Store::TextPointer(_) => unsafe { store_bytes(source, address, std::mem::size_of::<*mut c_void>()) },
            Store::Assign(assign) => {
                let mut err = ThunkError::default();
                let rc = unsafe { assign(address, source, &mut err) };
                if rc != 0 {
                    return Err(crate::overload::thunk_error(py, &mut err, rc));
                }
            }
            Store::ReadOnly(_) | Store::Failed(_) | Store::TextArray(..) | Store::ArrayCopy(..) => {}
        }
        Ok(())
    }

    /// Copies a `str` into a character array: the rest of the array is
    /// zeroed; a longer text is cut to fit, with a `RuntimeWarning`.
    fn set_text_array(&self, py: Python<'_>, instance: *mut ffi::PyObject, value: *mut ffi::PyObject, unit: Builtin, n: usize) -> PyResult<()> {
        let Some(units) = (unsafe { text_units(py, value, unit) }) else {
            let got = unsafe { Bound::from_borrowed_ptr(py, value) }.get_type().name().map(|n| n.to_string()).unwrap_or_default();
            let ty = cpplive_core::typename::readable(&self.ty.spelling);
            return Err(PyTypeError::new_err(format!("cannot assign a '{got}' to '{}' of type '{ty}': assign a str", self.name)));
        };
        let units = units?;
        let size = unit.size();
        let count = units.len() / size;
        if count > n {
            PyErr::warn(py, &py.get_type::<pyo3::exceptions::PyRuntimeWarning>(), c"string too long for char array (truncated)", 1)?;
        }
        let address = self.address(py, instance)? as *mut u8;
        let used = count.min(n) * size;
        unsafe {
            std::ptr::copy_nonoverlapping(units.as_ptr(), address, used);
            std::ptr::write_bytes(address.add(used), 0, n * size - used);
        }
        Ok(())
    }

    /// After a pointer member of a proxy was pointed into a Python
    /// buffer: keeps the buffer with the proxy (C++ has only the address),
    /// with its number of items, which later reads of the member give as
    /// the view's size (as cppyy does).
    unsafe fn keep_pointed_buffer(&self, py: Python<'_>, instance: *mut ffi::PyObject, address: *mut c_void, value: *mut ffi::PyObject, pointee: &crate::buffer::Pointee) {
        if !matches!(self.place, Place::Member { .. }) || instance.is_null() || ffi::PyObject_CheckBuffer(value) == 0 {
            return;
        }
        let pointer = *(address as *const usize);
        if pointer == 0 {
            return;
        }
        let mut view: ffi::Py_buffer = std::mem::zeroed();
        let items = if ffi::PyObject_GetBuffer(value, &mut view, ffi::PyBUF_SIMPLE) == 0 {
            let start = view.buf as usize;
            let end = start + view.len as usize;
            ffi::PyBuffer_Release(&mut view);
            let size = match pointee.element {
                crate::buffer::Element::Builtin(b) => b.size(),
                crate::buffer::Element::Pointer(_) => std::mem::size_of::<usize>(),
                _ => 0,
            };
            (size > 0 && pointer >= start && pointer <= end).then(|| (end - pointer) / size)
        } else {
            ffi::PyErr_Clear();
            None
        };
        let kept = crate::instance::KeptBuffer { object: Py::from_borrowed_ptr(py, value), pointer, items };
        crate::instance::state(instance).keep_buffer(address as usize, kept);
    }

    /// Copies a buffer into an array of builtins. The shape must be the
    /// array's (a one-dimensional array also takes fewer items, and keeps
    /// the rest); anything else is a `ValueError`, as in cppyy.
    fn set_array(&self, py: Python<'_>, instance: *mut ffi::PyObject, value: *mut ffi::PyObject, b: Builtin, extents: &[usize]) -> PyResult<()> {
        let mut scratch = Scratch::default();
        let (data, given) = unsafe { crate::buffer::items_to_copy(py, value, b, &mut scratch) }
            .map_err(|why| self.rejected(unsafe { &Bound::from_borrowed_ptr(py, value) }, why))?;
        let fits = if extents.len() == 1 { given.iter().product::<usize>() <= extents[0] } else { given == extents };
        if !fits {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "cannot copy items of shape {given:?} into '{}', an array of shape {extents:?}",
                self.name
            )));
        }
        let address = self.address(py, instance)? as *mut u8;
        let bytes = given.iter().product::<usize>() * b.size();
        unsafe { std::ptr::copy(data, address, bytes) };
        Ok(())
    }

    /// Points a character pointer at a NUL-terminated copy of a `str`. The
    /// copy is C++'s to read and write; it lives as long as the object when
    /// Python owns the object (kept by its proxy), else until this member
    /// of the same object (or this variable) is assigned again.
    fn set_text_pointer(&self, py: Python<'_>, instance: *mut ffi::PyObject, units: Vec<u8>) -> PyResult<()> {
        let address = self.address(py, instance)?;
        let words = units.len() / 8 + 1;
        let mut buffer = vec![0u64; words].into_boxed_slice();
        unsafe { std::ptr::copy_nonoverlapping(units.as_ptr(), buffer.as_mut_ptr() as *mut u8, units.len()) };
        let text = buffer.as_ptr() as *mut c_void;
        // A variable's `instance` is its namespace or class, not a proxy.
        let member = matches!(self.place, Place::Member { .. }) && !instance.is_null();
        let owner = member.then(|| unsafe { crate::instance::state(instance) }).filter(|s| s.owns());
        match owner {
            Some(state) => state.keep_text(address as usize, buffer),
            None => {
                let old = self.texts.lock().unwrap_or_else(|e| e.into_inner()).insert(address as usize, buffer);
                drop(old);
            }
        }
        unsafe { *(address as *mut *mut c_void) = text };
        Ok(())
    }

    fn bit_accessors(&self, bits: &BitField) -> PyResult<(BitGetFn, BitSetFn)> {
        let made = publish(&bits.accessors, || {
            with_backend(|b| b.bitfield(cpplive_core::ScopeId(bits.class_id), &self.name).map_err(crate::errors::backend_error)).map_err(|e| e.to_string())
        });
        made.clone().map_err(|why| PyTypeError::new_err(format!("bit-field '{}': {why}", self.name)))
    }

    /// Writes a bit-field: an integer (or bool, or enum value) that fits
    /// its width; C++ would silently cut it.
    fn set_bits(&self, py: Python<'_>, bits: &BitField, instance: *mut ffi::PyObject, value: *mut ffi::PyObject) -> PyResult<()> {
        if self.ty.base_const {
            return Err(PyAttributeError::new_err(format!("'{}' is const", self.name)));
        }
        let value = unsafe { Bound::from_borrowed_ptr(py, value) };
        if !value.is_instance_of::<pyo3::types::PyInt>() {
            return Err(PyTypeError::new_err(format!("cannot assign a '{}' to bit-field '{}'", value.get_type().name()?, self.name)));
        }
        let number: i64 = value.extract().map_err(|_| pyo3::exceptions::PyOverflowError::new_err(format!("value out of range for bit-field '{}'", self.name)))?;
        let signed = self.ty.builtin().is_some_and(|b| b.is_signed());
        let width = bits.width.min(63);
        let (low, high) = if signed { (-(1i64 << (width - 1)), (1i64 << (width - 1)) - 1) } else { (0, (1i64 << width) - 1) };
        if number < low || number > high {
            return Err(pyo3::exceptions::PyOverflowError::new_err(format!(
                "value {number} does not fit bit-field '{}' ({} bits)",
                self.name, bits.width
            )));
        }
        let address = self.address(py, instance)?;
        let (_, set) = self.bit_accessors(bits)?;
        unsafe { set(address, number) };
        Ok(())
    }

    #[cold]
    fn rejected(&self, value: &Bound<'_, PyAny>, why: Rejection) -> PyErr {
        let got = value.get_type().name().map(|n| n.to_string()).unwrap_or_default();
        if let Some(text) = why.explain_pointer(&self.ty, &got) {
            return PyTypeError::new_err(format!("cannot assign '{}': {text}", self.name));
        }
        let ty = cpplive_core::typename::readable(&self.ty.spelling);
        match why {
            Rejection::OutOfRange => crate::errors::out_of_range(format!("value out of range for '{}' ({ty})", self.name)),
            Rejection::Unsupported(text) => pyo3::exceptions::PyNotImplementedError::new_err(format!("cannot assign '{}': {text}", self.name)),
            _ => PyTypeError::new_err(format!("cannot assign a '{got}' to '{}' of type '{ty}'", self.name)),
        }
    }
}

/// The characters of `value` as `unit`s in native byte order (no NUL
/// added): a `str` encoded as UTF-8, UTF-16 or UTF-32, or for `char` the
/// bytes of a `bytes` object. `None` for other objects.
///
/// # Safety
/// `value` is a live object; the GIL is held.
unsafe fn text_units(py: Python<'_>, value: *mut ffi::PyObject, unit: Builtin) -> Option<PyResult<Vec<u8>>> {
    let value = Bound::from_borrowed_ptr(py, value);
    if unit == Builtin::Char {
        if let Ok(bytes) = value.cast::<pyo3::types::PyBytes>() {
            return Some(Ok(bytes.as_bytes().to_vec()));
        }
    }
    let text = value.cast::<pyo3::types::PyString>().ok()?;
    let text = match text.to_str() {
        Ok(t) => t,
        Err(e) => return Some(Err(e)),
    };
    Some(Ok(match unit {
        Builtin::Char16 => text.encode_utf16().flat_map(u16::to_ne_bytes).collect(),
        Builtin::Char32 | Builtin::WChar => text.chars().flat_map(|c| (c as u32).to_ne_bytes()).collect(),
        _ => text.as_bytes().to_vec(),
    }))
}

/// Copies a scalar of `size` bytes (sizes are few: typed moves, no memcpy call).
unsafe fn store_bytes(source: *const c_void, target: *mut c_void, size: usize) {
    match size {
        1 => *(target as *mut u8) = *(source as *const u8),
        2 => std::ptr::write_unaligned(target as *mut u16, *(source as *const u16)),
        4 => std::ptr::write_unaligned(target as *mut u32, *(source as *const u32)),
        8 => std::ptr::write_unaligned(target as *mut u64, *(source as *const u64)),
        n => std::ptr::copy_nonoverlapping(source as *const u8, target as *mut u8, n),
    }
}

/// `tp_descr_get`, set directly on the type (see `install`): pyo3's
/// `__get__` trampoline costs more than the member read itself.
unsafe extern "C" fn descr_get(descr: *mut ffi::PyObject, obj: *mut ffi::PyObject, owner: *mut ffi::PyObject) -> *mut ffi::PyObject {
    let py = Python::assume_attached();
    let this: Borrowed<'_, '_, DataMember> = Borrowed::from_ptr(py, descr).cast_unchecked();
    if let Some((at, kind)) = this.get().scalar_at(obj) {
        return match kind {
            Builtin::Int => ffi::PyLong_FromLong(*(at as *const i32) as std::ffi::c_long),
            Builtin::Double => ffi::PyFloat_FromDouble(*(at as *const f64)),
            _ => ffi::PyLong_FromLongLong(*(at as *const i64)),
        };
    }
    descr_get_general(descr, obj, owner)
}

#[cold]
#[inline(never)]
unsafe fn descr_get_general(descr: *mut ffi::PyObject, obj: *mut ffi::PyObject, _owner: *mut ffi::PyObject) -> *mut ffi::PyObject {
    let py = Python::assume_attached();
    let this: Borrowed<'_, '_, DataMember> = Borrowed::from_ptr(py, descr).cast_unchecked();
    let this = this.get();
    let instance = if obj == ffi::Py_None() { std::ptr::null_mut() } else { obj };
    if instance.is_null() && !this.is_variable() {
        // A member of each object, not of the class: as in cppyy,
        // `hasattr(cls, "m")` is false (the class's `__dict__` has it).
        let owner = match &this.place {
            Place::Member { class, .. } => class.bind(py).name().map(|n| n.to_string()).unwrap_or_default(),
            Place::Variable { .. } => String::new(),
        };
        PyAttributeError::new_err(format!("'{}' is a data member of each '{owner}' object: read it from an instance", this.name)).restore(py);
        return std::ptr::null_mut();
    }
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| this.get(py, instance))) {
        Ok(Ok(value)) => value.into_ptr(),
        Ok(Err(err)) => {
            err.restore(py);
            std::ptr::null_mut()
        }
        Err(_) => {
            pyo3::exceptions::PyRuntimeError::new_err("internal error in cpplive (panic) reading a data member").restore(py);
            std::ptr::null_mut()
        }
    }
}

/// `tp_descr_set` (and delete, with a null `value`).
unsafe extern "C" fn descr_set(descr: *mut ffi::PyObject, obj: *mut ffi::PyObject, value: *mut ffi::PyObject) -> std::ffi::c_int {
    let py = Python::assume_attached();
    let this: Borrowed<'_, '_, DataMember> = Borrowed::from_ptr(py, descr).cast_unchecked();
    if !value.is_null() {
        if let Some((at, kind)) = this.get().scalar_at(obj) {
            match kind {
                Builtin::Int if ffi::PyLong_CheckExact(value) != 0 => {
                    if let Some(v) = crate::smallint::compact_value(value) {
                        // One digit is 30 bits: always within `int`.
                        *(at as *mut i32) = v as i32;
                        return 0;
                    }
                }
                Builtin::Long | Builtin::LongLong if ffi::PyLong_CheckExact(value) != 0 => {
                    if let Some(v) = crate::smallint::compact_value(value) {
                        *(at as *mut i64) = v;
                        return 0;
                    }
                }
                Builtin::Double if ffi::PyFloat_CheckExact(value) != 0 => {
                    *(at as *mut f64) = ffi::PyFloat_AS_DOUBLE(value);
                    return 0;
                }
                // Anything else (other types, large values) takes the
                // general path, which converts or explains.
                _ => {}
            }
        }
    }
    descr_set_general(descr, obj, value)
}

#[cold]
#[inline(never)]
unsafe fn descr_set_general(descr: *mut ffi::PyObject, obj: *mut ffi::PyObject, value: *mut ffi::PyObject) -> std::ffi::c_int {
    let py = Python::assume_attached();
    let this: Borrowed<'_, '_, DataMember> = Borrowed::from_ptr(py, descr).cast_unchecked();
    let this = this.get();
    if value.is_null() {
        PyAttributeError::new_err(format!("cannot delete C++ data member '{}'", this.name)).restore(py);
        return -1;
    }
    let instance = if obj == ffi::Py_None() { std::ptr::null_mut() } else { obj };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| this.set(py, instance, value))) {
        Ok(Ok(())) => 0,
        Ok(Err(err)) => {
            err.restore(py);
            -1
        }
        Err(_) => {
            pyo3::exceptions::PyRuntimeError::new_err("internal error in cpplive (panic) writing a data member").restore(py);
            -1
        }
    }
}

pub fn install(py: Python<'_>) {
    use pyo3::PyTypeInfo;
    unsafe {
        let tp = DataMember::type_object(py).as_type_ptr();
        (*tp).tp_descr_get = Some(descr_get);
        (*tp).tp_descr_set = Some(descr_set);
        // The slots set here have no `__get__`/`__set__` in the type's dict
        // (PyType_Ready adds those for slots it sees): code that calls the
        // descriptor protocol by name finds the methods below under them.
        let dict = (*tp).tp_dict;
        if !dict.is_null() {
            for (from, to) in [(c"_descriptor_get", c"__get__"), (c"_descriptor_set", c"__set__")] {
                let method = ffi::PyDict_GetItemString(dict, from.as_ptr());
                if !method.is_null() {
                    ffi::PyDict_SetItemString(dict, to.as_ptr(), method);
                }
            }
        }
        ffi::PyType_Modified(tp);
    }
}

#[pymethods]
impl DataMember {
    /// The value, read from `instance` (or the variable itself).
    #[pyo3(signature = (instance=None))]
    fn _get(&self, py: Python<'_>, instance: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        self.get(py, instance.filter(|i| !i.is_none()).map_or(std::ptr::null_mut(), |i| i.as_ptr()))
    }

    /// Writes `value` into `instance` (or the variable itself).
    fn _set(&self, py: Python<'_>, instance: Option<&Bound<'_, PyAny>>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.set(py, instance.filter(|i| !i.is_none()).map_or(std::ptr::null_mut(), |i| i.as_ptr()), value.as_ptr())
    }

    /// `__get__`, as the descriptor protocol calls it (see `install`).
    #[pyo3(signature = (instance, _owner=None))]
    fn _descriptor_get(slf: &Bound<'_, Self>, instance: &Bound<'_, PyAny>, _owner: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let this = slf.get();
        // A variable ignores the instance (cppyy's code passes the
        // descriptor itself); a member read without one is the descriptor.
        if this.is_variable() {
            return this.get(py, std::ptr::null_mut());
        }
        if instance.is_none() {
            return Ok(slf.clone().into_any().unbind());
        }
        this.get(py, instance.as_ptr())
    }

    /// `__set__`, as the descriptor protocol calls it (see `install`).
    fn _descriptor_set(&self, py: Python<'_>, instance: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let target = if self.is_variable() || instance.is_none() { std::ptr::null_mut() } else { instance.as_ptr() };
        self.set(py, target, value.as_ptr())
    }

    #[getter]
    fn __doc__(&self) -> String {
        format!("{} {}", cpplive_core::typename::readable(&self.ty.spelling), self.name)
    }
}
