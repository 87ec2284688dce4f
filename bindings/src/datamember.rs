//! Descriptors for data: non-static data members (read through the
//! instance's address plus an offset) and variables (static members and
//! namespace-scope variables, at an address the JIT resolves once).

use std::cell::UnsafeCell;
use std::ffi::c_void;

use cpplive_core::thunk::{ArgSlot, ThunkError};
use cpplive_core::types::{RefKind, TypeBase, TypeRef};
use pyo3::exceptions::{PyAttributeError, PyReferenceError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::convert::{Converter, Pass, Rejection, Scratch};
use crate::execute::Executor;
use crate::instance::CppObject;
use crate::runtime::with_backend;

enum Place {
    /// Offset from the owning object's address.
    Member { offset: usize, class: Py<PyType> },
    /// A variable: its qualified name, and its address once known.
    Variable { qualified: String, address: UnsafeCell<Option<usize>> },
}

struct Accessors {
    read: Executor,
    write: Converter,
}

#[pyclass(frozen, module = "cpplive", name = "DataMember")]
pub struct DataMember {
    name: String,
    ty: TypeRef,
    place: Place,
    accessors: UnsafeCell<Option<Accessors>>,
}

// Interior state is only touched with the GIL held.
unsafe impl Sync for DataMember {}

impl DataMember {
    pub fn member(name: String, ty: TypeRef, offset: usize, class: Py<PyType>) -> DataMember {
        DataMember { name, ty, place: Place::Member { offset, class }, accessors: UnsafeCell::new(None) }
    }

    pub fn variable(name: String, ty: TypeRef, qualified: String) -> DataMember {
        DataMember {
            name,
            ty,
            place: Place::Variable { qualified, address: UnsafeCell::new(None) },
            accessors: UnsafeCell::new(None),
        }
    }

    fn accessors(&self, py: Python<'_>) -> &Accessors {
        let slot = unsafe { &mut *self.accessors.get() };
        if slot.is_none() {
            // Read as if through a `T&`; write as a `const T&` argument.
            let mut as_reference = self.ty.clone();
            if as_reference.reference == RefKind::None {
                as_reference.reference = RefKind::LValue;
            }
            let mut as_argument = self.ty.clone();
            as_argument.reference = RefKind::None;
            as_argument.base_const = false;
            *slot = Some(Accessors { read: Executor::for_type(py, &as_reference), write: Converter::for_type(py, &as_argument) });
        }
        slot.as_ref().unwrap()
    }

    fn address(&self, py: Python<'_>, instance: Option<&Bound<'_, PyAny>>) -> PyResult<*mut c_void> {
        match &self.place {
            Place::Variable { qualified, address } => {
                let cached = unsafe { &mut *address.get() };
                if let Some(a) = cached {
                    return Ok(*a as *mut c_void);
                }
                let getter = with_backend(|b| b.variable_address(qualified).map_err(crate::errors::backend_error))?;
                let a = unsafe { getter() } as usize;
                *cached = Some(a);
                Ok(a as *mut c_void)
            }
            Place::Member { offset, class } => {
                let Some(obj) = instance else {
                    return Err(PyAttributeError::new_err(format!("'{}' is a data member: read it from an instance", self.name)));
                };
                let cls = class.as_ptr() as *mut ffi::PyTypeObject;
                if unsafe { ffi::PyType_IsSubtype(ffi::Py_TYPE(obj.as_ptr()), cls) } == 0 {
                    return Err(PyTypeError::new_err(format!("data member '{}' read from a foreign object", self.name)));
                }
                let base = unsafe { CppObject::address_of(py, obj.as_ptr(), cls) };
                if base.is_null() {
                    return Err(PyReferenceError::new_err("attempt to access a null-pointer C++ object"));
                }
                Ok(unsafe { (base as *mut u8).add(*offset) } as *mut c_void)
            }
        }
    }

    fn is_variable(&self) -> bool {
        matches!(self.place, Place::Variable { .. })
    }

    pub fn get(&self, py: Python<'_>, instance: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let address = self.address(py, instance)?;
        let slot = ArgSlot { ptr: address };
        unsafe { self.accessors(py).read.execute(py, &slot as *const ArgSlot as *const c_void) }
    }

    pub fn set(&self, py: Python<'_>, instance: Option<&Bound<'_, PyAny>>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        if self.ty.base_const && self.ty.is_plain() && self.ty.reference == RefKind::None {
            return Err(PyAttributeError::new_err(format!("'{}' is const", self.name)));
        }
        if self.ty.reference != RefKind::None {
            return Err(PyAttributeError::new_err(format!("'{}' is a reference and cannot be reseated", self.name)));
        }
        let address = self.address(py, instance)?;
        let accessors = self.accessors(py);
        let mut slot = ArgSlot::default();
        let mut scratch = Scratch::default();
        let source = unsafe { accessors.write.convert(py, value.as_ptr(), &mut slot, Pass::Implicit, &mut scratch) }
            .map_err(|why| self.rejected(value, why))?;
        let needs_assignment = matches!(self.ty.base, TypeBase::StdString | TypeBase::Named(_))
            && self.ty.enum_id().is_none()
            && self.ty.is_plain();
        if needs_assignment {
            let assign = with_backend(|b| b.assigner(&self.ty).map_err(crate::errors::backend_error))?;
            let mut err = ThunkError::default();
            let rc = unsafe { assign(address, source, &mut err) };
            if rc != 0 {
                return Err(crate::overload::thunk_error(py, &mut err, rc));
            }
        } else {
            let size = if self.ty.is_plain() { self.ty.size.max(1) } else { std::mem::size_of::<*mut c_void>() };
            unsafe { std::ptr::copy_nonoverlapping(source as *const u8, address as *mut u8, size.min(16)) };
        }
        Ok(())
    }

    #[cold]
    fn rejected(&self, value: &Bound<'_, PyAny>, why: Rejection) -> PyErr {
        let got = value.get_type().name().map(|n| n.to_string()).unwrap_or_default();
        let ty = cpplive_core::typename::readable(&self.ty.spelling);
        match why {
            Rejection::OutOfRange => pyo3::exceptions::PyOverflowError::new_err(format!("value out of range for '{}' ({ty})", self.name)),
            Rejection::Unsupported(text) => pyo3::exceptions::PyNotImplementedError::new_err(format!("cannot assign '{}': {text}", self.name)),
            _ => PyTypeError::new_err(format!("cannot assign a '{got}' to '{}' of type '{ty}'", self.name)),
        }
    }
}

#[pymethods]
impl DataMember {
    fn __get__(slf: &Bound<'_, Self>, instance: Option<&Bound<'_, PyAny>>, _owner: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        let this = slf.get();
        let instance = instance.filter(|i| !i.is_none());
        if instance.is_none() && !this.is_variable() {
            return Ok(slf.clone().into_any().unbind());
        }
        this.get(slf.py(), instance)
    }

    fn __set__(slf: &Bound<'_, Self>, instance: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let this = slf.get();
        let instance = (!instance.is_none()).then_some(instance);
        this.set(slf.py(), instance, value)
    }

    #[getter]
    fn __doc__(&self) -> String {
        format!("{} {}", cpplive_core::typename::readable(&self.ty.spelling), self.name)
    }
}
