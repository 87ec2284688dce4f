//! The Python objects that call C++: `CppFunction` (free functions and
//! static methods: never bound) and `CppMethod` (methods and constructors:
//! bound like Python functions). Both are called through vectorcall, and
//! `CppMethod` is a method descriptor, so `obj.m(x)` allocates no bound
//! method (see docs/design.md, "call path").

use std::panic::AssertUnwindSafe;
use std::sync::OnceLock;

use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyType;
use pyo3::{PyClass, PyTypeInfo};

use crate::overload::OverloadSet;

#[pyclass(frozen, module = "cpplive", name = "CppFunction")]
pub struct CppFunction {
    vectorcall: ffi::vectorcallfunc,
    pub set: OverloadSet,
}

#[pyclass(frozen, module = "cpplive", name = "CppMethod")]
pub struct CppMethod {
    vectorcall: ffi::vectorcallfunc,
    pub set: OverloadSet,
    /// What `Class.m` gives when the set has virtual methods: the same
    /// overloads called as `Class` defines them (made on first access).
    direct: OnceLock<Py<CppMethod>>,
}

// `obj.m` when not called at once (calls `obj.m(...)` never make one: the
// method is a method descriptor). Knows its receiver, so that
// `obj.m.__overload__(...)` stays bound. (No doc comment: it would shadow
// the `__doc__` getter that lists the C++ signatures.)
#[pyclass(frozen, module = "cpplive", name = "BoundCppMethod")]
pub struct BoundCppMethod {
    vectorcall: ffi::vectorcallfunc,
    method: Py<CppMethod>,
    receiver: Py<PyAny>,
}

unsafe extern "C" fn bound_vectorcall(
    callable: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: usize,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    let py = Python::assume_attached();
    let this: Borrowed<'_, '_, BoundCppMethod> = Borrowed::from_ptr(py, callable).cast_unchecked();
    let this = this.get();
    let nargs = ffi::PyVectorcall_NARGS(nargsf) as usize;
    let total = nargs + if kwnames.is_null() { 0 } else { ffi::PyTuple_GET_SIZE(kwnames) as usize };
    let mut full: Vec<*mut ffi::PyObject> = Vec::with_capacity(total + 1);
    full.push(this.receiver.as_ptr());
    full.extend_from_slice(std::slice::from_raw_parts(args, total));
    run_call(py, &this.method.get().set, full.as_ptr(), nargs + 1, kwnames)
}

#[pymethods]
impl BoundCppMethod {
    #[getter]
    fn __self__(&self, py: Python<'_>) -> Py<PyAny> {
        self.receiver.clone_ref(py)
    }

    #[getter]
    fn __func__(&self, py: Python<'_>) -> Py<CppMethod> {
        self.method.clone_ref(py)
    }

    #[getter]
    fn __doc__(&self) -> String {
        self.method.get().set.doc()
    }

    #[getter]
    fn __name__(&self) -> String {
        self.method.get().set.name.clone()
    }

    fn __repr__(&self) -> String {
        format!("<bound C++ method {}>", self.method.get().set.name)
    }

    /// Explicit template arguments, bound to the same receiver.
    fn __getitem__(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let chosen = template_of(py, &self.method.get().set)?.get_item(key)?;
        chosen.call_method1("__get__", (self.receiver.bind(py), py.None())).map(Bound::unbind)
    }

    #[pyo3(signature = (signature, is_const=None))]
    fn __overload__(&self, py: Python<'_>, signature: &str, is_const: Option<bool>) -> PyResult<Py<BoundCppMethod>> {
        let set = &self.method.get().set;
        let chosen = set.select(signature, is_const).ok_or_else(|| no_such_overload(set, signature))?;
        let method = Py::new(py, CppMethod::new(chosen))?;
        Py::new(py, BoundCppMethod { vectorcall: bound_vectorcall, method, receiver: self.receiver.clone_ref(py) })
    }
}

unsafe fn run_call(
    py: Python<'_>,
    set: &OverloadSet,
    args: *const *mut ffi::PyObject,
    nargsf: usize,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    let nargs = ffi::PyVectorcall_NARGS(nargsf) as usize;
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| set.call(py, args, nargs, kwnames)));
    match outcome {
        Ok(Ok(result)) => result.into_ptr(),
        Ok(Err(err)) => {
            err.restore(py);
            std::ptr::null_mut()
        }
        Err(_) => {
            PyRuntimeError::new_err("internal error in cpplive (panic) during a C++ call").restore(py);
            std::ptr::null_mut()
        }
    }
}

/// The callables that hold an overload set (one vectorcall entry for both).
trait HoldsSet: PyClass + Sync {
    fn set(&self) -> &OverloadSet;
}

impl HoldsSet for CppFunction {
    fn set(&self) -> &OverloadSet {
        &self.set
    }
}

