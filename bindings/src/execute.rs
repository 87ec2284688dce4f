//! C++ → Python result executors, chosen once per return type when an
//! overload is prepared. Also used to read data members and variables.

use std::ffi::{c_char, c_void, CStr};

use cpplive_core::thunk::{DeleterFn, DynamicTypeFn, SmartGetFn, StringViewFn};
use cpplive_core::types::{Builtin, RefKind, TypeBase, TypeRef};
use pyo3::exceptions::PyNotImplementedError;
use pyo3::prelude::*;
use pyo3::types::{PyString, PyType};
use pyo3::{ffi, IntoPyObjectExt};

use crate::instance::CppObject;
use crate::registry;

#[derive(Debug)]
pub enum Executor {
    Void,
    /// A builtin scalar stored in place (or, with `by_reference`, behind a
    /// returned address).
    Scalar { kind: Builtin, by_reference: bool },
    /// Characters as a `str` (see `Text`).
    Text { unit: Builtin, at: TextAt },
    /// `std::string` by value: a heap object to read and delete.
    StringValue { view: StringViewFn, delete: DeleterFn },
    /// A reference or pointer to a `std::string`.
    StringRef { view: StringViewFn },
    Enum { kind: Builtin, class: Py<PyType>, by_reference: bool },
    /// A class by value: a heap object Python now owns.
    ObjectValue { class: Py<PyType>, delete: DeleterFn },
    /// `std::complex<double>` by value: a Python `complex`, as cppyy gives
    /// (the heap object is read and deleted).
    ComplexValue { delete: DeleterFn },
    /// A reference or pointer to a class object: not owned. For polymorphic
    /// classes, `dynamic` finds the most-derived type (RTTI downcast).
    /// `through_reference` for a `T*&` (a data member read, for one): the
    /// result is where the pointer is, not the pointer.
    ObjectRef { class: Py<PyType>, dynamic: Option<DynamicTypeFn>, through_reference: bool },
    /// A smart pointer by value or reference (`holder`, the proxy that owns
    /// or refers to it): the result is a proxy of the pointee that keeps
    /// the holder alive, as in C++ code that uses `p->member`.
    Smart { holder: Box<Executor>, pointee: Py<PyType>, get: SmartGetFn, dynamic: Option<DynamicTypeFn> },
    /// A pointer to (or array of) a builtin: a `LowLevelView`.
    View { kind: Builtin, len: Option<usize>, inner: Vec<usize>, through_pointer: bool },
    /// A pointer to (or array of) items that are not builtin scalars
    /// (pointers, enums, class objects): a `LowLevelView` that reads each
    /// item through `items.read`. `through_pointer` for a reference to the
    /// pointer (a data member read).
    Items { items: std::sync::Arc<crate::lowlevel::Items>, len: Option<usize>, inner: Vec<usize>, through_pointer: bool },
    /// `PyObject*`: the object itself (the callee returned a new reference).
    PyObject,
    /// A function pointer: the `std::function` holding it (see
    /// `fnpointer.rs`); read through the result for a reference to one.
    FunctionPointer { reader: crate::fnpointer::Reader, through_reference: bool },
    /// `void*`: a null pointer is `nullptr`, any other a `LowLevelView`
    /// at that address whose items are `void*` (addresses), as in cppyy:
    /// `p[i]` reads the i-th pointer of an array `p` points at, and the
    /// view goes back to C++, to `addressof` and `bind_object` as the
    /// address. (An item of a view of `void*` is an address, an int.)
    VoidPointer { items: std::sync::Arc<crate::lowlevel::Items>, through_reference: bool },
    /// Any other pointer: its address as an integer (read through the
    /// result for a reference to a pointer).
    Address { through_reference: bool },
    Unsupported(String),
}

impl Executor {
    /// Needs the backend for string helpers and deleters; call outside
    /// `with_backend`.
    pub fn for_type(py: Python<'_>, ty: &TypeRef) -> Executor {
        match Self::try_for_type(py, ty) {
            Ok(e) => e,
            Err(e) => Executor::Unsupported(e.to_string()),
        }
    }

