//! The functions of `cpplive._cpplive` that the Python package builds on:
//! code (cppdef, include, libraries), lookups that return proxies' building
//! blocks, and the low-level object helpers.

use std::ffi::c_void;
use std::path::{Path, PathBuf};

use cpplive_core::model::{Entity, FunctionInfo, FunctionKind, ScopeKind};
use cpplive_core::types::{Builtin, TypeBase};
use cpplive_core::{library_search, typename, BackendError, ScopeId, TypeRef};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple, PyType};
use pyo3::IntoPyObjectExt;

use crate::callable::{CppFunction, CppMethod};
use crate::datamember::DataMember;
use crate::errors::backend_error;
use crate::instance::CppObject;
use crate::overload::{OverloadSet, Role};
use crate::registry;
use crate::runtime::{with_backend, with_backend_detached};

#[pyfunction]
pub fn cppdef(py: Python<'_>, code: &str) -> PyResult<bool> {
    DECLARATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let warnings = with_backend_detached(py, |b| declared_with_warnings(b, |b| b.declare(code).map_err(worded_as_cppyy)))?;
    warn_about(py, &warnings)?;
    Ok(true)
}

/// A rejected `cppdef` opens as cppyy's does (code written for it looks
/// for those words), then clang's diagnostics.
fn worded_as_cppyy(error: BackendError) -> BackendError {
    match error {
        BackendError::Parse { diagnostics } => BackendError::Parse { diagnostics: format!("Failed to parse the given C++ code:\n{diagnostics}") },
        other => other,
    }
}

/// Runs `declare` and returns the compiler's warnings on that input only
/// (those left by generated code before it are dropped).
fn declared_with_warnings(
    backend: &mut dyn cpplive_core::Backend,
    declare: impl FnOnce(&mut dyn cpplive_core::Backend) -> Result<(), BackendError>,
) -> PyResult<String> {
    backend.take_warnings().map_err(backend_error)?;
    declare(&mut *backend).map_err(backend_error)?;
    backend.take_warnings().map_err(backend_error)
}

/// The compiler's warnings on accepted input, as one `SyntaxWarning` (what
/// cppyy users catch), attributed to the caller of `cppdef`/`include`.
fn warn_about(py: Python<'_>, warnings: &str) -> PyResult<()> {
    // Each input is "included" from clang's incremental main file: a line
    // that names no place in the user's code.
    let text: Vec<&str> = warnings.lines().filter(|line| !line.starts_with("In file included from <<< inputs >>>")).collect();
    let text = text.join("\n");
    let text = text.trim_end();
    if text.is_empty() {
        return Ok(());
    }
    let category = py.get_type::<pyo3::exceptions::PySyntaxWarning>();
    let message = std::ffi::CString::new(text.replace('\0', "")).unwrap_or_default();
    PyErr::warn(py, &category, &message, 2)
}

/// `cppdef` for helpers the proxy layer generates (see
/// `Backend::declare_helper`).
#[pyfunction]
pub fn cppdef_helper(py: Python<'_>, code: &str) -> PyResult<bool> {
    with_backend_detached(py, |b| b.declare_helper(code).map_err(backend_error))?;
    Ok(true)
}

/// Counts the inputs that may have declared names (`cppdef`, `include`,
/// undo), so that listings of scopes can be kept until the next one.
pub static DECLARATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The number of inputs so far that may have declared or hidden names.
#[pyfunction]
pub fn declaration_generation() -> u64 {
    DECLARATIONS.load(std::sync::atomic::Ordering::Relaxed)
}

#[pyfunction]
#[pyo3(signature = (header, c_linkage=false))]
pub fn include(py: Python<'_>, header: &str, c_linkage: bool) -> PyResult<bool> {
    DECLARATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let warnings = with_backend_detached(py, |b| declared_with_warnings(b, |b| b.include(header, c_linkage)))?;
    warn_about(py, &warnings)?;
    Ok(true)
}

#[pyfunction]
pub fn add_include_path(dir: &str) -> PyResult<()> {
    with_backend(|b| b.add_include_path(Path::new(dir)).map_err(backend_error))
}

/// Loads the library `name` names (see `cpplive_core::library_search`),
/// searching `paths` (from `add_library_path`) first.
#[pyfunction]
pub fn load_library(py: Python<'_>, name: &str, paths: Vec<PathBuf>) -> PyResult<bool> {
    let found = library_search::find(name, &paths);
    with_backend_detached(py, move |b| {
        let found = match found {
            Ok(found) => found,
            // Left to the dynamic linker, which also knows the run paths of
            // the loaded objects; when it fails too, our search's error says
            // more than its "No such file".
            Err(not_found) => return b.load_library(Path::new(name)).map_err(|_| backend_error(not_found)),
        };
        b.load_library(&found).map_err(|e| {
            backend_error(match e {
                BackendError::LibraryNotFound { detail, .. } => BackendError::LibraryNotFound {
                    name: name.into(),
                    detail: format!("{} was found but does not load: {detail}", found.display()),
                    searched: found.display().to_string(),
                },
                other => other,
            })
        })
    })?;
    Ok(true)
}

