//! Fatal signals in C++ code as Python exceptions
//! (`cpplive.ll.signals_as_exception`), per thread. The mechanics (handlers,
//! alternate stacks, the jump) are in `signals.c`; this file is the Rust
//! face: the call every thunk invocation goes through, the suspension
//! around callbacks into Python, and the switch. The exception classes and
//! messages are in `errors.rs`.
//!
//! While no thread has the mode on, a call costs one relaxed load more than
//! calling the thunk directly.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::sync::atomic::{AtomicI32, Ordering};

use cpplive_core::thunk::{ThunkError, ThunkFn};
use pyo3::prelude::*;

/// The call's result when it was abandoned on a fatal signal (thunks
/// return 0, 1 or 2).
pub const FAULTED: c_int = 0x100;

/// What the last fault of the calling thread was.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Fault {
    pub signal: c_int,
    /// `si_code`.
    pub code: c_int,
    pub address: usize,
    pub stack_overflow: c_int,
}

impl Fault {
    /// A few words on `si_code` ("integer division by zero"), or "".
    pub fn code_text(&self) -> &'static str {
        let text = unsafe { CStr::from_ptr(cpplive_signals_code_text(self.signal, self.code)) };
        text.to_str().unwrap_or("")
    }
}

extern "C" {
    /// Threads with the mode on (in `signals.c`).
    static cpplive_signals_threads: AtomicI32;
    fn cpplive_signals_set(on: c_int) -> c_int;
    fn cpplive_signals_call(thunk: ThunkFn, this: *mut c_void, nargs: c_int, args: *mut *mut c_void, ret: *mut c_void, err: *mut ThunkError) -> c_int;
    fn cpplive_signals_last_fault() -> Fault;
    fn cpplive_signals_suspend() -> *mut c_void;
    fn cpplive_signals_resume(frame: *mut c_void);
    fn cpplive_signals_code_text(signal: c_int, code: c_int) -> *const c_char;
}

/// Calls a thunk; returns its result, or `FAULTED` when the mode is on for
/// this thread and the call died of a fatal signal (see `last_fault`).
///
/// # Safety
/// As for calling `thunk` itself.
#[inline(always)]
pub unsafe fn call(thunk: ThunkFn, this: *mut c_void, nargs: c_int, args: *mut *mut c_void, ret: *mut c_void, err: *mut ThunkError) -> c_int {
    if cpplive_signals_threads.load(Ordering::Relaxed) == 0 {
        thunk(this, nargs, args, ret, err)
    } else {
        cpplive_signals_call(thunk, this, nargs, args, ret, err)
    }
}

/// The mode on for this thread while alive (a function's `__sig2exc__`),
/// as it was before afterwards.
pub struct Enabled {
    before: c_int,
}

impl Enabled {
    pub fn new() -> Enabled {
        Enabled { before: unsafe { cpplive_signals_set(1) } }
    }
}

impl Drop for Enabled {
    fn drop(&mut self) {
        if self.before == 0 {
            unsafe { cpplive_signals_set(0) };
        }
    }
}

/// The fault that made the last `call` of this thread return `FAULTED`.
pub fn last_fault() -> Fault {
    unsafe { cpplive_signals_last_fault() }
}

/// Runs `f` (Python code called back from C++) outside the guarded call it
/// is nested in: a fault there is not C++'s, and the jump must never cross
/// Python or Rust frames.
pub fn unguarded<R>(f: impl FnOnce() -> R) -> R {
    struct Resume(*mut c_void);
    impl Drop for Resume {
        fn drop(&mut self) {
            unsafe { cpplive_signals_resume(self.0) };
        }
    }
    let _resume = Resume(unsafe { cpplive_signals_suspend() });
    f()
}

/// Turns the mode on or off for the calling thread (`on` is any truth
/// value); returns the previous setting.
#[pyfunction]
pub fn set_signals_as_exception(on: &Bound<'_, PyAny>) -> PyResult<bool> {
    let on = on.is_truthy()?;
    match unsafe { cpplive_signals_set(on as c_int) } {
        -1 => Err(std::io::Error::last_os_error().into()),
        was => Ok(was != 0),
    }
}