    fn try_for_type(py: Python<'_>, ty: &TypeRef) -> PyResult<Executor> {
        let by_reference = ty.reference != RefKind::None;
        let plain = ty.is_plain();
        Ok(match &ty.base {
            _ if ty.is_void() => Executor::Void,
            TypeBase::Builtin(b) if plain && *b != Builtin::NullPtr => {
                Executor::Scalar { kind: *b, by_reference }
            }
            TypeBase::Builtin(b) if is_text_unit(*b) && ty.pointers.len() == 1 && ty.array.is_empty() => {
                Executor::Text { unit: *b, at: if by_reference { TextAt::PointerRef } else { TextAt::Pointer } }
            }
            // A character array (a data member or variable, read in place).
            // A non-const `char[N]` is a buffer C++ fills: a view (of
            // characters, with `as_string()`), as in cppyy.
            TypeBase::Builtin(b)
                if is_text_unit(*b)
                    && ty.pointers.is_empty()
                    && ty.array.len() == 1
                    && !(*b == Builtin::Char && !ty.base_const && ty.array[0].is_some()) =>
            {
                Executor::Text { unit: *b, at: TextAt::Array(ty.array[0]) }
            }
            TypeBase::Builtin(b) if !ty.pointers.is_empty() || !ty.array.is_empty() => {
                let rows_of_scalars = ty.pointers.is_empty() && ty.array.iter().all(|d| d.is_some());
                if ty.pointers.len() + ty.array.len() >= 2 && !rows_of_scalars && *b != Builtin::NullPtr {
                    return Executor::items(py, ty);
                }
                if *b == Builtin::Void && ty.pointers.len() == 1 && ty.array.is_empty() {
                    return Ok(Executor::void_pointer(py, ty, by_reference));
                }
                if ty.pointers.len() + ty.array.len() == 1 && b.size() > 0 && *b != Builtin::NullPtr {
                    Executor::View { kind: *b, len: ty.array.first().copied().flatten(), inner: Vec::new(), through_pointer: !ty.pointers.is_empty() && by_reference }
                } else if ty.pointers.is_empty() && ty.array.len() > 1 && ty.array.iter().all(|d| d.is_some()) && b.size() > 0 {
                    // A multi-dimensional array: rows of rows.
                    let dims: Vec<usize> = ty.array.iter().map(|d| d.unwrap_or(0)).collect();
                    Executor::View { kind: *b, len: Some(dims[0]), inner: dims[1..].to_vec(), through_pointer: false }
                } else {
                    Executor::Address { through_reference: by_reference && ty.array.is_empty() }
                }
            }
            // An array of strings (a variable): a view whose items read as `str`.
            TypeBase::StdString if ty.pointers.is_empty() && !ty.array.is_empty() => return Executor::items(py, ty),
            TypeBase::StdString if plain && !by_reference => {
                let (view, delete) = string_helpers()?;
                Executor::StringValue { view, delete }
            }
            TypeBase::StdString if by_reference && plain => Executor::StringRef { view: string_helpers()?.0 },
            // A pointer is to an object C++ may change or assign to
            // (`p.__assign__(...)`): a proxy of `std::string`, as in cppyy.
            TypeBase::StdString if ty.pointers.len() == 1 && ty.array.is_empty() => match ty.class_id() {
                Some(id) => return Executor::class_result(py, ty, id),
                None if !by_reference => Executor::StringRef { view: string_helpers()?.0 },
                None => Executor::Unsupported(format!("return type '{ty}' is not supported yet")),
            },
            TypeBase::Named(_) if ty.enum_id().is_some() && plain => {
                let id = ty.enum_id().unwrap();
                let class = registry::class_for(py, id)?.unbind();
                let kind = registry::enum_underlying(py, id).unwrap_or(Builtin::Int);
                Executor::Enum { kind, class, by_reference }
            }
            TypeBase::Named(_) if ty.enum_id().is_some() => return Executor::items(py, ty),
            TypeBase::Named(name) if name == "_object" && ty.pointers.len() == 1 && ty.array.is_empty() && !by_reference => Executor::PyObject,
            TypeBase::Named(_) if ty.class_id().is_some() => {
                let id = ty.class_id().unwrap();
                // A smart pointer by value or reference, or a pointer to one
                // (`shared_ptr<T>*`, a null one is a null proxy of `T`).
                let one_pointer = ty.pointers.len() == 1 && ty.array.is_empty() && ty.reference == RefKind::None;
                let pointee = if plain || one_pointer { smart_pointee(id) } else { None };
                let Some(pointee) = pointee else { return Executor::class_result(py, ty, id) };
                let holder = Box::new(Executor::class_result(py, ty, id)?);
                let (get, dynamic) = crate::runtime::with_backend(|b| {
                    let get = b.smart_get(cpplive_core::ScopeId(id)).map_err(crate::errors::backend_error)?;
                    let dynamic = dynamic_type(b, pointee);
                    Ok((get, dynamic))
                })?;
                let pointee = registry::class_for(py, pointee.0)?.unbind();
                Executor::Smart { holder, pointee, get, dynamic }
            }
            TypeBase::FunctionPointer(_) if plain => match crate::fnpointer::Reader::for_type(py, ty) {
                Ok(reader) => Executor::FunctionPointer { reader, through_reference: by_reference },
                Err(why) => Executor::Unsupported(format!("return type '{ty}': {why}")),
            },
            _ => Executor::Unsupported(format!("return type '{ty}' is not supported yet")),
        })
    }

