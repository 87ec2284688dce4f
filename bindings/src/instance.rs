//! The base of every C++ class proxy: an object's address, whether Python
//! owns it, and how to destroy it. One live Python object per (address,
//! class), so identity holds for references handed back by C++.

use rustc_hash::FxHashMap;
use std::ffi::{c_void, CStr};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use std::sync::OnceLock;

use cpplive_core::thunk::DeleterFn;
use pyo3::exceptions::{PyException, PyReferenceError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyTuple, PyType};

use crate::registry;
use crate::sync::GilCell;

/// What every proxy holds. It sits in one of two root types: `CppObject`
/// for ordinary classes and `CppExceptionObject` (a Python exception) for
/// classes derived from `std::exception`, so that those can be raised and
/// caught; `state` finds it in either.
pub struct ProxyState {
    address: AtomicPtr<c_void>,
    owns: AtomicBool,
    /// Marked by `std.move(obj)`: the object may bind to one `T&&`
    /// parameter (the mark is used up by that conversion, as an rvalue
    /// expression is used once).
    rvalue: AtomicBool,
    /// `DeleterFn` as an integer, 0 when unknown.
    deleter: AtomicUsize,
    /// The Python class under which this object is registered, 0 if none.
    registered_as: AtomicUsize,
    /// The smart pointer proxy this object was reached through (it owns the
    /// object; see `wrap_held`).
    holder: OnceLock<Py<PyAny>>,
    /// Character buffers that `char*` members of this object point at
    /// (assigned a `str`), by member address: they live as long as the
    /// object, which this proxy owns (see `datamember.rs`).
    texts: OnceLock<Box<std::sync::Mutex<FxHashMap<usize, Box<[u64]>>>>>,
    /// Python objects whose memory pointer members of this object point at
    /// (assigned a buffer), by member address, with the pointer and the
    /// number of items: C++ keeps only the address, so the memory is kept
    /// here for as long as this proxy (see `datamember.rs`).
    buffers: OnceLock<Box<std::sync::Mutex<FxHashMap<usize, KeptBuffer>>>>,
    /// Views that pointer and array members of this object read as, by
    /// member address, with the pointer each was made for (see
    /// `datamember.rs`, `MemberView`).
    views: OnceLock<Box<std::sync::Mutex<FxHashMap<usize, MemberView>>>>,
    /// The object a method returning this one was called on, kept alive
    /// while this one is (see `keep_alive`).
    lifeline: OnceLock<Py<PyAny>>,
    /// For a proxy reached through a smart pointer: the address it is
    /// entered under in `HELD` (0 if none).
    held_at: AtomicUsize,
    /// Reached through a `T*` read in place (a data member, a variable,
    /// an item of a view of `T*`): the pointer may be to the first of an
    /// array, so `obj[i]` is the i-th object, as in cppyy.
    array: AtomicBool,
    /// Python buffers a constructor was given for pointer parameters: the
    /// object may keep those pointers (an aggregate's members do), so the
    /// memory lives as long as this proxy.
    kept: OnceLock<Box<std::sync::Mutex<Vec<Py<PyAny>>>>>,
}

#[pyclass(subclass, frozen, module = "cpplive", name = "CppObject")]
pub struct CppObject {
    state: ProxyState,
}

#[pyclass(subclass, frozen, extends = PyException, module = "cpplive", name = "CppExceptionObject")]
pub struct CppExceptionObject {
    state: ProxyState,
}

/// Where `ProxyState` sits in a `CppObject` and in a `CppExceptionObject`
/// (measured on probe instances at start-up).
static OBJECT_OFFSET: AtomicUsize = AtomicUsize::new(0);
static EXCEPTION_OFFSET: AtomicUsize = AtomicUsize::new(0);

/// The state of proxy `obj`.
///
/// # Safety
/// `obj` is an instance of `CppObject`, `CppExceptionObject` or a subclass.
#[inline(always)]
pub unsafe fn state<'a>(obj: *mut ffi::PyObject) -> &'a ProxyState {
    let is_exception = (*ffi::Py_TYPE(obj)).tp_flags & ffi::Py_TPFLAGS_BASE_EXC_SUBCLASS != 0;
    let offset = if is_exception { EXCEPTION_OFFSET.load(Ordering::Relaxed) } else { OBJECT_OFFSET.load(Ordering::Relaxed) };
    &*((obj as *const u8).add(offset) as *const ProxyState)
}