#[pyfunction]
pub fn set_compiler_args(py: Python<'_>, args: Vec<String>) -> PyResult<bool> {
    crate::runtime::set_extra_args(py, args)
}

#[pyfunction]
pub fn set_class_factory(py: Python<'_>, factory: Py<PyAny>) {
    registry::set_factory(py, factory);
}

/// Records proxy type `cls` for C++ scope `id`; `ready=False` while its
/// members are still being installed.
#[pyfunction]
#[pyo3(signature = (id, cls, ready=true))]
pub fn register_class(py: Python<'_>, id: u64, cls: &Bound<'_, PyType>, ready: bool) {
    registry::register(py, id, cls, ready);
}

/// Describes a type for the Python layer: ("class"|"enum", id, name),
/// ("builtin", name), ("string",), or ("other", name).
fn describe_type<'py>(py: Python<'py>, ty: &TypeRef) -> PyResult<Bound<'py, PyTuple>> {
    let readable = typename::readable(&ty.spelling);
    if ty.is_plain() && ty.reference == cpplive_core::RefKind::None {
        if let Some(id) = ty.class_id() {
            return PyTuple::new(py, [ "class".into_bound_py_any(py)?, id.into_bound_py_any(py)?, readable.into_bound_py_any(py)? ]);
        }
        if let Some(id) = ty.enum_id() {
            return PyTuple::new(py, [ "enum".into_bound_py_any(py)?, id.into_bound_py_any(py)?, readable.into_bound_py_any(py)? ]);
        }
        match &ty.base {
            TypeBase::Builtin(b) => return PyTuple::new(py, [ "builtin", b.name() ]),
            TypeBase::StdString => return PyTuple::new(py, [ "string", "std::string" ]),
            _ => {}
        }
    }
    // Handles: one level of pointer to a class, or `void*`.
    if ty.pointers.len() == 1 && ty.array.is_empty() && ty.reference == cpplive_core::RefKind::None {
        if let Some(id) = ty.class_id() {
            return PyTuple::new(py, [ "class_pointer".into_bound_py_any(py)?, id.into_bound_py_any(py)?, readable.into_bound_py_any(py)? ]);
        }
        if ty.base == TypeBase::Builtin(Builtin::Void) {
            return PyTuple::new(py, [ "void_pointer".to_string(), readable ]);
        }
    }
    PyTuple::new(py, [ "other".to_string(), readable ])
}

fn function_object(py: Python<'_>, name: &str, functions: Vec<FunctionInfo>, class: Option<(&Bound<'_, PyType>, ScopeId)>) -> PyResult<Py<PyAny>> {
    let is_method = functions.iter().any(|f| f.kind.needs_object());
    let (cls, id) = match class {
        Some((c, id)) => (Some(c.clone().unbind()), Some(id)),
        None => (None, None),
    };
    if is_method {
        let methods: Vec<FunctionInfo> = functions.into_iter().filter(|f| f.kind.needs_object()).collect();
        Py::new(py, CppMethod::new(OverloadSet::new(name.to_string(), Role::Method, methods, cls, id))).map(|p| p.into_any())
    } else {
        Py::new(py, CppFunction::new(OverloadSet::new(name.to_string(), Role::Function, functions, cls, id))).map(|p| p.into_any())
    }
}