    /// A class object by value, by reference or by pointer.
    fn class_result(py: Python<'_>, ty: &TypeRef, id: u64) -> PyResult<Executor> {
        let class = registry::class_for(py, id)?.unbind();
        let by_reference = ty.reference != RefKind::None;
        let plain = ty.is_plain();
        Ok(if plain && !by_reference {
            let (delete, complex_part) = crate::runtime::with_backend(|b| {
                let scope = cpplive_core::ScopeId(id);
                let part = b.scope(scope).map(|s| s.complex_part).unwrap_or(None);
                Ok((b.deleter(scope).map_err(crate::errors::backend_error)?, part))
            })?;
            if complex_part == Some(Builtin::Double) {
                return Ok(Executor::ComplexValue { delete });
            }
            Executor::ObjectValue { class, delete }
        } else if plain || (ty.pointers.len() == 1 && ty.array.is_empty()) {
            let dynamic = crate::runtime::with_backend(|b| Ok(dynamic_type(b, cpplive_core::ScopeId(id)))).unwrap_or(None);
            Executor::ObjectRef { class, dynamic, through_reference: !plain && by_reference }
        } else {
            return Executor::items(py, ty);
        })
    }

    /// `void*` (`ty`, perhaps a reference to one): see `VoidPointer`.
    fn void_pointer(py: Python<'_>, ty: &TypeRef, through_reference: bool) -> Executor {
        let mut item = ty.clone();
        item.reference = RefKind::None;
        item.spelling = if ty.base_const { "const void *".into() } else { "void *".into() };
        let write = (!ty.base_const).then(|| crate::convert::Converter::for_type(py, &item));
        let name = cpplive_core::typename::readable(&item.spelling);
        let read = Executor::Address { through_reference: true };
        let size = std::mem::size_of::<usize>();
        let items = std::sync::Arc::new(crate::lowlevel::Items { read, write, size, pointers: true, text: false, name, pointee: None });
        Executor::VoidPointer { items, through_reference }
    }

