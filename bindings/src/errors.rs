//! The one place where backend errors become Python exceptions.

use cpplive_core::BackendError;
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyFloatingPointError, PyImportError, PyNotImplementedError, PyOSError, PyRuntimeError, PySyntaxError, PyTypeError};
use pyo3::PyErr;

use crate::signals::Fault;

create_exception!(cpplive, CppException, PyException, "A C++ exception thrown by called code; `cpp_type` and `what` describe it.");
create_exception!(
    cpplive,
    LinkError,
    PyRuntimeError,
    "C++ code compiled, but symbols it needs are defined by no loaded library: raised by the call that needs them, naming them."
);

// Fatal signals of C++ code called under `cpplive.ll.signals_as_exception`
// (cppyy's names). The call is abandoned where the signal hit: C++
// destructors of the frames in between do not run and locks they held stay
// held, so the program may be left in an inconsistent state.
create_exception!(cpplive.ll, FatalError, PyException, "A fatal signal in C++ code, raised under signals_as_exception.");
create_exception!(cpplive.ll, SegmentationViolation, FatalError, "SIGSEGV in C++ code: an invalid memory access, or a stack overflow.");
create_exception!(cpplive.ll, BusError, FatalError, "SIGBUS in C++ code: memory that cannot be accessed (e.g. a mapped file past its end).");
create_exception!(cpplive.ll, IllegalInstruction, FatalError, "SIGILL in C++ code (e.g. __builtin_trap()).");
create_exception!(cpplive.ll, AbortSignal, FatalError, "SIGABRT in C++ code: std::abort() or a failed assert().");

/// An exception type deriving from both `bases`, made once in `cell`
/// (pyo3's `new_type` takes one base; the C API takes a tuple).
fn exception_type<'py>(
    py: pyo3::Python<'py>,
    cell: &'static pyo3::sync::PyOnceLock<pyo3::Py<pyo3::types::PyType>>,
    name: &std::ffi::CStr,
    doc: &std::ffi::CStr,
    bases: [pyo3::Bound<'py, pyo3::types::PyType>; 2],
) -> &'py pyo3::Bound<'py, pyo3::types::PyType> {
    use pyo3::prelude::*;
    cell.get_or_init(py, || {
        let bases = pyo3::types::PyTuple::new(py, bases).expect("a tuple of two types");
        let made = unsafe { pyo3::ffi::PyErr_NewExceptionWithDoc(name.as_ptr(), doc.as_ptr(), bases.as_ptr(), std::ptr::null_mut()) };
        unsafe { Bound::from_owned_ptr(py, made) }.cast_into::<pyo3::types::PyType>().expect("an exception type").unbind()
    })
    .bind(py)
}

