//! A direct path for the most common calls: a few `int`, `long`, `double`,
//! `bool` or class-object parameters, a scalar or `void` result, and (for
//! methods) a receiver exactly of the owning class. It is a specialization
//! of the chosen converters and executor, built once after the overload's
//! first successful call; anything it does not handle (another Python type,
//! an out-of-range value, a subclass receiver) goes back to the general
//! path, which converts or explains. Errors are never raised from here,
//! except a C++ exception thrown by the call itself.

use std::ffi::{c_int, c_void};

use cpplive_core::thunk::{ArgSlot, ThunkError, ThunkFn};
use cpplive_core::types::Builtin;
use pyo3::ffi;
use pyo3::prelude::*;

use crate::convert::Converter;
use crate::execute::Executor;

const MAX_PARAMS: usize = 4;

#[derive(Copy, Clone)]
enum Param {
    Int,
    Long,
    Double,
    Bool,
    /// A class object (by value or reference) of exactly this proxy type.
    Object(usize),
}

#[derive(Copy, Clone)]
enum Ret {
    /// A constructor: the new object goes to the receiver, owned by Python.
    Construct(cpplive_core::thunk::DeleterFn),
    Void,
    Int,
    Long,
    Double,
    Bool,
}

pub struct FastPlan {
    thunk: ThunkFn,
    params: [Param; MAX_PARAMS],
    count: usize,
    ret: Ret,
    /// The exact receiver type for methods (kept alive by the overload set's
    /// class), 0 for functions.
    receiver_type: usize,
}

pub enum Outcome {
    Done(*mut ffi::PyObject),
    /// Not for this path: use the general one.
    Declined,
    Raised(PyErr),
    /// The callee raised (see `overload::callee_raised`).
    Threw(PyErr),
}

impl FastPlan {
    /// `construct` is the class's deleter for a constructor, `None` otherwise.
    pub fn build(
        thunk: ThunkFn,
        converters: &[Converter],
        executor: &Executor,
        receiver_type: *mut ffi::PyTypeObject,
        construct: Option<cpplive_core::thunk::DeleterFn>,
    ) -> Option<FastPlan> {
        if converters.len() > MAX_PARAMS {
            return None;
        }
        let mut params = [Param::Int; MAX_PARAMS];
        for (slot, converter) in params.iter_mut().zip(converters) {
            *slot = match converter {
                Converter::Integer(Builtin::Int) => Param::Int,
                Converter::Integer(Builtin::Long | Builtin::LongLong) => Param::Long,
                Converter::Double => Param::Double,
                Converter::Bool => Param::Bool,
                Converter::Object { class, rvalue: false, .. } => Param::Object(class.as_ptr() as usize),
                _ => return None,
            };
        }
        let ret = match (construct, executor) {
            (Some(deleter), _) => Ret::Construct(deleter),
            (None, executor) => match executor {
            Executor::Void => Ret::Void,
            Executor::Scalar { kind: Builtin::Int, by_reference: false } => Ret::Int,
            Executor::Scalar { kind: Builtin::Long | Builtin::LongLong, by_reference: false } => Ret::Long,
            Executor::Scalar { kind: Builtin::Double, by_reference: false } => Ret::Double,
            Executor::Scalar { kind: Builtin::Bool, by_reference: false } => Ret::Bool,
            _ => return None,
            },
        };
        Some(FastPlan { thunk, params, count: converters.len(), ret, receiver_type: receiver_type as usize })
    }

    /// # Safety
    /// GIL held; `receiver` (for methods) and `args` are live objects.
    #[inline]
    pub unsafe fn call(&self, py: Python<'_>, receiver: *mut ffi::PyObject, args: &[*mut ffi::PyObject]) -> Outcome {
        if args.len() != self.count {
            return Outcome::Declined;
        }
        let this: *mut c_void = if self.receiver_type == 0 {
            std::ptr::null_mut()
        } else {
            if ffi::Py_TYPE(receiver) as usize != self.receiver_type {
                return Outcome::Declined;
            }
            let address = crate::instance::state(receiver).address();
            match (address.is_null(), matches!(self.ret, Ret::Construct(_))) {
                // A method needs an object; a constructor a fresh proxy.
                (true, false) | (false, true) => return Outcome::Declined,
                _ => {}
            }
            address
        };
        let mut slots = [ArgSlot { u64: 0 }; MAX_PARAMS];
        let mut argv = [std::ptr::null_mut::<c_void>(); MAX_PARAMS];
        for i in 0..self.count {
            let obj = args[i];
            let slot = &mut slots[i];
            match self.params[i] {
                Param::Int | Param::Long => {
                    if ffi::PyLong_CheckExact(obj) == 0 {
                        return Outcome::Declined;
                    }
                    let v = match crate::smallint::compact_value(obj) {
                        Some(v) => v,
                        None => {
                            let mut overflow: c_int = 0;
                            let v = ffi::PyLong_AsLongLongAndOverflow(obj, &mut overflow);
                            if overflow != 0 {
                                return Outcome::Declined;
                            }
                            v
                        }
                    };
                    if matches!(self.params[i], Param::Int) {
                        if v < i32::MIN as i64 || v > i32::MAX as i64 {
                            return Outcome::Declined;
                        }
                        slot.bytes[..4].copy_from_slice(&(v as i32).to_ne_bytes());
                    } else {
                        slot.i64 = v;
                    }
                }
                Param::Double => {
                    if ffi::PyFloat_CheckExact(obj) == 0 {
                        return Outcome::Declined;
                    }
                    slot.f64 = ffi::PyFloat_AS_DOUBLE(obj);
                }
                Param::Object(class) => {
                    if ffi::Py_TYPE(obj) as usize != class {
                        return Outcome::Declined;
                    }
                    let address = crate::instance::state(obj).address();
                    if address.is_null() {
                        return Outcome::Declined;
                    }
                    argv[i] = address;
                    continue;
                }
                Param::Bool => {
                    if obj == ffi::Py_True() {
                        slot.bytes[0] = 1;
                    } else if obj == ffi::Py_False() {
                        slot.bytes[0] = 0;
                    } else {
                        return Outcome::Declined;
                    }
                }
            }
            argv[i] = slot as *mut ArgSlot as *mut c_void;
        }
        let mut ret = ArgSlot { u64: 0 };
        let mut err = ThunkError::default();
        let rc = crate::signals::call(self.thunk, this, self.count as c_int, argv.as_mut_ptr(), &mut ret as *mut ArgSlot as *mut c_void, &mut err);
        if rc != 0 {
            let error = crate::overload::thunk_error(py, &mut err, rc);
            return if crate::overload::callee_raised(rc) { Outcome::Threw(error) } else { Outcome::Raised(error) };
        }
        Outcome::Done(match self.ret {
            Ret::Construct(deleter) => {
                let object = crate::instance::state(receiver);
                object.adopt(ret.ptr, Some(deleter));
                object.register(py, receiver);
                let none = ffi::Py_None();
                ffi::Py_INCREF(none);
                none
            }
            Ret::Void => {
                let none = ffi::Py_None();
                ffi::Py_INCREF(none);
                none
            }
            Ret::Int => ffi::PyLong_FromLong(ret.bytes.as_ptr().cast::<i32>().read_unaligned() as std::ffi::c_long),
            Ret::Long => ffi::PyLong_FromLongLong(ret.i64),
            Ret::Double => ffi::PyFloat_FromDouble(ret.f64),
            Ret::Bool => ffi::PyBool_FromLong((ret.bytes[0] != 0) as std::ffi::c_long),
        })
    }
}