    /// A view of the items of pointer or array type `ty`: for `T[N]...`
    /// (`T` may be a pointer) the items are `T`s; for `T**` (or `E*`, an
    /// enum) the items are what the outermost pointer points at.
    fn items(py: Python<'_>, ty: &TypeRef) -> PyResult<Executor> {
        let mut item = ty.clone();
        item.reference = RefKind::LValue;
        let (len, inner) = if let Some((first, rest)) = ty.array.split_first() {
            if rest.iter().any(|d| d.is_none()) {
                return Ok(Executor::Address { through_reference: false });
            }
            item.array.clear();
            (*first, rest.iter().map(|d| d.unwrap_or(0)).collect())
        } else {
            item.pointers.pop();
            (None, Vec::new())
        };
        item.spelling = strip_declarator(&ty.spelling, ty.array.len(), ty.array.is_empty());
        let size = if !item.pointers.is_empty() {
            std::mem::size_of::<usize>()
        } else if let Some(b) = item.builtin() {
            b.size()
        } else if let Some(id) = item.enum_id() {
            registry::enum_underlying(py, id).unwrap_or(Builtin::Int).size()
        } else if let Some(id) = item.class_id() {
            crate::runtime::with_backend(|b| Ok(b.scope(cpplive_core::ScopeId(id)).map(|s| s.size).unwrap_or(0))).unwrap_or(0)
        } else {
            0
        };
        if size == 0 {
            return Ok(Executor::Unsupported(format!("type '{ty}' is not supported yet")));
        }
        let read = match Executor::for_type(py, &item) {
            // Items of `void*` are addresses (as in cppyy), not views.
            Executor::VoidPointer { .. } => Executor::Address { through_reference: true },
            read => read,
        };
        let mut argument = item.clone();
        argument.reference = RefKind::None;
        let pointers = !item.pointers.is_empty();
        let write = (pointers || item.enum_id().is_some()).then(|| crate::convert::Converter::for_type(py, &argument));
        let text = pointers && item.pointers.len() == 1 && item.builtin().is_some_and(is_text_unit);
        let name = cpplive_core::typename::readable(&argument.spelling);
        // Items that point at builtins say at which (`int*` items are no
        // `uint8_t**` argument).
        let pointee = if item.pointers.len() == 1 { item.builtin().filter(|b| *b != Builtin::Void) } else { None };
        let items = std::sync::Arc::new(crate::lowlevel::Items { read, write, size, pointers, text, name, pointee });
        let through_pointer = ty.array.is_empty() && ty.reference != RefKind::None;
        Ok(Executor::Items { items, len, inner, through_pointer })
    }

