//! Python callables passed where C++ takes a `std::function`: a compiled
//! maker (one per `std::function` class) builds a C++ function object that
//! owns a `Target` and calls back into Python through `python_callback`.
//! A Python exception raised there crosses the C++ frames as a
//! `CPyCppyy::PyException` and is raised again when the outer call returns
//! (unless C++ catches it and calls its `clear()`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::{c_int, c_void};
use std::sync::Arc;

use cpplive_core::thunk::{ArgSlot, DeleterFn, FunctionMakerFn, SinkFn};
use cpplive_core::types::{Builtin, RefKind, TypeRef};
use cpplive_core::ScopeId;
use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::convert::{Converter, Pass, Scratch};
use crate::errors::backend_error;
use crate::execute::Executor;
use crate::runtime::with_backend;
use crate::sync::GilCell;

/// How to call Python for one `std::function` signature.
pub struct Factory {
    pub maker: FunctionMakerFn,
    pub deleter: DeleterFn,
    plan: Arc<Plan>,
}

struct Plan {
    /// Turns each C++ argument into a Python object.
    args: Vec<Arg>,
    /// Converts the Python result (None for `void`).
    result: Option<Converter>,
    /// The result is a pointer to a class object: a temporary that Python
    /// owns would be deleted as the call returns, so C++ gets null instead.
    result_is_object_pointer: bool,
    signature: String,
}

/// How one C++ argument reaches the Python function (the argument array
/// holds the address of each argument, or of what a reference refers to).
enum Arg {
    Value(Executor),
    /// A pointer parameter: read through the address of the pointer.
    ThroughPointer(Executor),
    /// A reference to a builtin number: a ctypes object (`.value`), as
    /// cppyy passes it. For `T&` it is the C++ object itself, so that
    /// assigning `.value` writes through; for `const T&` a copy.
    Number { ctype: Py<PyAny>, writable: bool },
}

/// What a made `std::function` owns (as a `void*` in C++).
struct Target {
    function: Py<PyAny>,
    plan: Arc<Plan>,
}

thread_local! {
    /// The exception a callback raised, waiting for the C++ call that made
    /// the callback to return.
    static PENDING: RefCell<Option<PyErr>> = const { RefCell::new(None) };
    /// The traceback of the exception a callback raised on a thread C++
    /// started (printed there; no Python call waits to raise it), for the
    /// C++ exception that carries it (`CPyCppyy::PyException::what()`).
    static FOREIGN: RefCell<Option<String>> = const { RefCell::new(None) };
}

impl Factory {
    /// Compiles the maker for `std::function` class `id`. Call outside
    /// `with_backend` (the plan's converters use it).
    pub fn build(py: Python<'_>, id: u64) -> Result<Factory, String> {
        let (info, maker, deleter) = with_backend(|b| {
            let info = b.scope(ScopeId(id)).map_err(backend_error)?;
            let maker = b.function_maker(ScopeId(id)).map_err(backend_error)?;
            let deleter = b.deleter(ScopeId(id)).map_err(backend_error)?;
            Ok((info, maker, deleter))
        })
        .map_err(|e| e.to_string())?;
        let signature = info.std_function.as_ref().ok_or("not a std::function")?;
        if signature.ret.reference != RefKind::None {
            return Err(format!("'{}' returns a reference, which a Python function cannot provide", info.qualified));
        }
        let args = signature.params.iter().map(|param| Arg::for_type(py, param)).collect::<PyResult<Vec<_>>>().map_err(|e| e.to_string())?;
        let result = (!signature.ret.is_void()).then(|| {
            let mut value = signature.ret.clone();
            // A const result is a value like any other; a pointer to const
            // items keeps its const (a `const char*` takes a `str`).
            if value.is_plain() {
                value.base_const = false;
            }
            Converter::for_type(py, &value)
        });
        let ret = &signature.ret;
        let result_is_object_pointer = ret.pointers.len() == 1 && ret.reference == RefKind::None && ret.class_id().is_some();
        let plan = Plan { args, result, result_is_object_pointer, signature: cpplive_core::typename::readable(&info.qualified) };
        Ok(Factory { maker, deleter, plan: Arc::new(plan) })
    }

    /// A new C++ `std::function` (on the heap) that calls `function`.
    pub fn make(&self, function: Py<PyAny>) -> *mut c_void {
        let target = Box::into_raw(Box::new(Target { function, plan: self.plan.clone() }));
        unsafe { (self.maker)(target as *mut c_void, python_callback, release_target) }
    }
}

impl Arg {
    fn for_type(py: Python<'_>, param: &TypeRef) -> PyResult<Arg> {
        if param.reference == RefKind::LValue && param.is_plain() {
            if let Some(b) = param.builtin().filter(|b| takes_ctypes_number(*b)) {
                let ctype = py.import("ctypes")?.getattr(crate::buffer::ctypes_name(b))?.unbind();
                return Ok(Arg::Number { ctype, writable: !param.base_const });
            }
        }
        if param.reference == RefKind::None && !param.pointers.is_empty() {
            return Ok(Arg::ThroughPointer(Executor::for_type(py, param)));
        }
        let mut seen = param.clone();
        if seen.reference == RefKind::None {
            seen.reference = RefKind::LValue;
        }
        Ok(Arg::Value(Executor::for_type(py, &seen)))
    }

