//! Reading a Python `int` that fits in one internal digit without a call
//! into CPython. Assignments and arguments are mostly such small values, and
//! `PyLong_AsLongLongAndOverflow` is a measurable part of a member write.

use pyo3::ffi;

/// The fixed head of an `int` object. CPython 3.11 keeps the signed digit
/// count in `ob_size`; 3.12 and later keep a tag (sign in the low two bits,
/// digit count from bit 3) in the same word. The first 30-bit digit follows.
#[repr(C)]
struct LongHead {
    ob_refcnt: isize,
    ob_type: *mut ffi::PyTypeObject,
    size_or_tag: isize,
    digit0: u32,
}

/// The value of an exact `int` with at most one digit; `None` for larger
/// values (and always on builds whose layout is not known here), which the
/// caller converts the general way.
///
/// # Safety
/// `value` is a live object of exact type `int`; the GIL is held.
#[inline]
pub unsafe fn compact_value(value: *mut ffi::PyObject) -> Option<i64> {
    #[cfg(not(any(Py_3_12, Py_GIL_DISABLED, PyPy)))]
    {
        let head = &*(value as *const LongHead);
        let size = head.size_or_tag;
        if (-1..=1).contains(&size) {
            return Some(size as i64 * head.digit0 as i64);
        }
        None
    }
    #[cfg(all(Py_3_12, not(any(Py_GIL_DISABLED, PyPy))))]
    {
        let head = &*(value as *const LongHead);
        let tag = head.size_or_tag as usize;
        if tag < (2 << 3) {
            return Some((1 - (tag & 3) as i64) * head.digit0 as i64);
        }
        None
    }
    #[cfg(any(Py_GIL_DISABLED, PyPy))]
    {
        let _ = value;
        None
    }
}