/// Whether `cls` is a proxy class (of either root).
///
/// # Safety
/// The GIL is held.
pub unsafe fn is_proxy_type(cls: &Bound<'_, PyType>) -> bool {
    use pyo3::PyTypeInfo;
    let py = cls.py();
    let tp = cls.as_ptr() as *mut ffi::PyTypeObject;
    ffi::PyType_IsSubtype(tp, CppObject::type_object_raw(py)) != 0 || ffi::PyType_IsSubtype(tp, CppExceptionObject::type_object_raw(py)) != 0
}

/// Whether `obj` is a C++ proxy (of either root).
///
/// # Safety
/// `obj` is a live object; the GIL is held.
pub unsafe fn is_proxy(py: Python<'_>, obj: *mut ffi::PyObject) -> bool {
    use pyo3::PyTypeInfo;
    let tp = ffi::Py_TYPE(obj);
    ffi::PyType_IsSubtype(tp, CppObject::type_object_raw(py)) != 0 || ffi::PyType_IsSubtype(tp, CppExceptionObject::type_object_raw(py)) != 0
}

/// `tp_new` of `CppObject`: allocation and an empty state, without pyo3's
/// argument parsing (proxies are filled in by their constructors).
unsafe extern "C" fn object_new(subtype: *mut ffi::PyTypeObject, _args: *mut ffi::PyObject, _kwargs: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // What object.__new__ checks: a Python subclass made with abc.ABCMeta
    // (through cpplive.multi) that leaves abstract methods undefined.
    if (*subtype).tp_flags & ffi::Py_TPFLAGS_IS_ABSTRACT != 0 {
        ffi::PyErr_Format(ffi::PyExc_TypeError, c"Can't instantiate abstract class %s".as_ptr(), (*subtype).tp_name);
        return std::ptr::null_mut();
    }
    let alloc = (*subtype).tp_alloc.unwrap_or(ffi::PyType_GenericAlloc);
    let obj = alloc(subtype, 0);
    if !obj.is_null() {
        std::ptr::write((obj as *mut u8).add(OBJECT_OFFSET.load(Ordering::Relaxed)) as *mut ProxyState, ProxyState::null());
    }
    obj
}

/// `tp_dealloc` of `CppObject`: what pyo3's does for a class over `object`
/// (drop the contents, `tp_free`, then release the reference each
/// instance holds on its heap type: Python's `subtype_dealloc` leaves that
/// to a base that is itself a heap type, as `CppObject` is), without its
/// trampoline, whose thread-local bookkeeping showed in every construct
/// and destroy.
unsafe extern "C" fn object_dealloc(obj: *mut ffi::PyObject) {
    let tp = ffi::Py_TYPE(obj);
    std::ptr::drop_in_place((obj as *mut u8).add(OBJECT_OFFSET.load(Ordering::Relaxed)) as *mut ProxyState);
    let free = (*tp).tp_free.expect("proxy types have tp_free");
    free(obj as *mut c_void);
    if (*tp).tp_flags & ffi::Py_TPFLAGS_HEAPTYPE != 0 {
        ffi::Py_DECREF(tp as *mut ffi::PyObject);
    }
}

/// Gives proxy class `cls`, when it has no `__getitem__`, the indexing of
/// `object_subscript`: in the mapping slot only, with no `__getitem__` in
/// its dict, which would make every proxy look like a sequence to
/// `iter()` (CPython fills `sq_item` from one). A `__getitem__` the class
/// gets later (a pythonization) replaces it, as Python's slot updates do.
pub fn give_array_indexing(cls: &Bound<'_, PyType>) {
    let tp = cls.as_ptr() as *mut ffi::PyTypeObject;
    unsafe {
        let mapping = (*tp).tp_as_mapping;
        if !mapping.is_null() && (*mapping).mp_subscript.is_none() && ((*tp).tp_as_sequence.is_null() || (*(*tp).tp_as_sequence).sq_item.is_none()) {
            (*mapping).mp_subscript = Some(object_subscript);
        }
    }
}