/// What `name` is in `scope`, as a tuple the Python layer turns into a proxy;
/// None when there is no such name.
#[pyfunction]
#[pyo3(signature = (scope, name, cls=None))]
pub fn lookup<'py>(py: Python<'py>, scope: u64, name: &str, cls: Option<&Bound<'py, PyType>>) -> PyResult<Option<Bound<'py, PyTuple>>> {
    let entity = with_backend(|b| b.lookup(ScopeId(scope), name).map_err(backend_error))?;
    let Some(entity) = entity else { return Ok(None) };
    let item = |tag: &str, value: Bound<'py, PyAny>| PyTuple::new(py, [tag.into_bound_py_any(py).unwrap(), value]);
    Ok(Some(match entity {
        Entity::Namespace(id) => item("namespace", id.0.into_bound_py_any(py)?)?,
        Entity::Class(id) => item("class", id.0.into_bound_py_any(py)?)?,
        Entity::Enum(id) => item("enum", id.0.into_bound_py_any(py)?)?,
        Entity::Functions(functions) => {
            let class = cls.map(|c| (c, ScopeId(scope)));
            item("functions", function_object(py, name, functions, class)?.into_bound(py))?
        }
        Entity::Variable { qualified, ty } => {
            item("variable", Py::new(py, DataMember::variable(name.to_string(), ty, qualified))?.into_bound(py).into_any())?
        }
        Entity::ClassTemplate { qualified } => item("class_template", qualified.into_bound_py_any(py)?)?,
        Entity::FunctionTemplate { qualified, overloads } => {
            let plain = if overloads.is_empty() {
                py.None().into_bound(py)
            } else {
                function_object(py, name, overloads, cls.map(|c| (c, ScopeId(scope))))?.into_bound(py)
            };
            PyTuple::new(py, ["function_template".into_bound_py_any(py)?, qualified.into_bound_py_any(py)?, plain])?
        }
        Entity::Typedef(ty) => item("typedef", describe_type(py, &ty)?.into_any())?,
        Entity::Enumerator { value, ty } => {
            PyTuple::new(py, ["enumerator".into_bound_py_any(py)?, value.into_bound_py_any(py)?, ty.enum_id().unwrap_or(0).into_bound_py_any(py)?])?
        }
        Entity::Field => item("field", py.None().into_bound(py))?,
        Entity::NonPublic => item("nonpublic", py.None().into_bound(py))?,
    }))
}

/// The specializations of function template `name` in `scope` for explicit
/// template arguments and call argument types, as one callable; None when
/// no template matches.
#[pyfunction]
#[pyo3(signature = (scope, name, explicit_args, arg_types, cls=None))]
pub fn instantiate_function(
    py: Python<'_>,
    scope: u64,
    name: &str,
    explicit_args: Vec<String>,
    arg_types: Vec<String>,
    cls: Option<&Bound<'_, PyType>>,
) -> PyResult<Option<Py<PyAny>>> {
    let functions = with_backend(|b| b.instantiate_function(ScopeId(scope), name, &explicit_args, &arg_types).map_err(backend_error))?;
    if functions.is_empty() {
        return Ok(None);
    }
    if let (Some(cls), true) = (cls, functions.iter().all(|f| f.kind == FunctionKind::Constructor)) {
        // A constructor template's instantiations construct, as `__init__`.
        let set = OverloadSet::new(name.to_string(), Role::Constructor, functions, Some(cls.clone().unbind()), Some(ScopeId(scope)));
        return Ok(Some(Py::new(py, CppMethod::new(set))?.into_any()));
    }
    function_object(py, name, functions, cls.map(|c| (c, ScopeId(scope)))).map(Some)
}

/// `plain` (a function or method callable) backed by the function
/// template of the same name: `fallback` is called when no overload of
/// `plain` matches, and subscripts go to `template`.
#[pyfunction]
pub fn with_template(py: Python<'_>, plain: &Bound<'_, PyAny>, template: Py<PyAny>, fallback: Py<PyAny>) -> PyResult<Py<PyAny>> {
    if let Ok(function) = plain.cast::<CppFunction>() {
        return Py::new(py, CppFunction::new(function.get().set.duplicate(py).with_template(template, fallback))).map(|f| f.into_any());
    }
    let method = plain.cast::<CppMethod>()?;
    Py::new(py, CppMethod::new(method.get().set.duplicate(py).with_template(template, fallback))).map(|m| m.into_any())
}

/// A copy of function or method callable `plain` that calls `fallback`
/// with the same arguments when no overload matches.
#[pyfunction]
pub fn with_fallback(py: Python<'_>, plain: &Bound<'_, PyAny>, fallback: Py<PyAny>) -> PyResult<Py<PyAny>> {
    if let Ok(function) = plain.cast::<CppFunction>() {
        return Py::new(py, CppFunction::new(function.get().set.duplicate(py).with_fallback(Some(fallback)))).map(|f| f.into_any());
    }
    let method = plain.cast::<CppMethod>()?;
    Py::new(py, CppMethod::new(method.get().set.duplicate(py).with_fallback(Some(fallback)))).map(|m| m.into_any())
}

/// `func(*args)` with each element of a container made from a Python
/// value converted on its own (see `convert::elementwise`).
#[pyfunction]
#[pyo3(signature = (func, *args))]
pub fn elementwise(func: &Bound<'_, PyAny>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
    crate::convert::elementwise(|| func.call1(args.clone()).map(|r| r.unbind()))
}