    /// Turns the thunk's result in `ret` into a Python object.
    ///
    /// # Safety
    /// `ret` holds what the thunk wrote for this executor's type.
    pub unsafe fn execute(&self, py: Python<'_>, ret: *const c_void) -> PyResult<Py<PyAny>> {
        match self {
            Executor::Void => Ok(py.None()),
            Executor::Scalar { kind, by_reference } => {
                let at = if *by_reference { *(ret as *const *const c_void) } else { ret };
                read_scalar(py, *kind, at)
            }
            Executor::Text { unit, at } => {
                let mut p = *(ret as *const *const u8);
                if *at == TextAt::PointerRef && !p.is_null() {
                    p = *(p as *const *const u8);
                }
                if p.is_null() {
                    // An empty text, as cppyy reads a null character pointer.
                    return Ok(pyo3::types::PyString::new(py, "").into_any().unbind());
                }
                let bound = match at {
                    TextAt::Array(n) => *n,
                    _ => None,
                };
                Ok(read_text(py, *unit, p, bound).into_any().unbind())
            }
            Executor::StringValue { view, delete } => {
                let object = *(ret as *const *mut c_void);
                let result = read_string(py, *view, object);
                delete(object);
                result
            }
            Executor::StringRef { view } => {
                let object = *(ret as *const *mut c_void);
                if object.is_null() {
                    return Ok(py.None());
                }
                read_string(py, *view, object)
            }
            Executor::Enum { kind, class, by_reference } => {
                let at = if *by_reference { *(ret as *const *const c_void) } else { ret };
                let value = match kind {
                    // An enum over a character type is still a number.
                    Builtin::Char | Builtin::SChar => (*(at as *const i8) as i64).into_py_any(py)?,
                    Builtin::UChar => (*(at as *const u8) as i64).into_py_any(py)?,
                    Builtin::Char16 => (*(at as *const u16)).into_py_any(py)?,
                    Builtin::WChar => (*(at as *const i32)).into_py_any(py)?,
                    Builtin::Char32 => (*(at as *const u32)).into_py_any(py)?,
                    _ => read_scalar(py, *kind, at)?,
                };
                Ok(class.bind(py).call1((value,))?.unbind())
            }
            Executor::ObjectValue { class, delete } => {
                let object = *(ret as *const *mut c_void);
                CppObject::wrap(py, class.bind(py), object, Some(*delete))
            }
            Executor::ComplexValue { delete } => {
                let object = *(ret as *const *mut c_void);
                let parts = std::ptr::read_unaligned(object as *const [f64; 2]);
                delete(object);
                Ok(Py::from_owned_ptr(py, ffi::PyComplex_FromDoubles(parts[0], parts[1])))
            }
            Executor::ObjectRef { class, dynamic, through_reference } => {
                let object = read_pointer(ret, *through_reference);
                // A null pointer is a null proxy of the class (false, equal
                // to None, `ReferenceError` on use), as in cppyy: it keeps
                // its type, and goes back to C++ as a null `T*`.
                if object.is_null() {
                    return CppObject::wrap(py, class.bind(py), object, None);
                }
                let proxy = match dynamic.and_then(|dynamic| registry::downcast(py, dynamic, class.bind(py), object)) {
                    Some((derived, full)) => CppObject::wrap(py, &derived, full, None)?,
                    None => CppObject::wrap(py, class.bind(py), object, None)?,
                };
                // A `T*` read in place (a member, a variable, an item) may
                // point at an array: the proxy indexes as one, as in cppyy.
                if *through_reference {
                    crate::instance::state(proxy.as_ptr()).mark_array();
                }
                Ok(proxy)
            }
            Executor::Smart { holder, pointee, get, dynamic } => {
                let holder = holder.execute(py, ret)?;
                let smart = CppObject::address_of(py, holder.as_ptr(), ffi::Py_TYPE(holder.as_ptr()));
                if smart.is_null() {
                    // A null pointer to a smart pointer: a null proxy of the
                    // pointee, held by nothing.
                    return CppObject::wrap(py, pointee.bind(py), std::ptr::null_mut(), None);
                }
                let object = if smart.is_null() { std::ptr::null_mut() } else { get(smart) };
                if let (Some(dynamic), false) = (dynamic, object.is_null()) {
                    if let Some((derived, full)) = registry::downcast(py, *dynamic, pointee.bind(py), object) {
                        return CppObject::wrap_held(py, &derived, full, holder);
                    }
                }
                CppObject::wrap_held(py, pointee.bind(py), object, holder)
            }
            Executor::View { kind, len, inner, through_pointer } => {
                let mut address = *(ret as *const usize);
                if *through_pointer && address != 0 {
                    address = *(address as *const usize);
                }
                // A null pointer is an empty view (false, no items, null
                // again when passed back), as in cppyy.
                Ok(Py::new(py, crate::lowlevel::LowLevelView::with_rows(address, *kind, *len, inner.clone()))?.into_any())
            }
            Executor::Items { items, len, inner, through_pointer } => {
                let address = read_pointer(ret, *through_pointer) as usize;
                Ok(Py::new(py, crate::lowlevel::LowLevelView::with_items(address, items.clone(), *len, inner.clone()))?.into_any())
            }
            Executor::PyObject => {
                let object = *(ret as *const *mut ffi::PyObject);
                if object.is_null() {
                    return match PyErr::take(py) {
                        Some(err) => Err(err),
                        None => Ok(py.None()),
                    };
                }
                Ok(Py::from_owned_ptr(py, object))
            }
            Executor::FunctionPointer { reader, through_reference } => {
                let address = read_pointer(ret, *through_reference);
                reader.read(py, address as usize)
            }
            Executor::VoidPointer { items, through_reference } => {
                let address = read_pointer(ret, *through_reference) as usize;
                if address == 0 {
                    return Ok(crate::instance::nullptr(py).clone_ref(py).into_any());
                }
                Ok(Py::new(py, crate::lowlevel::LowLevelView::with_items(address, items.clone(), None, Vec::new()))?.into_any())
            }
            Executor::Address { through_reference } => {
                let object = read_pointer(ret, *through_reference);
                (object as usize).into_py_any(py)
            }
            Executor::Unsupported(why) => Err(PyNotImplementedError::new_err(why.clone())),
        }
    }
}