/// `obj[i]` for a proxy whose class has no `operator[]`: the i-th object
/// of the array that a proxy reached through a `T*` member, variable or
/// view item may be the first of (see `ProxyState::array`), as a proxy
/// that keeps `obj` alive; for any other proxy, Python's `TypeError`.
unsafe extern "C" fn object_subscript(obj: *mut ffi::PyObject, key: *mut ffi::PyObject) -> *mut ffi::PyObject {
    let py = Python::assume_attached();
    let tp = ffi::Py_TYPE(obj);
    let name = || CStr::from_ptr((*tp).tp_name).to_string_lossy().rsplit('.').next().unwrap_or_default().to_string();
    let result = (|| -> PyResult<Py<PyAny>> {
        let this = state(obj);
        if !this.array.load(Ordering::Relaxed) {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!("'{}' object is not subscriptable", name())));
        }
        let index = Bound::from_borrowed_ptr(py, key).extract::<isize>()?;
        if index < 0 {
            return Err(pyo3::exceptions::PyIndexError::new_err("the size of this C++ array is unknown: index it from 0"));
        }
        let address = this.address();
        if address.is_null() {
            return Err(PyReferenceError::new_err("attempt to access a null-pointer C++ object"));
        }
        let id = crate::registry::scope_of_type(py, tp).ok_or_else(|| pyo3::exceptions::PyTypeError::new_err(format!("'{}' object is not subscriptable", name())))?;
        let size = crate::runtime::with_backend(|b| Ok(b.scope(cpplive_core::ScopeId(id)).map(|s| s.size).unwrap_or(0)))?;
        if size == 0 {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!("the size of '{}' is unknown", name())));
        }
        let cls = Bound::from_borrowed_ptr(py, tp as *mut ffi::PyObject).cast_into_unchecked::<PyType>();
        let element = CppObject::wrap(py, &cls, (address as *mut u8).add(index as usize * size) as *mut c_void, None)?;
        if element.as_ptr() != obj {
            state(element.as_ptr()).keep_alive(Py::from_borrowed_ptr(py, obj));
        }
        Ok(element)
    })();
    match result {
        Ok(element) => element.into_ptr(),
        Err(e) => {
            e.restore(py);
            std::ptr::null_mut()
        }
    }
}

/// Bytes from the start of `object` to its `state`.
fn offset_in(object: *mut ffi::PyObject, state: &ProxyState) -> usize {
    state as *const ProxyState as usize - object as usize
}

/// Measures where the state sits in each root type, and gives `CppObject`
/// its direct allocation slots.
pub fn install(py: Python<'_>) -> PyResult<()> {
    use pyo3::PyTypeInfo;
    let object = Bound::new(py, CppObject { state: ProxyState::null() })?;
    OBJECT_OFFSET.store(offset_in(object.as_ptr(), &object.get().state), Ordering::Relaxed);
    unsafe {
        let tp = CppObject::type_object_raw(py);
        (*tp).tp_new = Some(object_new);
        (*tp).tp_dealloc = Some(object_dealloc);
        ffi::PyType_Modified(tp);
    }
    let exception = Bound::new(py, CppExceptionObject { state: ProxyState::null() })?;
    EXCEPTION_OFFSET.store(offset_in(exception.as_ptr(), &exception.get().state), Ordering::Relaxed);
    Ok(())
}

/// (address, Python class) → the live proxy (a borrowed pointer, removed
/// when the proxy dies).
static IDENTITY: GilCell<Option<FxHashMap<(usize, usize), usize>>> = GilCell::new(None);

/// (object address, smart pointer proxy) → (state, proxy) of the live proxy
/// of the object reached through that smart pointer proxy: a smart pointer
/// returned by reference twice (`const std::unique_ptr<T>& get()`) is one
/// holder proxy, and gives one object proxy. Apart from `IDENTITY` (see
/// `wrap_held`).
static HELD: GilCell<Option<FxHashMap<(usize, usize), (usize, usize)>>> = GilCell::new(None);

fn held<R>(py: Python<'_>, f: impl FnOnce(&mut FxHashMap<(usize, usize), (usize, usize)>) -> R) -> R {
    HELD.with(py, |table| f(table.get_or_insert_with(FxHashMap::default)))
}

/// Runs `f` on the identity table (no Python code inside; see `GilCell`).
#[inline(always)]
fn identity<R>(py: Python<'_>, f: impl FnOnce(&mut FxHashMap<(usize, usize), usize>) -> R) -> R {
    IDENTITY.with(py, |table| f(table.get_or_insert_with(FxHashMap::default)))
}

/// Enters `obj` as the proxy for `key`, unless one is already there: then
/// that one is returned.
#[inline(always)]
fn claim(py: Python<'_>, key: (usize, usize), obj: *mut ffi::PyObject) -> Option<usize> {
    identity(py, |table| match table.entry(key) {
        std::collections::hash_map::Entry::Vacant(slot) => {
            slot.insert(obj as usize);
            None
        }
        std::collections::hash_map::Entry::Occupied(found) => Some(*found.get()),
    })
}