/// A view of `len` objects of `obj`'s class side by side from `obj`'s
/// address on (`obj` a pointer to the first, as a vector's `data()`),
/// keeping `owner` alive.
#[pyfunction]
pub fn object_view(py: Python<'_>, obj: &Bound<'_, PyAny>, len: usize, owner: Py<PyAny>) -> PyResult<Py<PyAny>> {
    if !unsafe { crate::instance::is_proxy(py, obj.as_ptr()) } {
        return Err(PyTypeError::new_err("object_view() needs a C++ object"));
    }
    let Some(id) = registry::scope_of_type(py, obj.get_type().as_ptr() as *mut pyo3::ffi::PyTypeObject) else {
        return Err(PyTypeError::new_err("object_view() needs a C++ object"));
    };
    let address = unsafe { crate::instance::state(obj.as_ptr()) }.address() as usize;
    let view = Py::new(py, crate::execute::object_view(py, id, address, len)?)?;
    view.bind(py).call_method1("_keep_owner", (owner,))?;
    Ok(view.into_any())
}

/// Keeps `owner` alive as long as proxy `obj` (which refers into it); once
/// per proxy, the first owner staying.
#[pyfunction]
pub fn keep_alive(py: Python<'_>, obj: &Bound<'_, PyAny>, owner: Py<PyAny>) -> PyResult<()> {
    if !unsafe { crate::instance::is_proxy(py, obj.as_ptr()) } {
        return Err(PyTypeError::new_err("keep_alive() needs a C++ object"));
    }
    unsafe { crate::instance::state(obj.as_ptr()) }.keep_alive(owner);
    Ok(())
}

/// All the text of a `std::string` object, embedded NULs too: a `str`, or
/// `bytes` when it is not UTF-8.
#[pyfunction]
pub fn string_text(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let string_class = crate::convert::std_string_class_id();
    let tp = obj.get_type();
    let is_string = unsafe { crate::instance::is_proxy(py, obj.as_ptr()) }
        && string_class.is_some()
        && registry::scope_of_type(py, tp.as_ptr() as *mut pyo3::ffi::PyTypeObject) == string_class;
    if !is_string {
        return Err(PyTypeError::new_err(format!("string_text() needs a std::string, not '{}'", tp.name()?)));
    }
    let address = unsafe { crate::instance::state(obj.as_ptr()) }.address();
    if address.is_null() {
        return Err(PyValueError::new_err("the std::string object is null"));
    }
    unsafe { crate::execute::string_text(py, address) }
}

/// How C++ names the overloads of a function or method callable, with
/// the template arguments of a specialization (`::ns::f<int>`, `m<int>`).
#[pyfunction]
pub fn overload_names(callable: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    if let Ok(function) = callable.cast::<CppFunction>() {
        return Ok(function.get().set.qualified_names());
    }
    Ok(callable.cast::<CppMethod>()?.get().set.qualified_names())
}

/// A C++ class derived from class `scope` whose virtual methods can be
/// sent to Python: `(its id, [(name, std::function member)])`, or None when
/// the class has no virtual method that can be overridden.
#[pyfunction]
pub fn make_dispatcher(scope: u64) -> PyResult<Option<(u64, Vec<(String, String)>)>> {
    with_backend(|b| {
        let Some(plan) = cpplive_core::dispatch::plan(b, ScopeId(scope)).map_err(backend_error)? else {
            return Ok(None);
        };
        let constructors: Vec<&FunctionInfo> = plan.constructors.iter().collect();
        let chosen: Vec<&FunctionInfo> = plan.virtuals.iter().collect();
        let id = match b.declare_dispatcher(ScopeId(scope), &constructors, &chosen) {
            Ok(id) => id,
            // Nothing to override: a class that cannot be derived from
            // this way (a private destructor) is simply used without one.
            Err(_) if chosen.is_empty() => return Ok(None),
            Err(e) => return Err(backend_error(e)),
        };
        let members = chosen.iter().enumerate().map(|(i, f)| (f.name.clone(), format!("cpplive_py_{i}"))).collect();
        Ok(Some((id.0, members)))
    })
}