/// The spelling of an item of `spelling`: without its `arrays` extents
/// (`int *[3]` → `int *`), or without its outermost pointer (`int **` →
/// `int *`), and without a reference.
fn strip_declarator(spelling: &str, arrays: usize, pointer: bool) -> String {
    let mut s = spelling.trim().trim_end_matches('&').trim_end().to_string();
    for _ in 0..arrays {
        if let Some(open) = s.rfind('[') {
            s.truncate(open);
            s = s.trim_end().to_string();
        }
    }
    if pointer {
        let t = s.trim_end().trim_end_matches("const").trim_end();
        if let Some(stripped) = t.strip_suffix('*') {
            s = stripped.trim_end().to_string();
        }
    }
    s
}

/// Where a `str` result's characters are: behind a returned pointer, behind
/// a returned reference to a pointer (`const char*&`, a `char*` data
/// member), or in a character array of known (or unknown, `char[]`) extent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextAt {
    Pointer,
    PointerRef,
    Array(Option<usize>),
}

/// Character types whose pointers and arrays read as `str`: `char` (UTF-8),
/// `char16_t` (UTF-16), `char32_t` and `wchar_t` (UTF-32). `signed char`
/// and `unsigned char` are bytes and stay views.
pub fn is_text_unit(b: Builtin) -> bool {
    matches!(b, Builtin::Char | Builtin::Char16 | Builtin::Char32 | Builtin::WChar)
}

/// The text of `unit` characters at `p`: up to the first NUL, or for an
/// array of known extent `n`, within it. A `char` array ends at its first
/// NUL; a `char16_t`/`char32_t`/`wchar_t` array reads whole (`n` units),
/// as cppyy reads them. Invalid UTF-8/UTF-16/code points become U+FFFD.
///
/// # Safety
/// `p` points at a NUL-terminated string, or at `n` units.
pub unsafe fn read_text<'py>(py: Python<'py>, unit: Builtin, p: *const u8, bound: Option<usize>) -> Bound<'py, PyString> {
    match unit {
        Builtin::Char16 => {
            let p = p as *const u16;
            let n = bound.unwrap_or_else(|| (0..).take_while(|&i| *p.add(i) != 0).count());
            PyString::new(py, &String::from_utf16_lossy(std::slice::from_raw_parts(p, n)))
        }
        Builtin::Char32 | Builtin::WChar => {
            let p = p as *const u32;
            let n = bound.unwrap_or_else(|| (0..).take_while(|&i| *p.add(i) != 0).count());
            let text: String = std::slice::from_raw_parts(p, n).iter().map(|&c| char::from_u32(c).unwrap_or('\u{fffd}')).collect();
            PyString::new(py, &text)
        }
        _ => {
            let n = match bound {
                Some(n) => (0..n).take_while(|&i| *p.add(i) != 0).count(),
                None => CStr::from_ptr(p as *const c_char).to_bytes().len(),
            };
            PyString::new(py, &String::from_utf8_lossy(std::slice::from_raw_parts(p, n)))
        }
    }
}