/// The Python methods of both root types.
macro_rules! proxy_methods {
    ($root:ident) => {
        #[pymethods]
        impl $root {
            #[new]
            #[pyo3(signature = (*_args, **_kwargs))]
            fn py_new(_args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyAny>>) -> Self {
                $root { state: ProxyState::null() }
            }

            /// True also for an object held by a smart pointer that Python
            /// owns: this proxy's reference is what keeps it alive.
            #[getter]
            fn __python_owns__(&self) -> bool {
                self.state.owns.load(Ordering::Relaxed)
                    || self.state.holder().is_some_and(|h| unsafe { is_proxy(Python::assume_attached(), h.as_ptr()) && state(h.as_ptr()).owns() })
            }

            /// Taking ownership also needs the class's deleter.
            #[setter(__python_owns__)]
            fn set_python_owns(slf: &Bound<'_, Self>, value: bool) -> PyResult<()> {
                let this = &slf.get().state;
                if value && this.deleter.load(Ordering::Relaxed) == 0 {
                    let tp = slf.get_type().as_ptr() as *mut ffi::PyTypeObject;
                    let id = registry::scope_of_type(slf.py(), tp)
                        .ok_or_else(|| pyo3::exceptions::PyTypeError::new_err("not a C++ class proxy"))?;
                    let deleter = crate::runtime::with_backend(|b| b.deleter(cpplive_core::ScopeId(id)).map_err(crate::errors::backend_error))?;
                    this.deleter.store(deleter as usize, Ordering::Relaxed);
                }
                this.owns.store(value, Ordering::Relaxed);
                Ok(())
            }

            fn __bool__(&self) -> bool {
                !self.state.address().is_null()
            }

            fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
                let cls = slf.get_type();
                let address = slf.get().state.address() as usize;
                // By module and name, as cppyy names them (`cppyy.gbl.ns.Outer.Inner`);
                // a Python class deriving from a proxy is named as Python
                // names it (not by the C++ class it stands on).
                let own = cls.getattr(pyo3::intern!(slf.py(), "__dict__")).and_then(|d| d.get_item("__cpp_name__")).is_ok();
                let module = cls.module().map(|m| m.to_string()).unwrap_or_default();
                let name = if own { cls.name() } else { cls.qualname() }.map(|n| n.to_string()).unwrap_or_default();
                Ok(format!("<{module}.{name} object at 0x{address:x}>"))
            }

            /// The smart pointer (`std::shared_ptr`, `std::unique_ptr`) this
            /// object was returned through, or None.
            fn __smartptr__(&self, py: Python<'_>) -> Option<Py<PyAny>> {
                self.state.holder.get().map(|h| h.clone_ref(py))
            }

            /// Releases the C++ object now, if Python owns it.
            fn __destruct__(&self) {
                self.state.destroy();
            }
        }
    };
}

proxy_methods!(CppObject);
proxy_methods!(CppExceptionObject);

impl ProxyState {
    fn null() -> ProxyState {
        ProxyState {
            address: AtomicPtr::new(std::ptr::null_mut()),
            owns: AtomicBool::new(false),
            rvalue: AtomicBool::new(false),
            deleter: AtomicUsize::new(0),
            registered_as: AtomicUsize::new(0),
            holder: OnceLock::new(),
            texts: OnceLock::new(),
            buffers: OnceLock::new(),
            views: OnceLock::new(),
            lifeline: OnceLock::new(),
            held_at: AtomicUsize::new(0),
            array: AtomicBool::new(false),
            kept: OnceLock::new(),
        }
    }

    /// Where the object's address is kept: passed for a `T**` argument, so
    /// that C++ can point the proxy elsewhere (see `repointed`).
    pub fn address_slot(&self) -> *mut *mut c_void {
        self.address.as_ptr()
    }

    /// After a call that may have written through `address_slot`: if the
    /// proxy `obj` now points elsewhere, it no longer owns anything (what it
    /// owned is left alone: C++ may have kept it) and is registered under
    /// its new address.
    pub fn repointed(&self, py: Python<'_>, obj: *mut ffi::PyObject, old: *mut c_void) {
        let new = self.address();
        if new == old {
            return;
        }
        self.owns.store(false, Ordering::Relaxed);
        let class = self.registered_as.load(Ordering::Relaxed);
        if class != 0 {
            self.registered_as.store(0, Ordering::Relaxed);
            identity(py, |table| {
                if table.get(&(old as usize, class)) == Some(&(obj as usize)) {
                    table.remove(&(old as usize, class));
                }
            });
        }
        self.register(py, obj);
    }