/// A C++ class deriving from every class of `scopes` (a Python class with
/// several C++ bases): `(its id, [(name, std::function member)], for each
/// base the names of its argument pack classes)`, or None when no base has
/// anything to override or be told of.
#[pyfunction]
pub fn make_multi_dispatcher(scopes: Vec<u64>) -> PyResult<Option<(u64, Vec<(String, String)>, Vec<Vec<String>>)>> {
    with_backend(|b| {
        let mut bases: Vec<(ScopeId, Vec<FunctionInfo>, Vec<FunctionInfo>)> = Vec::new();
        let mut seen: Vec<FunctionInfo> = Vec::new();
        let mut polymorphic = false;
        // A base that declares constructors, none of which can be used,
        // cannot be constructed: neither can the dispatcher.
        let mut constructible = true;
        for &scope in &scopes {
            let id = ScopeId(scope);
            polymorphic |= b.scope(id).map_err(backend_error)?.is_polymorphic;
            // A virtual two bases declare alike is overridden once.
            let same = |f: &FunctionInfo, g: &FunctionInfo| {
                g.name == f.name && g.is_const == f.is_const && g.params.iter().map(|p| &p.ty.spelling).eq(f.params.iter().map(|p| &p.ty.spelling))
            };
            let virtuals: Vec<FunctionInfo> =
                cpplive_core::dispatch::overridable_virtuals(b, id).map_err(backend_error)?.into_iter().filter(|f| !seen.iter().any(|g| same(f, g))).collect();
            seen.extend(virtuals.iter().cloned());
            let methods = b.methods(id).map_err(backend_error)?;
            let constructors: Vec<FunctionInfo> = methods
                .iter()
                .filter(|f| f.kind == FunctionKind::Constructor && f.access != cpplive_core::model::Access::Private && !f.is_deleted)
                .filter(|f| !(f.params.len() == 1 && f.params[0].ty.reference != cpplive_core::RefKind::None && f.params[0].ty.class_id() == Some(scope)))
                .cloned()
                .collect();
            if constructors.is_empty() && methods.iter().any(|f| f.kind == FunctionKind::Constructor) {
                constructible = false;
            }
            bases.push((id, virtuals, constructors));
        }
        if seen.is_empty() && !polymorphic {
            return Ok(None);
        }
        // Each constructor given its required parameters and then each
        // default one more, so that Python chooses how many.
        let ways: Vec<Vec<(&FunctionInfo, usize)>> =
            bases.iter().map(|(_, _, ctors)| ctors.iter().flat_map(|c| (c.min_args()..=c.params.len()).map(move |n| (c, n))).collect()).collect();
        let combinations: usize = ways.iter().map(|w| w.len().max(1)).product();
        if combinations > 512 {
            return Err(PyTypeError::new_err(format!(
                "a Python class deriving from these C++ classes would need {combinations} constructors (one per way to construct each base); derive from fewer at once"
            )));
        }
        let declared: Vec<(ScopeId, Vec<&FunctionInfo>, Vec<(&FunctionInfo, usize)>)> =
            bases.iter().zip(&ways).map(|((id, virtuals, _), w)| (*id, virtuals.iter().collect(), w.clone())).collect();
        let (id, name) = b.declare_multi_dispatcher(&declared, constructible).map_err(backend_error)?;
        let members = seen.iter().enumerate().map(|(i, f)| (f.name.clone(), format!("cpplive_py_{i}"))).collect();
        let packs = ways
            .iter()
            .enumerate()
            .map(|(i, w)| (0..w.len()).map(|k| cpplive_core::thunkgen::argument_pack(&name, i, k)).collect())
            .collect();
        Ok(Some((id.0, members, packs)))
    })
}

/// Names of the public member function templates of class `scope`.
#[pyfunction]
pub fn method_templates(scope: u64) -> PyResult<Vec<String>> {
    with_backend(|b| b.method_templates(ScopeId(scope)).map_err(backend_error))
}

/// A method made of free function(s) whose first parameter is the object
/// (for pythonizations): bound like a method, called like the function.
/// `fallback` is called when no overload matches.
#[pyfunction]
#[pyo3(signature = (function, fallback=None))]
pub fn method_from_function(py: Python<'_>, function: &Bound<'_, CppFunction>, fallback: Option<Py<PyAny>>) -> PyResult<Py<CppMethod>> {
    let mut set = function.get().set.duplicate(py).with_fallback(fallback);
    set.receiver_first = true;
    Py::new(py, CppMethod::new(set))
}