/// SIGFPE in C++ code; also a `FloatingPointError`, which cppyy raises.
pub fn floating_point_exception(py: pyo3::Python<'_>) -> &pyo3::Bound<'_, pyo3::types::PyType> {
    static TYPE: pyo3::sync::PyOnceLock<pyo3::Py<pyo3::types::PyType>> = pyo3::sync::PyOnceLock::new();
    exception_type(
        py,
        &TYPE,
        c"cpplive.ll.FloatingPointException",
        c"SIGFPE in C++ code (e.g. an integer division by zero).",
        [py.get_type::<FatalError>(), py.get_type::<PyFloatingPointError>()],
    )
}

/// A Python number that the C++ type cannot hold (a negative value for an
/// unsigned, 2 for a `bool`): an `OverflowError` that is also a
/// `ValueError`, which cppyy raises there.
pub fn out_of_range_type(py: pyo3::Python<'_>) -> &pyo3::Bound<'_, pyo3::types::PyType> {
    static TYPE: pyo3::sync::PyOnceLock<pyo3::Py<pyo3::types::PyType>> = pyo3::sync::PyOnceLock::new();
    exception_type(
        py,
        &TYPE,
        c"cpplive.OutOfRangeError",
        c"A Python number the C++ type cannot hold; both an OverflowError and a ValueError.",
        [py.get_type::<pyo3::exceptions::PyOverflowError>(), py.get_type::<pyo3::exceptions::PyValueError>()],
    )
}

/// An `OutOfRangeError` with `message`.
pub fn out_of_range(message: String) -> PyErr {
    let py = unsafe { pyo3::Python::assume_attached() };
    PyErr::from_type(out_of_range_type(py).clone(), message)
}

/// A live object for a `T&&` parameter (not `std.move`d): a `TypeError`
/// that is also the `ValueError` cppyy raises ("not an rvalue").
pub fn not_moved_type(py: pyo3::Python<'_>) -> &pyo3::Bound<'_, pyo3::types::PyType> {
    static TYPE: pyo3::sync::PyOnceLock<pyo3::Py<pyo3::types::PyType>> = pyo3::sync::PyOnceLock::new();
    exception_type(
        py,
        &TYPE,
        c"cpplive.NotMovedError",
        c"An object passed to a C++ rvalue reference parameter without std.move(); both a TypeError and a ValueError.",
        [py.get_type::<PyTypeError>(), py.get_type::<pyo3::exceptions::PyValueError>()],
    )
}

/// A `NotMovedError` with `message`.
pub fn not_moved(message: String) -> PyErr {
    let py = unsafe { pyo3::Python::assume_attached() };
    PyErr::from_type(not_moved_type(py).clone(), message)
}

/// Assigning a const or reference data member: an `AttributeError` (the
/// attribute cannot be set) that is also the `TypeError` cppyy raises.
pub fn read_only_member(py: pyo3::Python<'_>, message: String) -> PyErr {
    use pyo3::prelude::*;
    static TYPE: pyo3::sync::PyOnceLock<pyo3::Py<pyo3::types::PyType>> = pyo3::sync::PyOnceLock::new();
    let ty = exception_type(
        py,
        &TYPE,
        c"cpplive.ReadOnlyMemberError",
        c"Assignment to a const or reference C++ data member.",
        [py.get_type::<pyo3::exceptions::PyAttributeError>(), py.get_type::<PyTypeError>()],
    );
    PyErr::from_type(ty.clone(), message)
}

/// The Python exception for a C++ call abandoned on a fatal signal.
pub fn fault(py: pyo3::Python<'_>, fault: &Fault) -> PyErr {
    let detail = fault.code_text();
    let detail = if detail.is_empty() { String::new() } else { format!(": {detail}") };
    let address = fault.address;
    let tail = "; the call was abandoned without running C++ destructors";
    match fault.signal {
        libc::SIGSEGV if fault.stack_overflow != 0 => {
            SegmentationViolation::new_err(format!("stack overflow in C++ code (SIGSEGV at address {address:#x}){tail}"))
        }
        libc::SIGSEGV => SegmentationViolation::new_err(format!("segmentation violation in C++ code at address {address:#x}{detail}{tail}")),
        libc::SIGBUS => BusError::new_err(format!("bus error in C++ code at address {address:#x}{detail}{tail}")),
        libc::SIGILL => IllegalInstruction::new_err(format!("illegal instruction in C++ code at {address:#x}{detail}{tail}")),
        libc::SIGABRT => AbortSignal::new_err(format!("C++ code aborted (std::abort() or a failed assert()){tail}")),
        libc::SIGFPE => PyErr::from_type(floating_point_exception(py).clone(), format!("floating-point exception in C++ code{detail}{tail}")),
        other => FatalError::new_err(format!("signal {other} in C++ code{tail}")),
    }
}

pub fn backend_error(error: BackendError) -> PyErr {
    let text = error.to_string();
    match error {
        BackendError::Parse { .. } => PySyntaxError::new_err(text),
        BackendError::HeaderNotFound { .. } => PyImportError::new_err(text),
        BackendError::LibraryNotFound { .. } => PyOSError::new_err(text),
        BackendError::NotFound { .. } => PyRuntimeError::new_err(text),
        BackendError::Instantiation { .. } => PyTypeError::new_err(text),
        BackendError::Link { .. } => LinkError::new_err(text),
        BackendError::Fault { signal, code, address } => pyo3::Python::attach(|py| {
            let error = fault(py, &Fault { signal, code, address, stack_overflow: 0 });
            let message = format!("while running the static initializers of the input: {}", error.value(py));
            PyErr::from_type(error.get_type(py), message)
        }),
        BackendError::Unsupported(_) => PyNotImplementedError::new_err(text),
        BackendError::Internal(_) | BackendError::Unavailable(_) => PyRuntimeError::new_err(text),
    }
}

/// C++ exception type name → Python exception class (subclasses of
/// `CppException` that also derive from the matching Python exception,
/// e.g. `std::out_of_range` → `IndexError`). Set by the Python package.
static EXCEPTION_TYPES: pyo3::sync::PyOnceLock<pyo3::Py<pyo3::types::PyDict>> = pyo3::sync::PyOnceLock::new();

#[pyo3::pyfunction]
pub fn set_exception_types(py: pyo3::Python<'_>, types: pyo3::Py<pyo3::types::PyDict>) {
    let _ = EXCEPTION_TYPES.set(py, types);
}

/// The thrown object itself as the Python exception: a copy owned by an
/// instance of its proxy class, when that class is a Python exception
/// (derived from `std::exception`). `None` when it cannot be (the class is
/// not known to Python, or cannot be copied).
pub fn cpp_exception_object(py: pyo3::Python<'_>, type_name: &str, what: &str, object: *mut std::ffi::c_void) -> Option<PyErr> {
    use pyo3::prelude::*;
    let class = crate::registry::class_named(py, type_name)?;
    if !class.is_subclass_of::<pyo3::exceptions::PyBaseException>().unwrap_or(false) {
        return None;
    }
    let id = crate::registry::scope_of_type(py, class.as_ptr() as *mut pyo3::ffi::PyTypeObject)?;
    let (clone, deleter) = crate::runtime::with_backend(|b| {
        let scope = cpplive_core::ScopeId(id);
        Ok((b.cloner(scope).ok(), b.deleter(scope).ok()))
    })
    .ok()?;
    let copy = unsafe { clone?(object) };
    let value = crate::instance::CppObject::wrap(py, &class, copy, Some(deleter?)).ok()?.into_bound(py);
    // `args` is what str() and tracebacks show.
    let _ = value.setattr("args", (message(type_name, what),));
    let _ = value.setattr("cpp_type", type_name);
    Some(PyErr::from_value(value))
}

fn message(type_name: &str, what: &str) -> String {
    if what.is_empty() {
        format!("{type_name} (C++ exception)")
    } else {
        format!("{type_name}: {what}")
    }
}

/// The Python exception for a C++ exception of type `type_name`.
pub fn cpp_exception(py: pyo3::Python<'_>, type_name: &str, what: &str) -> PyErr {
    use pyo3::prelude::*;
    let message = message(type_name, what);
    let class = EXCEPTION_TYPES
        .get(py)
        .and_then(|map| map.bind(py).get_item(type_name).ok().flatten())
        .unwrap_or_else(|| py.get_type::<CppException>().into_any());
    match class.call1((message.clone(),)) {
        Ok(value) => {
            let _ = value.setattr("cpp_type", type_name);
            let _ = value.setattr("what", what);
            PyErr::from_value(value)
        }
        Err(e) => e,
    }
}