    /// Marks the object as an rvalue (`std.move(obj)`).
    pub fn mark_rvalue(&self) {
        self.rvalue.store(true, Ordering::Relaxed);
    }

    /// Whether the object was marked as an rvalue; the mark is used up.
    pub fn take_rvalue(&self) -> bool {
        let marked = self.rvalue.load(Ordering::Relaxed);
        if marked {
            self.rvalue.store(false, Ordering::Relaxed);
        }
        marked
    }

    /// Whether Python owns the object (its proxy destroys it).
    pub fn owns(&self) -> bool {
        self.owns.load(Ordering::Relaxed)
    }

    /// Keeps `buffer`, which the member at `slot` now points at, for as
    /// long as this proxy; the buffer it replaces is released.
    pub fn keep_text(&self, slot: usize, buffer: Box<[u64]>) {
        let texts = self.texts.get_or_init(Default::default);
        let old = texts.lock().unwrap_or_else(|e| e.into_inner()).insert(slot, buffer);
        drop(old);
    }

    /// Keeps `object`, whose memory the pointer member at `slot` now
    /// points at (`pointer`, `items` of them when known), for as long as
    /// this proxy; the one it replaces is released.
    pub fn keep_buffer(&self, slot: usize, kept: KeptBuffer) {
        let buffers = self.buffers.get_or_init(Default::default);
        let old = buffers.lock().unwrap_or_else(|e| e.into_inner()).insert(slot, kept);
        if let Some(old) = old {
            // Outside pyo3's entry points a dropped `Py` would only queue
            // its decref.
            unsafe { ffi::Py_DECREF(old.object.into_ptr()) };
        }
    }

    /// The number of items of the buffer the member at `slot` was given,
    /// while it still points at `pointer`.
    pub fn buffer_items(&self, slot: usize, pointer: usize) -> Option<usize> {
        let buffers = self.buffers.get()?;
        let buffers = buffers.lock().unwrap_or_else(|e| e.into_inner());
        buffers.get(&slot).filter(|k| k.pointer == pointer).and_then(|k| k.items)
    }

    /// The view the member at `slot` read as, while it still points at
    /// `pointer`.
    pub fn member_view(&self, py: Python<'_>, slot: usize, pointer: usize) -> Option<Py<PyAny>> {
        let views = self.views.get()?;
        let views = views.lock().unwrap_or_else(|e| e.into_inner());
        views.get(&slot).filter(|v| v.pointer == pointer).map(|v| v.view.clone_ref(py))
    }

    /// Keeps `view` as what the member at `slot` reads as while it points
    /// at `view.pointer`, or (`None`) forgets the one kept.
    pub fn keep_member_view(&self, slot: usize, view: Option<MemberView>) {
        let views = self.views.get_or_init(Default::default);
        let mut views = views.lock().unwrap_or_else(|e| e.into_inner());
        let old = match view {
            Some(view) => views.insert(slot, view),
            None => views.remove(&slot),
        };
        drop(views);
        if let Some(old) = old {
            // Outside pyo3's entry points a dropped `Py` would only queue
            // its decref.
            unsafe { ffi::Py_DECREF(old.view.into_ptr()) };
        }
    }

    pub fn address(&self) -> *mut c_void {
        self.address.load(Ordering::Relaxed)
    }

    /// Takes the object at `address` (made by a constructor thunk).
    pub fn adopt(&self, address: *mut c_void, deleter: Option<DeleterFn>) {
        self.destroy();
        self.address.store(address, Ordering::Relaxed);
        self.deleter.store(deleter.map_or(0, |d| d as usize), Ordering::Relaxed);
        self.owns.store(deleter.is_some(), Ordering::Relaxed);
    }

    fn destroy(&self) {
        // Plain loads and stores, not `swap`: the GIL already serializes
        // access, and a locked exchange costs ~20 cycles on every object.
        let address = self.address.load(Ordering::Relaxed);
        self.leave_identity_table(unsafe { Python::assume_attached() }, address);
        if address.is_null() {
            return;
        }
        self.address.store(std::ptr::null_mut(), Ordering::Relaxed);
        if self.owns.load(Ordering::Relaxed) {
            self.owns.store(false, Ordering::Relaxed);
            let deleter = self.deleter.load(Ordering::Relaxed);
            if deleter != 0 {
                let deleter: DeleterFn = unsafe { std::mem::transmute::<usize, DeleterFn>(deleter) };
                unsafe { deleter(address) };
            }
        }
    }

}