/// The pointer a thunk returned in `ret`, or for a reference to a pointer,
/// the pointer it refers to.
///
/// # Safety
/// `ret` holds a pointer, which `through_reference` says points at one.
unsafe fn read_pointer(ret: *const c_void, through_reference: bool) -> *mut c_void {
    let result = *(ret as *const *mut c_void);
    if through_reference && !result.is_null() {
        *(result as *const *mut c_void)
    } else {
        result
    }
}

fn string_helpers() -> PyResult<(StringViewFn, DeleterFn)> {
    crate::runtime::with_backend(|b| {
        let view = b.string_view().map_err(crate::errors::backend_error)?;
        let delete = b.string_deleter().map_err(crate::errors::backend_error)?;
        Ok((view, delete))
    })
}

/// A view of `len` objects of class `id` side by side from `address` (the
/// elements of a `std::vector`, through its `data()`), each read as a
/// reference into that memory.
pub fn object_view(py: Python<'_>, id: u64, address: usize, len: usize) -> PyResult<crate::lowlevel::LowLevelView> {
    let (qualified, size) = crate::runtime::with_backend(|b| {
        let scope = b.scope(cpplive_core::ScopeId(id)).map_err(crate::errors::backend_error)?;
        Ok((scope.qualified.clone(), scope.size))
    })?;
    if size == 0 {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!("the size of '{qualified}' is unknown")));
    }
    let mut item = crate::runtime::with_backend(|b| b.resolve_type(&qualified).map_err(crate::errors::backend_error))?;
    item.reference = RefKind::LValue;
    let read = Executor::for_type(py, &item);
    let name = cpplive_core::typename::readable(&qualified);
    let items = std::sync::Arc::new(crate::lowlevel::Items { read, write: None, size, pointers: false, text: false, name, pointee: None });
    Ok(crate::lowlevel::LowLevelView::with_items(address, items, Some(len), Vec::new()))
}

/// All the text of the `std::string` at `object` (embedded NULs too).
///
/// # Safety
/// `object` is the address of a live `std::string`.
pub unsafe fn string_text(py: Python<'_>, object: *const c_void) -> PyResult<Py<PyAny>> {
    read_string(py, string_helpers()?.0, object)
}

unsafe fn read_string(py: Python<'_>, view: StringViewFn, object: *const c_void) -> PyResult<Py<PyAny>> {
    let mut data: *const c_char = std::ptr::null();
    let mut size: usize = 0;
    view(object, &mut data, &mut size);
    let bytes = std::slice::from_raw_parts(data as *const u8, size);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(PyString::new(py, text).into_any().unbind()),
        // Not UTF-8: hand back the bytes rather than guess an encoding.
        Err(_) => Ok(pyo3::types::PyBytes::new(py, bytes).into_any().unbind()),
    }
}