#[pyfunction]
pub fn scope_info<'py>(py: Python<'py>, scope: u64) -> PyResult<Bound<'py, PyDict>> {
    let info = with_backend(|b| b.scope(ScopeId(scope)).map_err(backend_error))?;
    let d = PyDict::new(py);
    d.set_item("id", scope)?;
    d.set_item("kind", match info.kind {
        ScopeKind::Namespace => "namespace",
        ScopeKind::Class => "class",
        ScopeKind::Enum => "enum",
    })?;
    d.set_item("name", &info.name)?;
    d.set_item("qualified", typename::readable(&info.qualified))?;
    d.set_item("size", info.size)?;
    d.set_item("is_complete", info.is_complete)?;
    d.set_item("is_abstract", info.is_abstract)?;
    // Private and protected bases too (`class D : B`, the default for
    // `class`): Python has no such access, and code written for cppyy
    // passes a `D` where a `B*` is taken (the offset comes from the C++
    // base graph, the upcast code has no access checks).
    d.set_item("bases", info.bases.iter().map(|b| b.scope.0).collect::<Vec<_>>())?;
    if info.kind == ScopeKind::Class && info.is_complete {
        d.set_item("has_virtual_destructor", with_backend(|b| has_virtual_destructor(b, ScopeId(scope)).map_err(backend_error))?)?;
    }
    d.set_item("is_scoped_enum", info.is_scoped_enum)?;
    d.set_item("smart_pointee", info.smart_pointee.map(|s| s.0))?;
    // An enum over `char` or `signed char` holds characters, as cppyy reads
    // it (`unsigned char` and `int8_t` are bytes and numbers).
    let characters = matches!(info.underlying.as_ref().and_then(|t| t.builtin()), Some(Builtin::Char | Builtin::SChar));
    d.set_item("characters", characters)?;
    d.set_item("underlying", info.underlying.as_ref().and_then(|t| t.builtin()).map(|b| b.name()))?;
    Ok(d)
}

/// Whether `class` or one of its bases declares a virtual destructor (an
/// implicit destructor is virtual when a base's is).
fn has_virtual_destructor(b: &mut dyn cpplive_core::Backend, class: ScopeId) -> Result<bool, BackendError> {
    let mut pending = vec![class];
    while let Some(scope) = pending.pop() {
        if b.methods(scope)?.iter().any(|f| f.kind == FunctionKind::Destructor && f.is_virtual) {
            return Ok(true);
        }
        pending.extend(b.scope(scope)?.bases.iter().map(|base| base.scope));
    }
    Ok(false)
}

/// The Python protocols a conversion operator serves, from its result type:
/// `float()` for floating point, `int()` and indexing for integers, `str()`
/// for strings (`operator bool` is mapped by name).
fn conversion_protocols(functions: &[FunctionInfo]) -> Vec<&'static str> {
    let [only] = functions else { return Vec::new() };
    if only.kind != FunctionKind::Conversion || only.params.iter().any(|p| !p.has_default) {
        return Vec::new();
    }
    let ret = &only.ret;
    match (&ret.base, ret.is_plain()) {
        (TypeBase::Builtin(b), true) if b.is_floating() => vec!["__float__"],
        (TypeBase::Builtin(b), true) if b.is_integer() && !matches!(b, cpplive_core::types::Builtin::Bool) => vec!["__int__", "__index__"],
        (TypeBase::StdString, true) => vec!["__str__"],
        _ if ret.is_c_string() => vec!["__str__"],
        _ => Vec::new(),
    }
}

/// The members of class `scope` for proxy type `cls`: a list of
/// (python_name, object) with methods grouped by name, the constructors as
/// `__init__`, and data members as descriptors. With `protected`, only the
/// protected members instead (for Python classes deriving from `cls`).
#[pyfunction]
#[pyo3(signature = (scope, cls, protected=false))]
pub fn class_members<'py>(py: Python<'py>, scope: u64, cls: &Bound<'py, PyType>, protected: bool) -> PyResult<Bound<'py, PyList>> {
    use cpplive_core::model::Access;
    if protected {
        return protected_members(py, ScopeId(scope), cls);
    }
    let id = ScopeId(scope);
    let (info, methods, fields) = with_backend(|b| {
        let info = b.scope(id).map_err(backend_error)?;
        let methods = b.methods(id).map_err(backend_error)?;
        let fields = b.fields(id).map_err(backend_error)?;
        Ok((info, methods, fields))
    })?;
    let out = PyList::empty(py);
    let mut groups: Vec<(String, Vec<FunctionInfo>)> = Vec::new();
    for m in methods.iter() {
        if m.kind == FunctionKind::Destructor {
            continue;
        }
        let key = if m.kind == FunctionKind::Constructor { "__init__".to_string() } else { m.name.clone() };
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(m.clone()),
            None => groups.push((key, vec![m.clone()])),
        }
    }
    for (name, list) in groups {
        if list.iter().all(|f| f.access != Access::Public) && name != "__init__" {
            continue;
        }
        if name == "__init__" {
            if info.is_abstract {
                continue;
            }
            let mut list = list;
            if let Some(aggregate) = cpplive_core::model::aggregate_init(&info, &fields) {
                list.push(aggregate);
            }
            let set = OverloadSet::new(info.name.clone(), Role::Constructor, list, Some(cls.clone().unbind()), Some(id));
            out.append(("__init__", Py::new(py, CppMethod::new(set))?))?;
            continue;
        }
        let conversions = conversion_protocols(&list);
        let member = function_object(py, &name, list, Some((cls, id)))?;
        for special in conversions {
            out.append((special, member.clone_ref(py)))?;
        }
        out.append((name.clone(), member))?;
    }
    // Private members say so when used; protected ones are simply absent
    // (Python classes deriving from this one get them).
    let mut nonpublic: Vec<String> = methods
        .iter()
        .filter(|m| m.access == Access::Private && m.kind != FunctionKind::Constructor && m.kind != FunctionKind::Destructor)
        .map(|m| m.name.clone())
        .collect();
    for f in fields.iter() {
        if f.access != Access::Public {
            if f.access == Access::Private {
                nonpublic.push(f.name.clone());
            }
            continue;
        }
        out.append((f.name.clone(), data_member(py, f, cls, scope)?))?;
    }
    out.append(("__cpp_nonpublic__", PyTuple::new(py, nonpublic)?))?;
    Ok(out)
}

