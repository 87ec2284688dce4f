//! The one call ABI. Every C++ callable is reached through a generated
//! `extern "C"` function of type `ThunkFn`:
//! - `args[i]` points at the converted argument: a scalar of the parameter's
//!   exact type, an object's address (for class values and references), a
//!   pointer value (for pointer parameters), or a `StrView` (for
//!   `std::string` and `const std::string&`);
//! - `nargs` says how many arguments are given (defaults fill the rest);
//! - the result goes to `ret`: scalars in place; pointers and references as
//!   an address; class values (and `std::string`) as the address of a
//!   heap object made with `new`, which the caller then owns;
//! - a C++ exception is caught in the thunk and reported through `err`
//!   (return value 1); no C++ exception ever unwinds into Rust.

use std::ffi::{c_char, c_int, c_void};

pub type ThunkFn =
    unsafe extern "C" fn(this: *mut c_void, nargs: c_int, args: *mut *mut c_void, ret: *mut c_void, err: *mut ThunkError) -> c_int;

/// Destroys a heap object of one class (`delete (T*)p`).
pub type DeleterFn = unsafe extern "C" fn(object: *mut c_void);

/// Converts a pointer to a derived class into a pointer to one of its bases
/// (needed when the path crosses a virtual base, whose offset is only known
/// from the object itself).
pub type UpcastFn = unsafe extern "C" fn(object: *mut c_void) -> *mut c_void;

/// The raw pointer a smart pointer holds (`p->get()`).
pub type SmartGetFn = unsafe extern "C" fn(smart: *mut c_void) -> *mut c_void;

/// Hands a callback's result to C++ while it is alive: `value` points at
/// the converted result (as an argument slot would), `out` is C++'s storage.
pub type SinkFn = unsafe extern "C" fn(out: *mut c_void, value: *mut c_void);

/// Calls a Python callable from C++: `args[i]` points at argument `i`; a
/// non-void result goes to `sink(out, ...)`. Returns 0, or 1 when a Python
/// exception is pending for the calling thread. With a null `target` it is
/// asked about that pending exception by the C++ exception carrying it:
/// its traceback as text (`sink(out, text)`, `text` a `const char*`), or,
/// with a null `out`, to drop it (C++ handled it).
pub type PyCallbackFn = unsafe extern "C" fn(target: *mut c_void, args: *mut *mut c_void, out: *mut c_void, sink: Option<SinkFn>) -> c_int;

/// Drops what `PyCallbackFn` calls (when the last C++ copy is gone).
pub type ReleaseFn = unsafe extern "C" fn(target: *mut c_void);

/// Makes a heap `std::function` of one signature that calls `target`
/// through `callback` and releases it with `release`.
pub type FunctionMakerFn = unsafe extern "C" fn(target: *mut c_void, callback: PyCallbackFn, release: ReleaseFn) -> *mut c_void;

/// The C++ type name of the exception that carries a Python exception
/// through C++ frames (see `PyCallbackFn`), named as cppyy names it.
pub const PYTHON_ERROR_TYPE: &str = "CPyCppyy::PyException";

/// Reads a bit-field of the object at `object`.
pub type BitGetFn = unsafe extern "C" fn(object: *mut c_void) -> i64;
/// Writes a bit-field of the object at `object`.
pub type BitSetFn = unsafe extern "C" fn(object: *mut c_void, value: i64);

/// Returns the address of a variable.
pub type AddressFn = unsafe extern "C" fn() -> *mut c_void;

/// Assigns `*src` to `*dst` (copy assignment of one type; for `std::string`
/// `src` is a `StrView`). Returns 1 with `err` filled on a C++ exception.
pub type AssignFn = unsafe extern "C" fn(dst: *mut c_void, src: *mut c_void, err: *mut ThunkError) -> c_int;

/// The dynamic type of a polymorphic object: writes its demangled name
/// (`malloc`ed) and returns the address of the most-derived object.
pub type DynamicTypeFn = unsafe extern "C" fn(object: *mut c_void, name: *mut *mut c_char) -> *mut c_void;

/// Reads the bytes of a `std::string`.
pub type StringViewFn = unsafe extern "C" fn(s: *const c_void, data: *mut *const c_char, size: *mut usize);

/// Filled by a thunk that caught an exception. Both strings are `malloc`ed
/// (free them with `free`).
#[repr(C)]
pub struct ThunkError {
    pub type_name: *mut c_char,
    pub what: *mut c_char,
    /// For a `std::exception`: the thrown object (most-derived address),
    /// alive while `keep` (a heap `std::exception_ptr`, released with
    /// `RELEASE_EXCEPTION_SYMBOL`) is.
    pub object: *mut c_void,
    pub keep: *mut c_void,
}

impl Default for ThunkError {
    fn default() -> Self {
        ThunkError { type_name: std::ptr::null_mut(), what: std::ptr::null_mut(), object: std::ptr::null_mut(), keep: std::ptr::null_mut() }
    }
}

/// Releases `ThunkError::keep`.
pub type ReleaseExceptionFn = unsafe extern "C" fn(keep: *mut c_void);

/// Copies an object of one class onto the heap (`new T(*p)`).
pub type CloneFn = unsafe extern "C" fn(object: *mut c_void) -> *mut c_void;

/// A borrowed string handed to a thunk; it becomes a `std::string` there.
#[repr(C)]
#[derive(Copy, Clone)]
pub struct StrView {
    pub data: *const c_char,
    pub size: usize,
}

/// One argument's storage: large enough and aligned for any scalar or view.
#[repr(C, align(16))]
#[derive(Copy, Clone)]
pub union ArgSlot {
    pub i64: i64,
    pub u64: u64,
    pub f64: f64,
    pub f32: f32,
    pub ptr: *mut c_void,
    pub view: StrView,
    pub bytes: [u8; 16],
}

impl Default for ArgSlot {
    fn default() -> Self {
        ArgSlot { bytes: [0; 16] }
    }
}