impl CppObject {
    /// The address of `obj` (an instance of a subclass of `cls`) viewed as a
    /// `cls`: adjusted by the base-class offset when `cls` is a base.
    ///
    /// # Safety
    /// `obj` is a proxy (see `state`); the GIL is held.
    pub unsafe fn address_of(py: Python<'_>, obj: *mut ffi::PyObject, cls: *mut ffi::PyTypeObject) -> *mut c_void {
        let address = state(obj).address();
        let own_type = ffi::Py_TYPE(obj);
        if own_type == cls || address.is_null() {
            return address;
        }
        match registry::base_adjust(py, own_type, cls) {
            Some(registry::BaseAdjust::Offset(offset)) => (address as isize + offset) as *mut c_void,
            Some(registry::BaseAdjust::Cast(upcast)) => upcast(address),
            None => address,
        }
    }

    /// A proxy of `cls` for `address`: the existing one if alive, else a new
    /// one (owned by Python when `deleter` is given).
    pub fn wrap(
        py: Python<'_>,
        cls: &Bound<'_, PyType>,
        address: *mut c_void,
        deleter: Option<DeleterFn>,
    ) -> PyResult<Py<PyAny>> {
        let key = (address as usize, cls.as_ptr() as usize);
        if deleter.is_none() {
            if let Some(existing) = identity(py, |table| table.get(&key).copied()) {
                return Ok(unsafe { Py::from_borrowed_ptr(py, existing as *mut ffi::PyObject) });
            }
        }
        let obj = Self::new_proxy(py, cls)?;
        let inner = unsafe { state(obj.as_ptr()) };
        inner.address.store(address, Ordering::Relaxed);
        inner.deleter.store(deleter.map_or(0, |d| d as usize), Ordering::Relaxed);
        inner.owns.store(deleter.is_some(), Ordering::Relaxed);
        if address.is_null() {
            return Ok(obj);
        }
        match claim(py, key, obj.as_ptr()) {
            None => inner.registered_as.store(key.1, Ordering::Relaxed),
            // Made meanwhile by another thread (a Python `__new__` ran).
            Some(existing) if deleter.is_none() => return Ok(unsafe { Py::from_borrowed_ptr(py, existing as *mut ffi::PyObject) }),
            Some(_) => {}
        }
        Ok(obj)
    }

    /// A proxy of `cls` for the object at `address` (possibly null) that a
    /// smart pointer proxy `holder` owns: not owned itself, and kept apart
    /// from the identity table so that the holder stays reachable from it.
    pub fn wrap_held(py: Python<'_>, cls: &Bound<'_, PyType>, address: *mut c_void, holder: Py<PyAny>) -> PyResult<Py<PyAny>> {
        let key = (address as usize, holder.as_ptr() as usize);
        if !address.is_null() {
            let found = held(py, |table| table.get(&key).copied());
            if let Some((_, existing)) = found {
                let existing = existing as *mut ffi::PyObject;
                // Still this object (not nulled by a move), and of this class.
                if unsafe { state(existing).address() } == address && unsafe { ffi::Py_TYPE(existing) } == cls.as_ptr() as *mut ffi::PyTypeObject {
                    unsafe { ffi::Py_DECREF(holder.into_ptr()) };
                    return Ok(unsafe { Py::from_borrowed_ptr(py, existing) });
                }
            }
        }
        let obj = Self::new_proxy(py, cls)?;
        let inner = unsafe { state(obj.as_ptr()) };
        inner.address.store(address, Ordering::Relaxed);
        let _ = inner.holder.set(holder);
        if !address.is_null() {
            let entry = (inner as *const ProxyState as usize, obj.as_ptr() as usize);
            held(py, |table| table.insert(key, entry));
            inner.held_at.store(address as usize, Ordering::Relaxed);
        }
        Ok(obj)
    }

    /// An empty (null) instance of proxy class `cls`.
    fn new_proxy(py: Python<'_>, cls: &Bound<'_, PyType>) -> PyResult<Py<PyAny>> {
        unsafe {
            let tp = cls.as_ptr() as *mut ffi::PyTypeObject;
            let new = (*tp).tp_new.expect("CppObject types have tp_new");
            let empty = PyTuple::empty(py);
            let raw = new(tp, empty.as_ptr(), std::ptr::null_mut());
            if raw.is_null() {
                return Err(PyErr::fetch(py));
            }
            Ok(Py::<PyAny>::from_owned_ptr(py, raw))
        }
    }

}