fn data_member(py: Python<'_>, f: &cpplive_core::model::FieldInfo, cls: &Bound<'_, PyType>, scope: u64) -> PyResult<Py<DataMember>> {
    let member = if f.is_static {
        DataMember::variable(f.name.clone(), f.ty.clone(), f.qualified.clone())
    } else if f.bit_width > 0 {
        DataMember::bitfield(f.name.clone(), f.ty.clone(), f.bit_width, cls.clone().unbind(), scope)
    } else {
        DataMember::member(f.name.clone(), f.ty.clone(), f.offset, cls.clone().unbind())
    };
    Py::new(py, member)
}

/// The protected methods (grouped by name) and data members of class
/// `id`, bound to proxy type `cls`: what a Python class deriving from it
/// may use, as a C++ derived class may (generated code has no access
/// checks).
fn protected_members<'py>(py: Python<'py>, id: ScopeId, cls: &Bound<'py, PyType>) -> PyResult<Bound<'py, PyList>> {
    use cpplive_core::model::Access;
    let (methods, fields) = with_backend(|b| Ok((b.methods(id).map_err(backend_error)?, b.fields(id).map_err(backend_error)?)))?;
    let out = PyList::empty(py);
    let mut groups: Vec<(String, Vec<FunctionInfo>)> = Vec::new();
    for m in methods.iter().filter(|m| m.access == Access::Protected && matches!(m.kind, FunctionKind::Method | FunctionKind::StaticMethod)) {
        // Callable from where they are offered, as public ones are.
        let mut usable = m.clone();
        usable.access = Access::Public;
        match groups.iter_mut().find(|(k, _)| *k == m.name) {
            Some((_, list)) => list.push(usable),
            None => groups.push((m.name.clone(), vec![usable])),
        }
    }
    for (name, list) in groups {
        out.append((name.clone(), function_object(py, &name, list, Some((cls, id)))?))?;
    }
    for f in fields.iter().filter(|f| f.access == Access::Protected) {
        out.append((f.name.clone(), data_member(py, f, cls, id.0)?))?;
    }
    Ok(out)
}

#[pyfunction]
pub fn enumerators(scope: u64) -> PyResult<Vec<(String, i64)>> {
    let list = with_backend(|b| b.enumerators(ScopeId(scope)).map_err(backend_error))?;
    Ok(list.iter().map(|e| (e.name.clone(), e.value)).collect())
}

/// The names C++ declares in `scope` that a lookup can resolve (public,
/// not reserved for the implementation), for `dir()`.
#[pyfunction]
pub fn member_names(py: Python<'_>, scope: u64) -> PyResult<Vec<String>> {
    py.detach(|| with_backend(|b| b.member_names(ScopeId(scope)).map_err(backend_error)))
}

/// The declarations namespace `scope` holds: (name, qualified name, kind
/// word, file), one per redeclaration, for dictionary generation.
#[pyfunction]
pub fn declarations(py: Python<'_>, scope: u64) -> PyResult<Vec<(String, String, &'static str, String)>> {
    let found = py.detach(|| with_backend(|b| b.declarations(ScopeId(scope)).map_err(backend_error)))?;
    Ok(found.into_iter().map(|d| (d.name, d.qualified, d.kind.word(), d.file)).collect())
}

/// Resolves a C++ type spelling (instantiating templates); see `describe_type`.
#[pyfunction]
pub fn resolve_type<'py>(py: Python<'py>, spelling: &str) -> PyResult<Bound<'py, PyTuple>> {
    let ty = with_backend(|b| b.resolve_type(spelling).map_err(backend_error))?;
    describe_type(py, &ty)
}