impl HoldsSet for CppMethod {
    fn set(&self) -> &OverloadSet {
        &self.set
    }
}

unsafe extern "C" fn set_vectorcall<T: HoldsSet + pyo3::PyClass<Frozen = pyo3::pyclass::boolean_struct::True>>(
    callable: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: usize,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    let py = Python::assume_attached();
    let this: Borrowed<'_, '_, T> = Borrowed::from_ptr(py, callable).cast_unchecked();
    run_call(py, this.get().set(), args, nargsf, kwnames)
}

impl CppFunction {
    pub fn new(set: OverloadSet) -> CppFunction {
        CppFunction { vectorcall: set_vectorcall::<CppFunction>, set }
    }
}

impl CppMethod {
    pub fn new(set: OverloadSet) -> CppMethod {
        CppMethod { vectorcall: set_vectorcall::<CppMethod>, set, direct: OnceLock::new() }
    }
}

/// The Python methods both callables share (`__doc__` lists the C++
/// signatures; `__overload__` picks overloads by parameter types), plus
/// those given in braces. One `#[pymethods]` block per class, so the shared
/// ones are spliced in rather than written twice.
macro_rules! callable_methods {
    ($type:ident, $what:literal, { $($extra:tt)* }) => {
        #[pymethods]
        impl $type {
            #[getter]
            fn __doc__(&self) -> String {
                self.set.doc()
            }

            #[getter]
            fn __name__(&self) -> String {
                self.set.name.clone()
            }

            fn __repr__(&self) -> String {
                format!(concat!("<C++ ", $what, " {}>"), self.set.name)
            }

            /// The overload(s) taking exactly the given C++ parameter types
            /// (`":any:"`: all), and, when `is_const` is given, only the
            /// const or only the non-const methods.
            #[pyo3(signature = (signature, is_const=None))]
            fn __overload__(&self, py: Python<'_>, signature: &str, is_const: Option<bool>) -> PyResult<Py<$type>> {
                let chosen = self.set.select(signature, is_const).ok_or_else(|| no_such_overload(&self.set, signature))?;
                Py::new(py, $type::new(chosen))
            }

            /// Whether calls release the GIL while C++ runs.
            #[getter]
            fn __release_gil__(&self) -> bool {
                self.set.settings.release_gil.load(std::sync::atomic::Ordering::Relaxed)
            }

            #[setter(__release_gil__)]
            fn set_release_gil(&self, value: bool) {
                self.set.settings.release_gil.store(value, std::sync::atomic::Ordering::Relaxed);
            }

            /// Whether a returned pointer or reference is a new object that
            /// Python then owns (and deletes).
            #[getter]
            fn __creates__(&self) -> bool {
                self.set.settings.creates.load(std::sync::atomic::Ordering::Relaxed)
            }

            #[setter(__creates__)]
            fn set_creates(&self, value: bool) {
                self.set.settings.creates.store(value, std::sync::atomic::Ordering::Relaxed);
            }

            /// Whether calls turn fatal signals into Python exceptions, as
            /// under `cpplive.ll.signals_as_exception()`.
            #[getter]
            fn __sig2exc__(&self) -> bool {
                self.set.settings.signals_as_exception.load(std::sync::atomic::Ordering::Relaxed)
            }

            #[setter(__sig2exc__)]
            fn set_sig2exc(&self, value: bool) {
                self.set.settings.signals_as_exception.store(value, std::sync::atomic::Ordering::Relaxed);
            }

            /// cppyy's memory policy setting: kept, without effect (see
            /// `OverloadSet::memory_policy`).
            #[getter]
            fn __mempolicy__(&self) -> i32 {
                self.set.settings.memory_policy.load(std::sync::atomic::Ordering::Relaxed)
            }

            #[setter(__mempolicy__)]
            fn set_mempolicy(&self, value: i32) {
                self.set.settings.memory_policy.store(value, std::sync::atomic::Ordering::Relaxed);
            }

            /// cppyy's foreign-function-interface switch: kept, without
            /// effect (calls always go through compiled thunks).
            #[getter]
            fn __useffi__(&self) -> bool {
                self.set.settings.use_ffi.load(std::sync::atomic::Ordering::Relaxed)
            }

            #[setter(__useffi__)]
            fn set_useffi(&self, value: bool) {
                self.set.settings.use_ffi.store(value, std::sync::atomic::Ordering::Relaxed);
            }

            /// Explicit template arguments, for a name that also has a
            /// function template.
            fn __getitem__(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
                template_of(py, &self.set)?.get_item(key).map(Bound::unbind)
            }

            $($extra)*
        }
    };
}