    /// The Python object for the argument whose address is `at`.
    unsafe fn object(&self, py: Python<'_>, at: *mut *mut c_void) -> PyResult<Py<PyAny>> {
        match self {
            Arg::Value(executor) => executor.execute(py, at as *const c_void),
            Arg::ThroughPointer(executor) => {
                let pointer = *(*at as *const *mut c_void);
                executor.execute(py, &pointer as *const *mut c_void as *const c_void)
            }
            Arg::Number { ctype, writable } => {
                let ctype = ctype.bind(py);
                let referred = ctype.call_method1("from_address", (*at as usize,))?;
                if *writable {
                    Ok(referred.unbind())
                } else {
                    Ok(ctype.call1((referred.getattr("value")?,))?.unbind())
                }
            }
        }
    }
}

/// Builtins whose references reach Python as ctypes numbers (characters
/// stay one-character strings).
fn takes_ctypes_number(b: Builtin) -> bool {
    !crate::execute::is_text_unit(b) && !matches!(b, Builtin::Void | Builtin::NullPtr | Builtin::ComplexDouble)
}

impl std::fmt::Debug for Factory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Factory({})", self.plan.signature)
    }
}

/// The `std::function` class with the signature of function pointer type
/// `spelling` (`R (*)(A...)`), if it is one.
pub fn signature_class(spelling: &str) -> Option<u64> {
    with_backend(|b| {
        let ty = b.resolve_type(&format!("std::function<std::remove_pointer_t<{spelling}>>")).map_err(backend_error)?;
        let id = ty.class_id().filter(|id| b.scope(ScopeId(*id)).map(|s| s.std_function.is_some()).unwrap_or(false));
        Ok(id)
    })
    .ok()
    .flatten()
}

/// (callable, `std::function` class) → the plain function made for it.
/// The entries keep the callable and its C++ function object alive for
/// good: C++ may hold on to a function pointer indefinitely.
struct Bound {
    _callable: Py<PyAny>,
    _function: Py<PyAny>,
    address: usize,
}

static POINTERS: GilCell<Option<HashMap<(usize, u64), Bound>>> = GilCell::new(None);

/// A plain C++ function that calls `callable` (compiled once per callable
/// and signature).
///
/// # Safety
/// `callable` is a live object; the GIL is held.
pub unsafe fn function_pointer(py: Python<'_>, factory: &Factory, class: u64, callable: *mut ffi::PyObject) -> PyResult<*mut c_void> {
    let key = (callable as usize, class);
    let known = |table: &mut Option<HashMap<(usize, u64), Bound>>| table.as_ref().and_then(|t| t.get(&key)).map(|b| b.address);
    if let Some(address) = POINTERS.with(py, known) {
        return Ok(address as *mut c_void);
    }
    // Making it runs Python code and may wait for the backend: another
    // thread can make one for the same callable meanwhile.
    let made = factory.make(Py::from_borrowed_ptr(py, callable));
    let cls = crate::registry::class_for(py, class)?;
    let function = crate::instance::CppObject::wrap(py, &cls, made, Some(factory.deleter))?;
    let address = with_backend(|b| b.function_pointer(ScopeId(class), made as usize).map_err(backend_error))?;
    let entry = Bound { _callable: Py::from_borrowed_ptr(py, callable), _function: function, address };
    let (address, lost) = POINTERS.with(py, |table| match table.get_or_insert_with(HashMap::new).entry(key) {
        std::collections::hash_map::Entry::Occupied(first) => (first.get().address, Some(entry)),
        std::collections::hash_map::Entry::Vacant(slot) => (slot.insert(entry).address, None),
    });
    // The other thread's function is the one kept: this one (nobody holds
    // its address yet) is released outside the table.
    drop(lost);
    Ok(address as *mut c_void)
}

/// The exception a Python callback raised during the C++ call that just
/// failed with `CPyCppyy::PyException`.
pub fn take_pending() -> Option<PyErr> {
    PENDING.with(|p| p.borrow_mut().take())
}