impl ProxyState {
    /// Forgets the object (which something else now owns or destroyed):
    /// the proxy becomes null. Only for proxies outside the identity table.
    pub fn forget_address(&self) {
        if self.registered_as.load(Ordering::Relaxed) == 0 && !self.owns.load(Ordering::Relaxed) {
            self.address.store(std::ptr::null_mut(), Ordering::Relaxed);
        }
    }

    /// The object was destroyed by C++: the proxy becomes null and owns
    /// nothing; false if it already was null.
    pub fn deleted_elsewhere(&self, py: Python<'_>) -> bool {
        let address = self.address();
        if address.is_null() {
            return false;
        }
        self.leave_identity_table(py, address);
        self.owns.store(false, Ordering::Relaxed);
        self.address.store(std::ptr::null_mut(), Ordering::Relaxed);
        true
    }

    /// Takes this proxy out of the identity table, where it stands for
    /// the object at `address` (if it was entered).
    #[inline]
    fn leave_identity_table(&self, py: Python<'_>, address: *mut c_void) {
        let class = self.registered_as.load(Ordering::Relaxed);
        if class != 0 {
            self.registered_as.store(0, Ordering::Relaxed);
            identity(py, |table| table.remove(&(address as usize, class)));
        }
    }

    /// Keeps `owner` alive as long as this proxy: a method's result often
    /// refers into the object it was called on (an element, an iterator,
    /// Eigen's expression objects and comma initializers), and must not
    /// outlive it. The first owner is kept.
    pub fn keep_alive(&self, owner: Py<PyAny>) {
        let _ = self.lifeline.set(owner);
    }

    /// Keeps `object` (a buffer C++ was given a pointer into) while this
    /// proxy lives (see `kept`).
    pub fn keep(&self, object: Py<PyAny>) {
        let kept = self.kept.get_or_init(Default::default);
        kept.lock().unwrap_or_else(|e| e.into_inner()).push(object);
    }

    /// Marks the object as possibly the first of an array (see `array`).
    pub fn mark_array(&self) {
        self.array.store(true, Ordering::Relaxed);
    }

    /// The smart pointer proxy this object is held by, if any.
    pub fn holder(&self) -> Option<&Py<PyAny>> {
        self.holder.get()
    }

    /// Hands the object, which Python owned, to smart pointer proxy
    /// `holder` (made from it): from now on the holder owns it, and this
    /// proxy keeps the holder. False if the proxy already had a holder.
    pub fn hand_to(&self, holder: Py<PyAny>) -> bool {
        match self.holder.set(holder) {
            Ok(()) => {
                self.owns.store(false, Ordering::Relaxed);
                true
            }
            Err(holder) => {
                unsafe { ffi::Py_DECREF(holder.into_ptr()) };
                false
            }
        }
    }

    /// Registers a Python-constructed object so later references find it.
    pub fn register(&self, py: Python<'_>, obj: *mut ffi::PyObject) {
        let address = self.address() as usize;
        if address == 0 {
            return;
        }
        let class = unsafe { ffi::Py_TYPE(obj) } as usize;
        if claim(py, (address, class), obj).is_none() {
            self.registered_as.store(class, Ordering::Relaxed);
        }
    }
}

impl Drop for ProxyState {
    fn drop(&mut self) {
        self.destroy();
        let held_at = self.held_at.load(Ordering::Relaxed);
        if let (true, Some(holder)) = (held_at != 0, self.holder.get()) {
            let key = (held_at, holder.as_ptr() as usize);
            let me = self as *const ProxyState as usize;
            let py = unsafe { Python::assume_attached() };
            held(py, |table| {
                if table.get(&key).is_some_and(|(state, _)| *state == me) {
                    table.remove(&key);
                }
            });
        }
        // A proxy dies with the GIL held, but not always inside pyo3's entry
        // points, where dropping a `Py` would only queue its decref: the
        // smart pointer proxy is released directly.
        if let Some(holder) = self.holder.take() {
            unsafe { ffi::Py_DECREF(holder.into_ptr()) };
        }
        if let Some(owner) = self.lifeline.take() {
            unsafe { ffi::Py_DECREF(owner.into_ptr()) };
        }
        if let Some(buffers) = self.buffers.take() {
            let buffers = buffers.into_inner().unwrap_or_else(|e| e.into_inner());
            for (_, kept) in buffers {
                unsafe { ffi::Py_DECREF(kept.object.into_ptr()) };
            }
        }
        if let Some(kept) = self.kept.take() {
            for object in kept.into_inner().unwrap_or_else(|e| e.into_inner()) {
                unsafe { ffi::Py_DECREF(object.into_ptr()) };
            }
        }
        if let Some(views) = self.views.take() {
            let views = views.into_inner().unwrap_or_else(|e| e.into_inner());
            for (_, kept) in views {
                unsafe { ffi::Py_DECREF(kept.view.into_ptr()) };
            }
        }
    }
}