callable_methods!(CppFunction, "function", {
    /// The C++ type of a pointer to this function (`int (*)(int, double)`),
    /// as template deduction sees a function argument; `void* (*)(...)`
    /// for an overloaded name, as in cppyy.
    #[getter]
    fn __cpp_name__(&self) -> String {
        match self.set.functions() {
            [one] => crate::fnpointer::pointer_type_name(one),
            [] => "void (*)()".to_string(),
            _ => "void* (*)(...)".to_string(),
        }
    }
});

callable_methods!(CppMethod, "method", {
    fn __get__(slf: &Bound<'_, Self>, instance: Option<&Bound<'_, PyAny>>, _owner: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
        match instance {
            Some(obj) if !obj.is_none() => {
                let bound = BoundCppMethod {
                    vectorcall: bound_vectorcall,
                    method: slf.clone().unbind(),
                    receiver: obj.clone().unbind(),
                };
                Ok(Py::new(slf.py(), bound)?.into_any())
            }
            // Reached through the class (`A.f(obj)`; `obj.f()` never
            // comes here): as in C++'s `obj.A::f()`, the class's own
            // definition, not an override. cppyy calls it so too.
            _ if slf.get().set.has_direct_variant() => {
                let this = slf.get();
                if let Some(direct) = this.direct.get() {
                    return Ok(direct.clone_ref(slf.py()).into_any());
                }
                let made = Py::new(slf.py(), CppMethod::new(this.set.direct_variant(slf.py())))?;
                let _ = this.direct.set(made);
                Ok(this.direct.get().map(|d| d.clone_ref(slf.py()).into_any()).unwrap_or_else(|| slf.clone().into_any().unbind()))
            }
            _ => Ok(slf.clone().into_any().unbind()),
        }
    }
});

fn template_of<'py>(py: Python<'py>, set: &OverloadSet) -> PyResult<Bound<'py, PyAny>> {
    match &set.template {
        Some(template) => Ok(template.bind(py).clone()),
        None => Err(PyTypeError::new_err(format!("C++ function '{}' is not a template: it takes no template arguments", set.name))),
    }
}

fn no_such_overload(set: &OverloadSet, signature: &str) -> PyErr {
    pyo3::exceptions::PyLookupError::new_err(format!(
        "'{}' has no overload taking ({signature}); candidates:\n  {}",
        set.name,
        set.doc().replace('\n', "\n  ")
    ))
}

/// Makes a pyo3 class callable through vectorcall (and, for methods, a
/// method descriptor). pyo3 has no option for either: the type's slots are
/// set once at module initialization, with the field offset measured on a
/// probe instance.
fn enable_vectorcall<T: PyClass + PyTypeInfo>(
    py: Python<'_>,
    probe: &Bound<'_, T>,
    field: *const ffi::vectorcallfunc,
    method_descriptor: bool,
) {
    unsafe {
        let tp = T::type_object(py).as_type_ptr();
        (*tp).tp_vectorcall_offset = (field as isize) - (probe.as_ptr() as isize);
        (*tp).tp_call = Some(ffi::PyVectorcall_Call);
        let mut flags = ffi::Py_TPFLAGS_HAVE_VECTORCALL | ffi::Py_TPFLAGS_IMMUTABLETYPE;
        if method_descriptor {
            flags |= ffi::Py_TPFLAGS_METHOD_DESCRIPTOR;
        }
        (*tp).tp_flags |= flags;
        ffi::PyType_Modified(tp);
    }
}

pub fn install(py: Python<'_>) -> PyResult<()> {
    let empty = || OverloadSet::new(String::new(), crate::overload::Role::Function, Vec::new(), None, None);
    let f = Bound::new(py, CppFunction::new(empty()))?;
    enable_vectorcall(py, &f, &f.get().vectorcall as *const _, false);
    let m = Bound::new(py, CppMethod::new(empty()))?;
    enable_vectorcall(py, &m, &m.get().vectorcall as *const _, true);
    let b = Bound::new(py, BoundCppMethod { vectorcall: bound_vectorcall, method: m.clone().unbind(), receiver: py.None() })?;
    enable_vectorcall(py, &b, &b.get().vectorcall as *const _, false);
    let _: &Bound<'_, PyType> = &CppFunction::type_object(py);
    Ok(())
}

/// The one C++ function `obj` calls (a function or method with a single
/// overload, as `__overload__` gives), if it is one.
pub fn single_function(obj: &Bound<'_, PyAny>) -> Option<cpplive_core::model::FunctionInfo> {
    let set = if let Ok(f) = obj.cast::<CppFunction>() {
        f.get().set.functions().to_vec()
    } else if let Ok(m) = obj.cast::<CppMethod>() {
        m.get().set.functions().to_vec()
    } else if let Ok(b) = obj.cast::<BoundCppMethod>() {
        b.get().method.get().set.functions().to_vec()
    } else {
        return None;
    };
    match <[_; 1]>::try_from(set) {
        Ok([only]) => Some(only),
        Err(_) => None,
    }
}