/// Reads a builtin scalar of `kind` at `at`.
///
/// # Safety
/// `at` points at a valid value of that type.
pub unsafe fn read_scalar(py: Python<'_>, kind: Builtin, at: *const c_void) -> PyResult<Py<PyAny>> {
    Ok(match kind {
        Builtin::Bool => (*(at as *const u8) != 0).into_py_any(py)?,
        Builtin::Char | Builtin::SChar | Builtin::UChar => {
            let byte = *(at as *const u8);
            let c = char::from_u32(byte as u32).unwrap_or('\u{fffd}');
            PyString::new(py, c.encode_utf8(&mut [0; 4])).into_any().unbind()
        }
        // Wide characters are one-character `str`s, as narrow ones are.
        Builtin::Char16 => wide_char(py, *(at as *const u16) as u32),
        Builtin::WChar | Builtin::Char32 => wide_char(py, *(at as *const u32)),
        Builtin::Int8 => (*(at as *const i8)).into_py_any(py)?,
        Builtin::UInt8 => (*(at as *const u8)).into_py_any(py)?,
        Builtin::Short => (*(at as *const i16)).into_py_any(py)?,
        Builtin::UShort => (*(at as *const u16)).into_py_any(py)?,
        Builtin::Int => (*(at as *const i32)).into_py_any(py)?,
        Builtin::UInt => (*(at as *const u32)).into_py_any(py)?,
        Builtin::Long | Builtin::LongLong => Py::from_owned_ptr(py, ffi::PyLong_FromLongLong(*(at as *const i64))),
        Builtin::ULong | Builtin::ULongLong => {
            Py::from_owned_ptr(py, ffi::PyLong_FromUnsignedLongLong(*(at as *const u64)))
        }
        Builtin::Float => (*(at as *const f32) as f64).into_py_any(py)?,
        Builtin::Double => Py::from_owned_ptr(py, ffi::PyFloat_FromDouble(*(at as *const f64))),
        Builtin::LongDouble => {
            let bytes = std::ptr::read_unaligned(at as *const [u8; 16]);
            Py::from_owned_ptr(py, ffi::PyFloat_FromDouble(crate::longdouble::to_f64(&bytes)))
        }
        Builtin::ComplexDouble => {
            let parts = std::ptr::read_unaligned(at as *const [f64; 2]);
            Py::from_owned_ptr(py, ffi::PyComplex_FromDoubles(parts[0], parts[1]))
        }
        Builtin::Void | Builtin::NullPtr => {
            return Err(PyNotImplementedError::new_err(format!("values of type '{}'", kind.name())))
        }
    })
}

/// A character of a wide type as a `str` (U+FFFD when `code` is no
/// character: a lone UTF-16 surrogate, a value past U+10FFFF).
fn wide_char(py: Python<'_>, code: u32) -> Py<PyAny> {
    let c = char::from_u32(code).unwrap_or('\u{fffd}');
    PyString::new(py, c.encode_utf8(&mut [0; 4])).into_any().unbind()
}

/// The pointee class of smart pointer class `id`, if it is one.
/// The object smart pointer proxy `holder` (of smart pointer class
/// `smart`) points at, read as a smart pointer result is: a proxy of the
/// pointee (RTTI-downcast) that keeps `holder`.
pub fn held_object(py: Python<'_>, smart: u64, holder: Py<PyAny>) -> PyResult<Py<PyAny>> {
    let Some(pointee) = smart_pointee(smart) else {
        return Err(pyo3::exceptions::PyTypeError::new_err("not a smart pointer"));
    };
    let (get, dynamic) = crate::runtime::with_backend(|b| {
        let get = b.smart_get(cpplive_core::ScopeId(smart)).map_err(crate::errors::backend_error)?;
        Ok((get, dynamic_type(b, pointee)))
    })?;
    let pointee = registry::class_for(py, pointee.0)?;
    let address = unsafe { CppObject::address_of(py, holder.as_ptr(), ffi::Py_TYPE(holder.as_ptr())) };
    let object = if address.is_null() { std::ptr::null_mut() } else { unsafe { get(address) } };
    if let (Some(dynamic), false) = (dynamic, object.is_null()) {
        if let Some((derived, full)) = registry::downcast(py, dynamic, &pointee, object) {
            return CppObject::wrap_held(py, &derived, full, holder);
        }
    }
    CppObject::wrap_held(py, &pointee, object, holder)
}

fn smart_pointee(id: u64) -> Option<cpplive_core::ScopeId> {
    crate::runtime::with_backend(|b| Ok(b.scope(cpplive_core::ScopeId(id)).ok().and_then(|s| s.smart_pointee))).ok().flatten()
}

/// RTTI for `class` when it is polymorphic.
fn dynamic_type(b: &mut dyn cpplive_core::Backend, class: cpplive_core::ScopeId) -> Option<DynamicTypeFn> {
    if !b.scope(class).ok()?.is_polymorphic {
        return None;
    }
    b.dynamic_type(class).ok()
}