/// The view a pointer or array member read as (a `LowLevelView`), kept
/// so that what is set on it (`reshape`, `size`) lasts while the member
/// points at the same memory, as in cppyy.
pub struct MemberView {
    pub pointer: usize,
    pub view: Py<PyAny>,
}

/// A Python object whose memory a pointer member points at.
pub struct KeptBuffer {
    pub object: Py<PyAny>,
    pub pointer: usize,
    pub items: Option<usize>,
}

/// The receiver of a method call: its address, or `ReferenceError` if null.
///
/// # Safety
/// `obj` is a live object; the GIL is held.
pub unsafe fn receiver(
    py: Python<'_>,
    obj: *mut ffi::PyObject,
    cls: *mut ffi::PyTypeObject,
) -> PyResult<*mut c_void> {
    if ffi::PyType_IsSubtype(ffi::Py_TYPE(obj), cls) == 0 {
        let got = Bound::from_borrowed_ptr(py, obj).get_type().name().map(|n| n.to_string()).unwrap_or_default();
        let want = Bound::from_borrowed_ptr(py, cls as *mut ffi::PyObject).cast_into_unchecked::<PyType>().name().map(|n| n.to_string()).unwrap_or_default();
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "method of '{want}' called on an object of type '{got}'"
        )));
    }
    let address = CppObject::address_of(py, obj, cls);
    if address.is_null() {
        return Err(PyReferenceError::new_err("attempt to access a null-pointer C++ object"));
    }
    Ok(address)
}

/// `cpplive.nullptr`: the C++ null pointer.
#[pyclass(frozen, module = "cpplive", name = "nullptr_t")]
pub struct NullPtr;

#[pymethods]
impl NullPtr {
    fn __bool__(&self) -> bool {
        false
    }
    /// Equal to itself and to a null C++ object (`bind_object(nullptr, T)`).
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        is_nullptr(other.py(), other.as_ptr()) || unsafe { is_proxy(other.py(), other.as_ptr()) && state(other.as_ptr()).address().is_null() }
    }
    fn __ne__(&self, other: &Bound<'_, PyAny>) -> bool {
        !self.__eq__(other)
    }
    fn __hash__(&self) -> isize {
        0
    }
    fn __repr__(&self) -> &'static str {
        "nullptr"
    }
}

static NULLPTR: PyOnceLock<Py<NullPtr>> = PyOnceLock::new();

pub fn nullptr(py: Python<'_>) -> &Py<NullPtr> {
    NULLPTR.get_or_init(py, || Py::new(py, NullPtr).expect("nullptr"))
}

/// `cpplive.default`: the value-initialized value (`T{}`) of whatever
/// builtin or enum parameter or member it is given to (zero, `false`,
/// `'\0'`), as cppyy's `cppyy.default`.
#[pyclass(frozen, module = "cpplive", name = "default_t")]
pub struct DefaultValue;

#[pymethods]
impl DefaultValue {
    fn __repr__(&self) -> &'static str {
        "default"
    }
}

static DEFAULT: PyOnceLock<Py<DefaultValue>> = PyOnceLock::new();

pub fn default_value(py: Python<'_>) -> &Py<DefaultValue> {
    DEFAULT.get_or_init(py, || Py::new(py, DefaultValue).expect("default"))
}

pub fn is_default(py: Python<'_>, obj: *mut ffi::PyObject) -> bool {
    obj == default_value(py).as_ptr()
}

/// The smart pointer proxy that holds `obj`, when `obj` is a proxy reached
/// through one.
///
/// # Safety
/// `obj` is a live object; the GIL is held.
pub unsafe fn holder_of<'py>(py: Python<'py>, obj: *mut ffi::PyObject) -> Option<Borrowed<'py, 'py, PyAny>> {
    if !is_proxy(py, obj) {
        return None;
    }
    let holder = state(obj).holder()?;
    Some(Borrowed::from_ptr(py, holder.as_ptr()))
}

pub fn is_nullptr(py: Python<'_>, obj: *mut ffi::PyObject) -> bool {
    obj == nullptr(py).as_ptr()
}