/// Called by the C++ function object, on whatever thread C++ calls it:
/// takes the GIL (another C++ thread's call waits for it; see
/// docs/design.md, "Threads").
unsafe extern "C" fn python_callback(target: *mut c_void, args: *mut *mut c_void, out: *mut c_void, sink: Option<SinkFn>) -> c_int {
    if target.is_null() {
        return pending_request(out, sink);
    }
    // A thread C++ started has no Python thread state until it attaches:
    // no Python call on it waits to raise what the callback raises.
    let foreign = ffi::PyGILState_GetThisThreadState().is_null();
    // After interpreter shutdown (a C++ thread still calling back) there
    // is nothing to call: the C++ caller sees a failed call. Python code
    // runs outside signals_as_exception's guard.
    crate::signals::unguarded(|| Python::try_attach(|py| {
        let target = &*(target as *const Target);
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| call(py, target, args, out, sink))) {
            Ok(Ok(())) => 0,
            Ok(Err(err)) if foreign => {
                // It still becomes a C++ exception there (which, left
                // uncaught in a thread, ends the process, as in C++): the
                // traceback is shown first.
                let text = traceback_text(py, &err);
                FOREIGN.with(|f| *f.borrow_mut() = Some(text));
                err.write_unraisable(py, Some(target.function.bind(py)));
                1
            }
            Ok(Err(err)) => {
                PENDING.with(|p| *p.borrow_mut() = Some(err));
                1
            }
            Err(_) => {
                let err = pyo3::exceptions::PyRuntimeError::new_err("internal error in cpplive (panic) in a Python callback");
                PENDING.with(|p| *p.borrow_mut() = Some(err));
                1
            }
        }
    })
    .unwrap_or(1))
}

/// A question from the C++ exception carrying the calling thread's
/// pending Python exception (see `PyCallbackFn`): its traceback as text
/// into `out`, or, without `out`, to drop it because C++ handled it.
unsafe fn pending_request(out: *mut c_void, sink: Option<SinkFn>) -> c_int {
    crate::signals::unguarded(|| {
        Python::try_attach(|py| {
            match sink {
                Some(sink) if !out.is_null() => {
                    let pending = PENDING.with(|p| p.borrow().as_ref().map(|e| e.clone_ref(py)));
                    let text = match pending {
                        Some(err) => traceback_text(py, &err),
                        None => FOREIGN.with(|f| f.borrow().clone()).unwrap_or_else(|| "a Python exception".to_string()),
                    };
                    let text = std::ffi::CString::new(text.replace('\0', "\\0")).unwrap_or_default();
                    sink(out, text.as_ptr() as *mut c_void);
                }
                _ => {
                    let dropped = PENDING.with(|p| p.borrow_mut().take());
                    drop(dropped);
                    FOREIGN.with(|f| f.borrow_mut().take());
                }
            }
            0
        })
        .unwrap_or(1)
    })
}

/// An exception as Python prints it: the traceback, then type and message.
fn traceback_text(py: Python<'_>, err: &PyErr) -> String {
    let formatted = py.import("traceback").and_then(|tb| {
        let lines = tb.call_method1("format_exception", (err.get_type(py), err.value(py), err.traceback(py)))?;
        pyo3::types::PyString::new(py, "").call_method1("join", (lines,))?.extract::<String>()
    });
    formatted.unwrap_or_else(|_| err.to_string())
}

unsafe fn call(py: Python<'_>, target: &Target, args: *mut *mut c_void, out: *mut c_void, sink: Option<SinkFn>) -> PyResult<()> {
    let plan = &target.plan;
    let mut objects = Vec::with_capacity(plan.args.len());
    for (i, arg) in plan.args.iter().enumerate() {
        objects.push(arg.object(py, args.add(i))?);
    }
    let result = target.function.bind(py).call1(PyTuple::new(py, objects)?)?;
    if let (Some(converter), Some(sink)) = (&plan.result, sink) {
        if result.is_none() && converter.is_pointer() {
            // A Python function that returns nothing, where C++ expects a
            // pointer: null (arguments take `nullptr` only).
            let mut null: *mut c_void = std::ptr::null_mut();
            sink(out, &mut null as *mut *mut c_void as *mut c_void);
            return Ok(());
        }
        let mut slot = ArgSlot::default();
        let mut scratch = Scratch::default();
        let value = converter.convert(py, result.as_ptr(), &mut slot, Pass::Implicit, &mut scratch).map_err(|_| {
            let got = result.get_type().name().map(|n| n.to_string()).unwrap_or_default();
            PyTypeError::new_err(format!("a Python function called as '{}' returned a '{got}', which does not convert", plan.signature))
        })?;
        if plan.result_is_object_pointer && ffi::Py_REFCNT(result.as_ptr()) == 1 && crate::instance::is_proxy(py, result.as_ptr()) && crate::instance::state(result.as_ptr()).owns() {
            // Only this call holds it, and its proxy deletes it on release.
            let mut null: *mut c_void = std::ptr::null_mut();
            sink(out, &mut null as *mut *mut c_void as *mut c_void);
            return Ok(());
        }
        sink(out, value);
    }
    Ok(())
}

unsafe extern "C" fn release_target(target: *mut c_void) {
    let mut target = Some(Box::from_raw(target as *mut Target));
    // Called on any thread C++ destroys the function object on. A C++
    // static destroyed while or after Python shuts down: there is no
    // interpreter to release the callable in.
    if crate::signals::unguarded(|| Python::try_attach(|_py| drop(target.take()))).is_none() {
        std::mem::forget(target.take());
    }
}