#[pyfunction]
pub fn sizeof_scope(scope: u64) -> PyResult<usize> {
    Ok(with_backend(|b| b.scope(ScopeId(scope)).map_err(backend_error))?.size)
}

#[pyfunction]
pub fn sizeof_builtin(name: &str) -> PyResult<usize> {
    typename::builtin(name).map(|b| b.size()).ok_or_else(|| PyValueError::new_err(format!("'{name}' is not a builtin type")))
}

/// The address of a C++ object; with `cls`, of its `cls` base subobject.
#[pyfunction]
#[pyo3(signature = (obj, cls=None))]
pub fn addressof(obj: &Bound<'_, PyAny>, cls: Option<&Bound<'_, PyType>>) -> PyResult<usize> {
    if let Some(function) = crate::callable::single_function(obj) {
        // A function (one overload, as `__overload__` picks it): its code.
        return crate::runtime::with_backend(|b| b.function_address(&function).map_err(crate::errors::backend_error));
    }
    if !unsafe { crate::instance::is_proxy(obj.py(), obj.as_ptr()) } {
        return Err(PyTypeError::new_err("addressof() needs a C++ object"));
    }
    let object = unsafe { crate::instance::state(obj.as_ptr()) };
    match cls {
        Some(c) if obj.is_instance(c)? => Ok(unsafe { CppObject::address_of(obj.py(), obj.as_ptr(), c.as_ptr() as *mut pyo3::ffi::PyTypeObject) } as usize),
        _ => Ok(object.address() as usize),
    }
}

/// C++ deleted the object of proxy `obj` (a dispatcher's destructor ran):
/// the proxy lets go of it without deleting it. False when the proxy held
/// nothing (Python itself is deleting it).
#[pyfunction]
pub fn deleted_in_cpp(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    if !unsafe { crate::instance::is_proxy(obj.py(), obj.as_ptr()) } {
        return Err(PyTypeError::new_err("deleted_in_cpp() needs a C++ object"));
    }
    Ok(unsafe { crate::instance::state(obj.as_ptr()) }.deleted_elsewhere(obj.py()))
}

#[pyfunction]
#[pyo3(signature = (address, cls, owns=false))]
pub fn bind_object(py: Python<'_>, address: usize, cls: &Bound<'_, PyType>, owns: bool) -> PyResult<Py<PyAny>> {
    let deleter = if owns {
        let id = registry::scope_of_type(py, cls.as_ptr() as *mut pyo3::ffi::PyTypeObject)
            .ok_or_else(|| PyTypeError::new_err("bind_object() needs a C++ class proxy"))?;
        Some(with_backend(|b| b.deleter(ScopeId(id)).map_err(backend_error))?)
    } else {
        None
    };
    CppObject::wrap(py, cls, address as *mut c_void, deleter)
}

/// `std.move(obj)`: marks the C++ object `obj` as an rvalue, so that the
/// next `T&&` parameter it is passed to may take it; returns `obj`.
#[pyfunction]
pub fn mark_rvalue<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if !unsafe { crate::instance::is_proxy(obj.py(), obj.as_ptr()) } {
        return Err(PyTypeError::new_err("mark_rvalue() needs a C++ object"));
    }
    unsafe { crate::instance::state(obj.as_ptr()) }.mark_rvalue();
    Ok(obj.clone())
}

/// The object smart pointer proxy `holder` points at, as a smart pointer
/// result of its class reads (a proxy of the pointee keeping `holder`).
#[pyfunction]
pub fn held_object(holder: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let py = holder.py();
    let smart = crate::registry::scope_of_type(py, unsafe { pyo3::ffi::Py_TYPE(holder.as_ptr()) });
    match smart {
        Some(smart) if unsafe { crate::instance::is_proxy(py, holder.as_ptr()) } => crate::execute::held_object(py, smart, holder.clone().unbind()),
        _ => Err(PyTypeError::new_err("held_object() needs a smart pointer object")),
    }
}

/// Hands Python-owned proxy `obj` to smart pointer proxy `holder`, made
/// from it: the holder owns the object from now on, and `obj` keeps the
/// holder (as for an object C++ returned through a smart pointer).
#[pyfunction]
pub fn hand_to(obj: &Bound<'_, PyAny>, holder: Py<PyAny>) -> PyResult<()> {
    let py = obj.py();
    if !unsafe { crate::instance::is_proxy(py, obj.as_ptr()) && crate::instance::is_proxy(py, holder.as_ptr()) } {
        return Err(PyTypeError::new_err("hand_to() needs two C++ objects"));
    }
    if !unsafe { crate::instance::state(obj.as_ptr()) }.hand_to(holder) {
        return Err(PyTypeError::new_err("the object is already held by a smart pointer"));
    }
    Ok(())
}
