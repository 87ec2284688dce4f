//! Python → C++ argument converters. One converter per parameter, chosen
//! from its `TypeRef` when an overload is prepared; a call only runs
//! `convert`. Rejections are cheap values; their messages are built only
//! when a `TypeError` is raised.

use std::ffi::{c_int, c_void};

use cpplive_core::thunk::{ArgSlot, StrView};
use cpplive_core::types::{Builtin, RefKind, TypeBase, TypeRef};
use pyo3::ffi;
use pyo3::prelude::*;

use crate::buffer::{Element, Pointee};
use crate::instance::CppObject;
use crate::registry;

thread_local! {
    static IN_IMPLICIT_CONSTRUCTION: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether an implicit conversion is constructing its temporary now (an
/// `explicit` constructor may not serve it).
pub fn in_implicit_construction() -> bool {
    IN_IMPLICIT_CONSTRUCTION.get()
}

/// Runs `f` as C++ initializes the elements of a braced list: each element
/// may be converted implicitly again, also while the list itself is the
/// one implicit conversion of an argument (a `std::vector<std::pair<..>>`
/// parameter given a list of tuples).
pub fn elementwise<R>(f: impl FnOnce() -> R) -> R {
    let outer = IN_IMPLICIT_CONSTRUCTION.replace(false);
    let result = f();
    IN_IMPLICIT_CONSTRUCTION.set(outer);
    result
}

/// Strict pass: exact Python types only. Implicit pass: also int → float,
/// bool → int, and implicit construction of class arguments.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Pass {
    Strict,
    Implicit,
}

#[derive(Clone, Debug)]
pub enum Rejection {
    WrongType,
    OutOfRange,
    NullObject,
    /// A live object (not marked by `std.move`) for a `T&&` parameter.
    NotMoved,
    /// `None` for a C string: string functions seldom expect null.
    NoneString,
    /// `None` for a function pointer: a callable was meant (C++ would call
    /// the null pointer); `cpplive.nullptr` is the null one.
    NoneFunction,
    /// `None` for any other pointer: `cpplive.nullptr` (or `0`) is the null
    /// pointer, as in cppyy.
    NonePointer,
    /// A `str`, `bytes` or read-only buffer where C++ may write through the
    /// pointer.
    Immutable,
    /// A buffer that is not one C-contiguous block.
    NotContiguous,
    /// A buffer of other items: its format and item size.
    Elements { format: crate::buffer::FormatTag, size: usize },
    /// A `ctypes.byref(x, offset)` whose address is not inside `x`.
    OutsideObject,
    Unsupported(String),
    ConstructionFailed(String),
    /// The overload was called and raised: the exception, as text.
    Raised(String),
}

impl Rejection {
    /// The reason for the pointer rejections, for a parameter of type `ty`
    /// given a `got` object; `None` for the others, which callers word.
    #[cold]
    pub fn explain_pointer(&self, ty: &TypeRef, got: &str) -> Option<String> {
        let wanted = cpplive_core::typename::readable(&ty.spelling);
        Some(match self {
            Rejection::NoneString => format!("None is not a string: pass cpplive.nullptr for a null '{wanted}'"),
            Rejection::NoneFunction => format!("None is not a function: pass cpplive.nullptr for a null '{wanted}'"),
            Rejection::NonePointer => format!("None is not a pointer: pass cpplive.nullptr for a null '{wanted}'"),
            Rejection::Immutable => {
                format!("a '{got}' is read-only, but C++ may write through '{wanted}': pass {}", crate::buffer::writable_advice(ty))
            }
            Rejection::NotContiguous => {
                format!("the '{got}' buffer is not one contiguous block: pass a contiguous copy (such as numpy.ascontiguousarray(a))")
            }
            Rejection::Elements { format, size } => format!(
                "'{wanted}' needs a buffer of {}, got {size}-byte items of format '{}'",
                crate::buffer::element_description(ty),
                crate::buffer::tag_text(format)
            ),
            Rejection::OutsideObject => "the ctypes.byref() offset leaves no room for one item inside its object".into(),
            _ => return None,
        })
    }
}

#[derive(Debug)]
pub enum Converter {
    Bool,
    /// `char`, `signed char`, `unsigned char`, `wchar_t`, `char16_t`,
    /// `char32_t`: a one-character `str` whose code point fits the type, or
    /// an int in its range.
    Char(Builtin),
    Integer(Builtin),
    Float,
    Double,
    /// `long double`: a `float` (or an `int` in the implicit pass), widened.
    LongDouble,
    /// `_Complex double`: a `complex` (or a `float` or `int` in the
    /// implicit pass).
    ComplexDouble,
    /// `const char*` (`writable` false): a `str` (its UTF-8), `bytes` or a
    /// buffer of chars. `char*`: a writable buffer of chars only, since C++
    /// may write through it. `nullptr` is the null pointer; `None` is
    /// refused, as string functions seldom check for null.
    /// In the implicit pass, `const char*` also takes a `std::string`
    /// proxy: its (NUL-terminated) buffer, as `c_str()` gives it.
    CString { writable: bool },
    /// `std::string` by value, `const&` or `&&`: a `str`, `bytes`, or a
    /// `std::string` proxy (read through the view helper).
    StdString { proxy: Option<(Py<pyo3::types::PyType>, cpplive_core::thunk::StringViewFn)> },
    Enum { underlying: Builtin, class: Option<Py<pyo3::types::PyType>> },
    /// A class by value or reference: the object's address is passed.
    /// `smart_get` is set for smart pointer classes; `rvalue` for `T&&`,
    /// which takes objects marked by `std.move` and temporaries only.
    /// `braced` for classes made from a braced list (`std::initializer_list`,
    /// marked so by the Python layer): a list or tuple for one is no
    /// user-defined conversion, so it is made inside another one too
    /// (`A(std::initializer_list<int>)` for a `const A&` given `(1, 2)`).
    Object { class: Py<pyo3::types::PyType>, allow_construct: bool, smart_get: Option<cpplive_core::thunk::SmartGetFn>, rvalue: bool, braced: bool },
    /// A `std::function`: one of its proxies, or any Python callable (made
    /// into a C++ function object on first use of the factory).
    StdFunction { class: Py<pyo3::types::PyType>, id: u64, factory: std::sync::OnceLock<Result<crate::callback::Factory, String>> },
    /// A function pointer `R (*)(A...)`: nullptr, or a Python callable
    /// (through a plain function compiled for it and the `std::function`
    /// class `id` of the same signature).
    FunctionPointer { id: u64, factory: std::sync::OnceLock<Result<crate::callback::Factory, String>> },
    /// A pointer to a class: an object's address, or nullptr (or 0).
    ObjectPointer { class: Py<pyo3::types::PyType>, complex: Option<Pointee> },
    /// `T**` for a class `T`: a proxy of `T` (the address of its pointer:
    /// C++ may point the proxy elsewhere), or what `BufferPointer` takes.
    ObjectPointerPointer { class: Py<pyo3::types::PyType>, pointee: Pointee },
    /// `PyObject*`: the Python object itself.
    PyObject,
    /// `T*` for builtin `T` or `void`, and pointers to pointers: a buffer
    /// of such items (writable unless they are const; see `buffer.rs`), or
    /// nullptr (or 0) for null.
    BufferPointer(Pointee),
    /// `T&` for builtin `T`: a writable buffer holding one `T`, such as
    /// `ctypes.c_int` (the C++ side writes through it).
    BuiltinReference(Builtin),
    /// `T*&` for builtin `T` (`char**&`): a ctypes pointer object
    /// (`POINTER(T)`, `c_void_p`, `c_char_p`), whose own pointer C++ reads
    /// and may point elsewhere. For `void*&` (`untyped`) also a C++ object:
    /// the proxy's own pointer, as for `void**`.
    PointerReference { untyped: bool },
    Unsupported(String),
}

/// Objects and buffers that must outlive the call (temporaries, views).
/// Most calls need neither, and then this is one null pointer.
#[derive(Default)]
pub struct Scratch(Option<Box<Held>>);

#[derive(Default)]
struct Held {
    keep: Vec<Py<PyAny>>,
    buffers: Vec<Box<ffi::Py_buffer>>,
    /// Proxies whose smart pointer went to the call: (proxy, smart pointer
    /// address, its `get`). If the callee took the object (a moved
    /// `std::unique_ptr`), the proxy becomes null instead of dangling.
    held: Vec<(Py<PyAny>, *mut c_void, cpplive_core::thunk::SmartGetFn)>,
    /// Proxies whose address slot went to a `T**` parameter, with the
    /// address before the call (see `ProxyState::repointed`).
    repointable: Vec<(Py<PyAny>, *mut c_void)>,
    /// Memory made for the call (the strings and pointer array of a
    /// `char**` made from a list).
    memory: Vec<Box<[usize]>>,
}

impl Scratch {
    fn keep(&mut self, object: Py<PyAny>) {
        self.0.get_or_insert_with(Default::default).keep.push(object);
    }

    fn watch_holder(&mut self, proxy: Py<PyAny>, smart: *mut c_void, get: cpplive_core::thunk::SmartGetFn) {
        self.0.get_or_insert_with(Default::default).held.push((proxy, smart, get));
    }

    fn watch_repoint(&mut self, proxy: Py<PyAny>, old: *mut c_void) {
        self.0.get_or_insert_with(Default::default).repointable.push((proxy, old));
    }

    /// Keeps `memory` until the call returns; its address is stable.
    fn own(&mut self, memory: Box<[usize]>) -> *mut c_void {
        let held = self.0.get_or_insert_with(Default::default);
        held.memory.push(memory);
        held.memory.last().map_or(std::ptr::null_mut(), |m| m.as_ptr() as *mut c_void)
    }

    pub fn hold(&mut self, view: Box<ffi::Py_buffer>) {
        self.0.get_or_insert_with(Default::default).buffers.push(view);
    }
}

impl Drop for Held {
    // Runs with the GIL held, but often outside pyo3's own entry points,
    // where dropping a `Py` would only queue its decref: references are
    // released here directly, so temporaries die when the call ends.
    fn drop(&mut self) {
        for (proxy, smart, get) in self.held.drain(..) {
            unsafe {
                if get(smart).is_null() && crate::instance::is_proxy(Python::assume_attached(), proxy.as_ptr()) {
                    crate::instance::state(proxy.as_ptr()).forget_address();
                }
                ffi::Py_DECREF(proxy.into_ptr());
            }
        }
        for (proxy, old) in self.repointable.drain(..) {
            unsafe {
                crate::instance::state(proxy.as_ptr()).repointed(Python::assume_attached(), proxy.as_ptr(), old);
                ffi::Py_DECREF(proxy.into_ptr());
            }
        }
        for buffer in &mut self.buffers {
            unsafe { ffi::PyBuffer_Release(&mut **buffer) };
        }
        for object in self.keep.drain(..) {
            unsafe { ffi::Py_DECREF(object.into_ptr()) };
        }
    }
}

impl Converter {
    pub fn for_type(py: Python<'_>, ty: &TypeRef) -> Converter {
        let plain = ty.is_plain();
        // An rvalue reference binds the converted temporary, as a value does.
        let by_value_or_const_ref = ty.reference != RefKind::LValue || ty.base_const;
        match &ty.base {
            TypeBase::Builtin(b) if plain => {
                if !by_value_or_const_ref {
                    return Converter::BuiltinReference(*b);
                }
                match b {
                    Builtin::Bool => Converter::Bool,
                    Builtin::Char | Builtin::SChar | Builtin::UChar | Builtin::WChar | Builtin::Char16 | Builtin::Char32 => {
                        Converter::Char(*b)
                    }
                    Builtin::Float => Converter::Float,
                    Builtin::Double => Converter::Double,
                    Builtin::LongDouble => Converter::LongDouble,
                    Builtin::ComplexDouble => Converter::ComplexDouble,
                    Builtin::Void | Builtin::NullPtr => {
                        Converter::Unsupported(format!("parameter of type '{}'", b.name()))
                    }
                    b if b.is_integer() => Converter::Integer(*b),
                    b => Converter::Unsupported(format!("parameter of type '{}'", b.name())),
                }
            }
            // Also `const char* const&` (a `std::vector<const char*>`'s
            // `push_back`): the slot holds the pointer the reference binds.
            TypeBase::Builtin(Builtin::Char) if ty.is_c_string() && pointer_taken_by_value(ty) => {
                Converter::CString { writable: !ty.base_const }
            }
            TypeBase::Builtin(_) if !ty.pointers.is_empty() && ty.array.is_empty() && ty.reference == RefKind::None => {
                Converter::BufferPointer(Pointee::of(ty))
            }
            // `char**&`, `int*&`: C++ reads and may reseat the pointer.
            TypeBase::Builtin(_) if !ty.pointers.is_empty() && ty.array.is_empty() && ty.reference == RefKind::LValue && !ty.pointers.last().copied().unwrap_or(false) => {
                Converter::PointerReference { untyped: ty.base == TypeBase::Builtin(Builtin::Void) && ty.pointers.len() == 1 }
            }
            TypeBase::StdString if plain && by_value_or_const_ref => {
                let proxy = ty.class_id().and_then(|id| {
                    let class = registry::class_for(py, id).ok()?.unbind();
                    let view = crate::runtime::with_backend(|b| b.string_view().map_err(crate::errors::backend_error)).ok()?;
                    Some((class, view))
                });
                Converter::StdString { proxy }
            }
            TypeBase::Named(_) if ty.enum_id().is_some() && plain && by_value_or_const_ref => {
                let class = registry::class_for(py, ty.enum_id().unwrap()).ok().map(|c| c.unbind());
                let underlying = registry::enum_underlying(py, ty.enum_id().unwrap()).unwrap_or(Builtin::Int);
                Converter::Enum { underlying, class }
            }
            // `E*` (such as `std::byte*`): a buffer of the underlying type.
            TypeBase::Named(_) if ty.enum_id().is_some() && ty.pointers.len() == 1 && ty.array.is_empty() && ty.reference == RefKind::None => {
                let underlying = registry::enum_underlying(py, ty.enum_id().unwrap()).unwrap_or(Builtin::Int);
                Converter::BufferPointer(Pointee { element: Element::Builtin(underlying), writable: !ty.base_const })
            }
            // `E**` and deeper: a buffer of pointers (`ctypes.c_void_p`
            // passed by address, an array of pointers), as for `int**`.
            TypeBase::Named(_) if ty.enum_id().is_some() && ty.pointers.len() > 1 && ty.array.is_empty() && ty.reference == RefKind::None => {
                Converter::BufferPointer(Pointee::of(ty))
            }
            // `PyObject*` (`struct _object`, from Python.h).
            TypeBase::Named(name) if name == "_object" && ty.pointers.len() == 1 && ty.array.is_empty() && pointer_taken_by_value(ty) => {
                Converter::PyObject
            }
            TypeBase::Named(_) | TypeBase::StdString if ty.class_id().is_some() || ty.base == TypeBase::StdString => {
                let Some(id) = ty.class_id() else {
                    return Converter::Unsupported(format!("parameter of type '{ty}'"));
                };
                let class = match registry::class_for(py, id) {
                    Ok(c) => c.unbind(),
                    Err(e) => return Converter::Unsupported(format!("parameter of type '{ty}': {e}")),
                };
                let (is_std_function, smart_get, complex_part) = crate::runtime::with_backend(|b| {
                    let scope = cpplive_core::ScopeId(id);
                    let Ok(info) = b.scope(scope) else { return Ok((false, None, None)) };
                    let smart_get = if info.smart_pointee.is_some() { b.smart_get(scope).ok() } else { None };
                    Ok((info.std_function.is_some(), smart_get, info.complex_part))
                })
                .unwrap_or((false, None, None));
                if plain && is_std_function && by_value_or_const_ref {
                    return Converter::StdFunction { class, id, factory: std::sync::OnceLock::new() };
                }
                if plain {
                    // A temporary binds by value or to a const or rvalue
                    // reference only. (Smart pointers are not constructed from
                    // arbitrary values: see `hand_to_smart_pointer`.)
                    let allow_construct = by_value_or_const_ref;
                    let braced = unsafe { !crate::typelookup::on_type(class.as_ptr() as *mut ffi::PyTypeObject, pyo3::intern!(py, "__cpp_braced_list__").as_ptr()).is_null() };
                    Converter::Object { class, allow_construct, smart_get, rvalue: ty.reference == RefKind::RValue, braced }
                } else if ty.pointers.len() == 1 && ty.array.is_empty() && pointer_taken_by_value(ty) {
                    // `std::complex<T>*` also takes a buffer of complex numbers.
                    let complex = complex_part.map(|part| Pointee { element: Element::Complex(part), writable: !ty.base_const });
                    Converter::ObjectPointer { class, complex }
                } else if ty.pointers.len() == 2 && ty.array.is_empty() && ty.reference == RefKind::None {
                    Converter::ObjectPointerPointer { class, pointee: Pointee::of(ty) }
                } else if ty.pointers.len() > 1 && ty.array.is_empty() && ty.reference == RefKind::None {
                    Converter::BufferPointer(Pointee::of(ty))
                } else {
                    Converter::Unsupported(format!("parameter of type '{ty}'"))
                }
            }
            TypeBase::FunctionPointer(_) if ty.reference == RefKind::None && ty.is_plain() => match crate::callback::signature_class(&ty.spelling) {
                Some(id) => Converter::FunctionPointer { id, factory: std::sync::OnceLock::new() },
                None => Converter::Unsupported(format!("parameter of type '{ty}'")),
            },
            _ => Converter::Unsupported(format!("parameter of type '{ty}'")),
        }
    }

    /// Rank among overloads: lower is tried first.
    pub fn rank(&self) -> u32 {
        match self {
            Converter::Integer(Builtin::Int) => 0,
            Converter::Integer(Builtin::Long) => 1,
            Converter::Integer(Builtin::LongLong) => 2,
            Converter::Integer(Builtin::UInt) => 3,
            Converter::Integer(Builtin::ULong) => 4,
            Converter::Integer(Builtin::ULongLong) => 5,
            Converter::Integer(_) => 6,
            Converter::Double => 0,
            Converter::Float => 1,
            Converter::LongDouble => 2,
            Converter::ComplexDouble => 2,
            Converter::Bool => 0,
            Converter::Char(_) => 2,
            Converter::CString { .. } => 0,
            Converter::StdString { .. } => 1,
            Converter::Enum { .. } => 3,
            Converter::Object { .. } => 0,
            Converter::ObjectPointer { .. } => 1,
            Converter::StdFunction { .. } => 0,
            Converter::FunctionPointer { .. } => 1,
            // `void*` takes any object, after the pointers to what it is.
            Converter::BufferPointer(p) if p.element == crate::buffer::Element::Bytes => 2,
            Converter::BufferPointer(_) => 1,
            Converter::ObjectPointerPointer { .. } => 2,
            Converter::PyObject => 3,
            Converter::BuiltinReference(_) => 2,
            Converter::PointerReference { .. } => 2,
            Converter::Unsupported(_) => 100,
        }
    }

    /// Whether the parameter is a pointer to class objects (`T*`, `T**`).
    pub fn is_object_pointer(&self) -> bool {
        matches!(self, Converter::ObjectPointer { .. } | Converter::ObjectPointerPointer { .. })
    }

    /// How deep the parameter's class is in its hierarchy (the length of
    /// its MRO), 0 for parameters that are no class object.
    pub fn class_depth(&self, py: Python<'_>) -> usize {
        match self {
            Converter::Object { class, .. } | Converter::ObjectPointer { class, .. } => {
                class.bind(py).getattr(pyo3::intern!(py, "__mro__")).and_then(|m| m.len()).unwrap_or(0)
            }
            _ => 0,
        }
    }

    /// Whether the parameter is a `T&&` of a class, which takes only
    /// moved objects and temporaries.
    pub fn takes_rvalue(&self) -> bool {
        matches!(self, Converter::Object { rvalue: true, .. })
    }

    /// Whether this converter makes a data pointer (of a class, a builtin,
    /// `void`, or a pointer).
    pub fn is_pointer(&self) -> bool {
        matches!(self, Converter::ObjectPointer { .. } | Converter::ObjectPointerPointer { .. } | Converter::BufferPointer(_))
    }

    /// Whether this parameter takes any C++ object (`void*`, `void**`): a
    /// match here says nothing about the object's type.
    pub fn takes_any_object(&self) -> bool {
        matches!(self, Converter::BufferPointer(Pointee { element: Element::Bytes | Element::Pointer(None), .. }))
    }

    /// Whether the parameter points at const items: between overloads of
    /// equal rank, `f(char*)` is tried before `f(const char*)`, as C++
    /// prefers the one that adds no qualification.
    pub fn adds_const(&self) -> bool {
        matches!(self, Converter::CString { writable: false, .. } | Converter::BufferPointer(Pointee { writable: false, .. }))
    }

    /// Writes `obj` converted into `slot` and returns what `args[i]` must
    /// point at.
    ///
    /// # Safety
    /// `obj` is a live object; the GIL is held.
    pub unsafe fn convert(
        &self,
        py: Python<'_>,
        obj: *mut ffi::PyObject,
        slot: &mut ArgSlot,
        pass: Pass,
        scratch: &mut Scratch,
    ) -> Result<*mut c_void, Rejection> {
        let slot_ptr = slot as *mut ArgSlot as *mut c_void;
        match self {
            Converter::Bool => {
                if ffi::PyBool_Check(obj) != 0 {
                    slot.bytes[0] = (obj == ffi::Py_True()) as u8;
                } else if pass == Pass::Implicit && ffi::PyLong_CheckExact(obj) != 0 {
                    let v = integer_value(obj, Builtin::Long)?;
                    if v != 0 && v != 1 {
                        return Err(Rejection::OutOfRange);
                    }
                    slot.bytes[0] = v as u8;
                } else {
                    return zero_for_default(py, obj, slot);
                }
                Ok(slot_ptr)
            }
            Converter::Char(b) => {
                let value = if ffi::PyUnicode_Check(obj) != 0 {
                    let mut size: ffi::Py_ssize_t = 0;
                    let data = ffi::PyUnicode_AsUTF8AndSize(obj, &mut size);
                    if data.is_null() {
                        ffi::PyErr_Clear();
                        return Err(Rejection::WrongType);
                    }
                    let text = std::slice::from_raw_parts(data as *const u8, size as usize);
                    let mut chars = std::str::from_utf8_unchecked(text).chars();
                    let highest = match b {
                        Builtin::Char16 => 0xffff,
                        Builtin::WChar | Builtin::Char32 => u32::MAX,
                        _ => 0xff,
                    };
                    // A longer text is a value the type cannot hold, as
                    // cppyy sees it (a `ValueError`), not another type.
                    match (chars.next(), chars.next()) {
                        (Some(c), None) if c as u32 <= highest => c as u32 as i64,
                        _ => return Err(Rejection::OutOfRange),
                    }
                } else if ffi::PyLong_Check(obj) != 0 && ffi::PyBool_Check(obj) == 0 {
                    // An enum value first looks for its own overload (as for
                    // integers): `e << YAML::BeginMap` is not `e << char(16)`.
                    if pass == Pass::Strict && ffi::PyLong_CheckExact(obj) == 0 {
                        return Err(Rejection::WrongType);
                    }
                    let v = integer_value(obj, Builtin::Long)?;
                    let (lo, hi) = match b {
                        Builtin::UChar => (0, 255),
                        Builtin::SChar => (-128, 127),
                        Builtin::Char16 => (0, 0xffff),
                        Builtin::Char32 => (0, u32::MAX as i64),
                        Builtin::WChar => (i32::MIN as i64, i32::MAX as i64),
                        _ => (-128, 255),
                    };
                    if v < lo || v > hi {
                        return Err(Rejection::OutOfRange);
                    }
                    v
                } else {
                    return zero_for_default(py, obj, slot);
                };
                write_integer(slot, *b, value);
                Ok(slot_ptr)
            }
            Converter::Integer(b) => {
                if ffi::PyLong_Check(obj) == 0 {
                    return zero_for_default(py, obj, slot);
                }
                // Exactly `int` in the strict pass: a bool or an enum value
                // first looks for its own overload, as in C++.
                if pass == Pass::Strict && ffi::PyLong_CheckExact(obj) == 0 {
                    return Err(Rejection::WrongType);
                }
                let v = integer_value(obj, *b)?;
                write_integer(slot, *b, v);
                Ok(slot_ptr)
            }
            Converter::Float | Converter::Double | Converter::LongDouble => {
                let v = if ffi::PyFloat_Check(obj) != 0 {
                    ffi::PyFloat_AS_DOUBLE(obj)
                } else if pass == Pass::Implicit && ffi::PyLong_Check(obj) != 0 && ffi::PyBool_Check(obj) == 0 {
                    let v = ffi::PyLong_AsDouble(obj);
                    if v == -1.0 && !ffi::PyErr_Occurred().is_null() {
                        ffi::PyErr_Clear();
                        return Err(Rejection::OutOfRange);
                    }
                    v
                } else {
                    return zero_for_default(py, obj, slot);
                };
                match self {
                    Converter::Float => slot.f32 = v as f32,
                    Converter::LongDouble => slot.bytes = crate::longdouble::from_f64(v),
                    _ => slot.f64 = v,
                }
                Ok(slot_ptr)
            }
            Converter::ComplexDouble => {
                let exact = ffi::PyComplex_Check(obj) != 0;
                let number = pass == Pass::Implicit && (ffi::PyFloat_Check(obj) != 0 || (ffi::PyLong_Check(obj) != 0 && ffi::PyBool_Check(obj) == 0));
                if !exact && !number {
                    return zero_for_default(py, obj, slot);
                }
                let value = ffi::PyComplex_AsCComplex(obj);
                if value.real == -1.0 && !ffi::PyErr_Occurred().is_null() {
                    ffi::PyErr_Clear();
                    return Err(Rejection::OutOfRange);
                }
                let mut bytes = [0u8; 16];
                bytes[..8].copy_from_slice(&value.real.to_ne_bytes());
                bytes[8..].copy_from_slice(&value.imag.to_ne_bytes());
                slot.bytes = bytes;
                Ok(slot_ptr)
            }
            Converter::CString { writable } => {
                let text = if *writable { None } else { utf8_view(obj).ok() };
                slot.ptr = if let Some(text) = text {
                    text.data as *mut c_void
                } else if let Some(data) = (!*writable && pass == Pass::Implicit).then(|| std_string_buffer(py, obj)).flatten() {
                    data
                } else if crate::instance::is_nullptr(py, obj) {
                    std::ptr::null_mut()
                } else if obj == ffi::Py_None() {
                    return Err(Rejection::NoneString);
                } else {
                    let chars = Pointee { element: Element::Builtin(Builtin::Char), writable: *writable };
                    crate::buffer::address(py, obj, chars, scratch)?
                };
                Ok(slot_ptr)
            }
            Converter::StdString { proxy } => {
                slot.view = match proxy {
                    Some((class, view)) if ffi::PyType_IsSubtype(ffi::Py_TYPE(obj), class.as_ptr() as *mut ffi::PyTypeObject) != 0 => {
                        let address = CppObject::address_of(py, obj, class.as_ptr() as *mut ffi::PyTypeObject);
                        if address.is_null() {
                            return Err(Rejection::NullObject);
                        }
                        let mut view_out = StrView { data: std::ptr::null(), size: 0 };
                        view(address, &mut view_out.data, &mut view_out.size);
                        view_out
                    }
                    _ => utf8_view(obj)?,
                };
                Ok(slot_ptr)
            }
            Converter::Enum { underlying, class } => {
                if ffi::PyLong_Check(obj) == 0 || ffi::PyBool_Check(obj) != 0 {
                    return zero_for_default(py, obj, slot);
                }
                if pass == Pass::Strict {
                    if let Some(class) = class {
                        if ffi::PyType_IsSubtype(ffi::Py_TYPE(obj), class.as_ptr() as *mut ffi::PyTypeObject) == 0 {
                            return Err(Rejection::WrongType);
                        }
                    }
                }
                let v = integer_value(obj, *underlying)?;
                write_integer(slot, *underlying, v);
                Ok(slot_ptr)
            }
            Converter::Object { class, allow_construct, smart_get, rvalue, braced } => {
                let cls = class.as_ptr() as *mut ffi::PyTypeObject;
                if ffi::PyType_IsSubtype(ffi::Py_TYPE(obj), cls) != 0 {
                    let address = CppObject::address_of(py, obj, cls);
                    if address.is_null() {
                        return Err(Rejection::NullObject);
                    }
                    if *rvalue && !is_rvalue(obj) {
                        return Err(Rejection::NotMoved);
                    }
                    return Ok(address);
                }
                // A proxy returned through a smart pointer stands for it.
                if let Some(holder) = crate::instance::holder_of(py, obj) {
                    if ffi::PyType_IsSubtype(ffi::Py_TYPE(holder.as_ptr()), cls) != 0 {
                        if *rvalue && !is_rvalue(obj) {
                            return Err(Rejection::NotMoved);
                        }
                        let smart = CppObject::address_of(py, holder.as_ptr(), cls);
                        if let Some(get) = smart_get {
                            scratch.watch_holder(Py::from_borrowed_ptr(py, obj), smart, *get);
                        }
                        return Ok(smart);
                    }
                }
                // C++ applies at most one user-defined conversion: no implicit
                // construction while making an implicit temporary.
                let braced_list = *braced && (ffi::PyList_Check(obj) != 0 || ffi::PyTuple_Check(obj) != 0);
                if pass == Pass::Strict || (IN_IMPLICIT_CONSTRUCTION.get() && !braced_list) {
                    return Err(Rejection::WrongType);
                }
                if let Some(cast) = cast_cpp(py, obj, scratch)? {
                    let cast = Bound::from_borrowed_ptr(py, cast);
                    return match cast.cast::<pyo3::types::PyTuple>() {
                        // Constructor arguments for a temporary.
                        Ok(args) if *allow_construct => implicit_temporary(py, class, args.clone(), cls, scratch),
                        Ok(_) => Err(Rejection::WrongType),
                        Err(_) if crate::instance::is_proxy(py, cast.as_ptr()) => self.convert(py, cast.as_ptr(), slot, pass, scratch),
                        Err(_) => Err(Rejection::WrongType),
                    };
                }
                if let Some(get) = smart_get {
                    if let Some(holder) = crate::instance::holder_of(py, obj) {
                        if !allow_construct {
                            return Err(Rejection::WrongType);
                        }
                        // A smart pointer of another class (`shared_ptr<Derived>`
                        // for `shared_ptr<Base>`): converted as C++ converts it.
                        let one = pyo3::types::PyTuple::new(py, [holder.as_any().clone()]).map_err(|e| Rejection::ConstructionFailed(discard(py, e)))?;
                        let converted = implicit_temporary(py, class, one, cls, scratch);
                        if converted.is_ok() {
                            return converted;
                        }
                        // C++ has none when the pointee is a private base, or
                        // the class the object is beyond the holder's type
                        // (`shared_ptr<Base>` holding a Python class's
                        // dispatcher, for `shared_ptr<Dispatcher>`): the
                        // object itself converts to the parameter's pointee,
                        // so a smart pointer sharing the holder's ownership
                        // and pointing at that part of it (the aliasing
                        // constructor) is the conversion. Fails for
                        // `unique_ptr`, which cannot share.
                        let both = pyo3::types::PyTuple::new(py, [holder.as_any().clone(), Bound::from_borrowed_ptr(py, obj)])
                            .map_err(|e| Rejection::ConstructionFailed(discard(py, e)))?;
                        return implicit_temporary(py, class, both, cls, scratch).or(converted);
                    }
                    return hand_to_smart_pointer(py, obj, class, *get, scratch);
                }
                if !allow_construct {
                    return Err(Rejection::WrongType);
                }
                let args = pyo3::types::PyTuple::new(py, [Bound::from_borrowed_ptr(py, obj)]).map_err(|e| Rejection::ConstructionFailed(discard(py, e)))?;
                implicit_temporary(py, class, args, cls, scratch)
            }
            Converter::StdFunction { class, id, factory } => {
                let cls = class.as_ptr() as *mut ffi::PyTypeObject;
                if ffi::PyType_IsSubtype(ffi::Py_TYPE(obj), cls) != 0 {
                    let address = CppObject::address_of(py, obj, cls);
                    return if address.is_null() { Err(Rejection::NullObject) } else { Ok(address) };
                }
                if ffi::PyCallable_Check(obj) == 0 {
                    return Err(Rejection::WrongType);
                }
                let factory = callback_factory(py, factory, *id)?;
                let made = factory.make(Py::from_borrowed_ptr(py, obj));
                // Owned by a proxy that lives as long as the call: the callee
                // copies it if it keeps it.
                let proxy = CppObject::wrap(py, class.bind(py), made, Some(factory.deleter))
                    .map_err(|e| Rejection::ConstructionFailed(discard(py, e)))?;
                scratch.keep(proxy);
                Ok(made)
            }
            Converter::FunctionPointer { id, factory } => {
                slot.ptr = if obj == ffi::Py_None() {
                    return Err(Rejection::NoneFunction);
                } else if crate::instance::is_nullptr(py, obj) {
                    std::ptr::null_mut()
                } else if let Some(address) = crate::fnpointer::known_address(py, obj, *id) {
                    address as *mut c_void
                } else if let Some(address) = cpp_function_address(py, obj, *id)? {
                    address as *mut c_void
                } else if ffi::PyCallable_Check(obj) != 0 {
                    let factory = callback_factory(py, factory, *id)?;
                    crate::callback::function_pointer(py, factory, *id, obj).map_err(|e| Rejection::ConstructionFailed(discard(py, e)))?
                } else {
                    return Err(Rejection::WrongType);
                };
                Ok(slot_ptr)
            }
            Converter::ObjectPointer { class, complex } => {
                let cls = class.as_ptr() as *mut ffi::PyTypeObject;
                slot.ptr = if crate::instance::is_nullptr(py, obj) || is_zero(obj) {
                    std::ptr::null_mut()
                } else if obj == ffi::Py_None() {
                    return Err(Rejection::NonePointer);
                } else if ffi::PyType_IsSubtype(ffi::Py_TYPE(obj), cls) != 0 {
                    CppObject::address_of(py, obj, cls)
                } else {
                    match crate::instance::holder_of(py, obj) {
                        Some(holder) if ffi::PyType_IsSubtype(ffi::Py_TYPE(holder.as_ptr()), cls) != 0 => {
                            CppObject::address_of(py, holder.as_ptr(), cls)
                        }
                        // A view of objects of the class (`ll.array_new[T](n)`,
                        // a vector's `data()`): where the first one is.
                        _ if crate::lowlevel::is_view(py, obj) && crate::lowlevel::first_object(py, obj).is_some() => {
                            match crate::lowlevel::first_object(py, obj).flatten() {
                                None => std::ptr::null_mut(),
                                Some(first) if ffi::PyType_IsSubtype(ffi::Py_TYPE(first.as_ptr()), cls) != 0 => CppObject::address_of(py, first.as_ptr(), cls),
                                Some(_) => return Err(Rejection::WrongType),
                            }
                        }
                        _ => match complex {
                            Some(items) => crate::buffer::address(py, obj, *items, scratch)?,
                            None if pass == Pass::Strict => return Err(Rejection::WrongType),
                            None => match cast_cpp(py, obj, scratch)? {
                                // The object the Python one stands for.
                                Some(cast) if crate::instance::is_proxy(py, cast) => return self.convert(py, cast, slot, pass, scratch),
                                _ => return Err(Rejection::WrongType),
                            },
                        },
                    }
                };
                Ok(slot_ptr)
            }
            Converter::BufferPointer(pointee) => {
                slot.ptr = if crate::instance::is_nullptr(py, obj) || is_zero(obj) {
                    std::ptr::null_mut()
                } else if obj == ffi::Py_None() {
                    return Err(Rejection::NonePointer);
                } else if pointee.element == Element::Bytes && ffi::PyLong_CheckExact(obj) != 0 {
                    // An address, as cppyy takes it for `void*`.
                    let address = ffi::PyLong_AsVoidPtr(obj);
                    if address.is_null() && !ffi::PyErr_Occurred().is_null() {
                        ffi::PyErr_Clear();
                        return Err(Rejection::OutOfRange);
                    }
                    address
                } else if pointee.element == Element::Builtin(Builtin::WChar) && !pointee.writable && ffi::PyUnicode_Check(obj) != 0 {
                    wide_text(obj, scratch)?
                } else if let (Element::Builtin(unit @ (Builtin::Char16 | Builtin::Char32)), false, true) =
                    (pointee.element, pointee.writable, ffi::PyUnicode_Check(obj) != 0)
                {
                    unicode_text(obj, unit, scratch)?
                } else if let Element::Pointer(target) = pointee.element {
                    if let Some(array) = text_array(obj, target, scratch)? {
                        array
                    } else if target.is_none() && crate::instance::is_proxy(py, obj) {
                        // `void**`: where the proxy keeps its address.
                        repointable(py, obj, scratch)
                    } else {
                        crate::buffer::address(py, obj, *pointee, scratch)?
                    }
                } else {
                    crate::buffer::address(py, obj, *pointee, scratch)?
                };
                Ok(slot_ptr)
            }
            Converter::ObjectPointerPointer { class, pointee } => {
                let cls = class.as_ptr() as *mut ffi::PyTypeObject;
                slot.ptr = if crate::instance::is_nullptr(py, obj) || is_zero(obj) {
                    std::ptr::null_mut()
                } else if obj == ffi::Py_None() {
                    return Err(Rejection::NonePointer);
                } else if ffi::PyType_IsSubtype(ffi::Py_TYPE(obj), cls) != 0 {
                    // Only where the object is a `T` at its own address: a
                    // base at an offset would be written back unadjusted.
                    let address = crate::instance::state(obj).address();
                    if CppObject::address_of(py, obj, cls) != address {
                        return Err(Rejection::WrongType);
                    }
                    repointable(py, obj, scratch)
                } else {
                    crate::buffer::address(py, obj, *pointee, scratch)?
                };
                Ok(slot_ptr)
            }
            Converter::PyObject => {
                slot.ptr = obj as *mut c_void;
                Ok(slot_ptr)
            }
            Converter::BuiltinReference(b) => {
                if ffi::PyObject_CheckBuffer(obj) == 0 {
                    return Err(Rejection::WrongType);
                }
                let mut view: Box<ffi::Py_buffer> = Box::new(std::mem::zeroed());
                if ffi::PyObject_GetBuffer(obj, &mut *view, ffi::PyBUF_WRITABLE as c_int) != 0 {
                    ffi::PyErr_Clear();
                    return Err(Rejection::WrongType);
                }
                let fits = view.len as usize == b.size();
                let data = view.buf;
                scratch.hold(view);
                if !fits {
                    return Err(Rejection::WrongType);
                }
                Ok(data)
            }
            Converter::PointerReference { untyped: true } if crate::instance::is_proxy(py, obj) => Ok(repointable(py, obj, scratch)),
            Converter::PointerReference { .. } => crate::buffer::pointer_object(obj, scratch),
            Converter::Unsupported(why) => Err(Rejection::Unsupported(why.clone())),
        }
    }
}

/// A Python-owned object for a smart pointer parameter: a smart pointer
/// of the parameter's class is made from it and owns it from then on, held
/// by the object's proxy (as if C++ had returned it so); the callee shares
/// or takes it. Objects C++ owns, or that a smart pointer already holds,
/// are refused: a second owner would delete them twice.
unsafe fn hand_to_smart_pointer(
    py: Python<'_>,
    obj: *mut ffi::PyObject,
    class: &Py<pyo3::types::PyType>,
    get: cpplive_core::thunk::SmartGetFn,
    scratch: &mut Scratch,
) -> Result<*mut c_void, Rejection> {
    if !crate::instance::is_proxy(py, obj) || crate::instance::holder_of(py, obj).is_some() {
        return Err(Rejection::WrongType);
    }
    let state = crate::instance::state(obj);
    if !state.owns() || state.address().is_null() {
        return Err(Rejection::WrongType);
    }
    let arg = Bound::from_borrowed_ptr(py, obj);
    // A deliberate hand-over through the smart pointer's `explicit`
    // constructor from `T*` (the object is a `T`: nothing is converted on
    // the way), so not marked as an implicit construction.
    let made = class.bind(py).call1((arg,));
    let smart = made.map_err(|e| Rejection::ConstructionFailed(discard(py, e)))?;
    let address = CppObject::address_of(py, smart.as_ptr(), class.as_ptr() as *mut ffi::PyTypeObject);
    if address.is_null() || get(address).is_null() || !state.hand_to(smart.unbind()) {
        return Err(Rejection::WrongType);
    }
    scratch.watch_holder(Py::from_borrowed_ptr(py, obj), address, get);
    Ok(address)
}

/// The address a C++ function passed for a function pointer of
/// `std::function` class `id`'s signature stands for: the overload of that
/// signature, refused when none is (C++ would not convert it either);
/// `None` for other objects, and when the backend cannot take addresses
/// (the function is then called as any Python callable is).
unsafe fn cpp_function_address(py: Python<'_>, obj: *mut ffi::PyObject, id: u64) -> Result<Option<usize>, Rejection> {
    let obj = Bound::from_borrowed_ptr(py, obj);
    let Ok(function) = obj.cast::<crate::callable::CppFunction>() else { return Ok(None) };
    match crate::fnpointer::function_address(py, function, id) {
        Ok(crate::fnpointer::FunctionAddress::Found(address)) => Ok(Some(address)),
        Ok(crate::fnpointer::FunctionAddress::NoMatch) => Err(Rejection::WrongType),
        Ok(crate::fnpointer::FunctionAddress::Unavailable) => Ok(None),
        Err(e) => Err(Rejection::ConstructionFailed(discard(py, e))),
    }
}

/// The maker of Python-calling `std::function`s of class `id`, compiled
/// on first use.
fn callback_factory<'a>(
    py: Python<'_>,
    cell: &'a std::sync::OnceLock<Result<crate::callback::Factory, String>>,
    id: u64,
) -> Result<&'a crate::callback::Factory, Rejection> {
    // Building makes proxy classes (Python code runs): never inside a lock.
    crate::sync::publish(cell, || crate::callback::Factory::build(py, id)).as_ref().map_err(|why| Rejection::Unsupported(why.clone()))
}

/// The message of an error that resolution moves past, released at once:
/// conversions run outside pyo3's entry points, where dropping the error
/// would only queue its references (and a loop of failing calls would pile
/// them up).
fn discard(py: Python<'_>, error: PyErr) -> String {
    let text = error.to_string();
    error.restore(py);
    unsafe { ffi::PyErr_Clear() };
    text
}

/// The temporary `class(arg)` an implicit conversion makes (its one
/// user-defined conversion: no other implicit construction inside),
/// kept for the call; the address of it seen as `cls`.
///
/// # Safety
/// The GIL is held; `cls` is `class` or a base of it.
unsafe fn implicit_temporary(
    py: Python<'_>,
    class: &Py<pyo3::types::PyType>,
    args: Bound<'_, pyo3::types::PyTuple>,
    cls: *mut ffi::PyTypeObject,
    scratch: &mut Scratch,
) -> Result<*mut c_void, Rejection> {
    // Restored, not cleared: a braced list is made inside another
    // implicit construction.
    let outer = IN_IMPLICIT_CONSTRUCTION.replace(true);
    let made = class.bind(py).call1(args);
    IN_IMPLICIT_CONSTRUCTION.set(outer);
    let temporary = made.map_err(|e| Rejection::ConstructionFailed(discard(py, e)))?;
    let address = CppObject::address_of(py, temporary.as_ptr(), cls);
    scratch.keep(temporary.unbind());
    Ok(address)
}

/// What a Python object that stands for a C++ one gives from its
/// `__cast_cpp__()` (as in cppyy: an object of the parameter's class, or a
/// tuple of constructor arguments), kept for the call; `None` for objects
/// without one (proxies never use it).
unsafe fn cast_cpp(py: Python<'_>, obj: *mut ffi::PyObject, scratch: &mut Scratch) -> Result<Option<*mut ffi::PyObject>, Rejection> {
    if crate::instance::is_proxy(py, obj) {
        return Ok(None);
    }
    let name = pyo3::intern!(py, "__cast_cpp__");
    if crate::typelookup::on_type(ffi::Py_TYPE(obj), name.as_ptr()).is_null() {
        return Ok(None);
    }
    let object = Bound::from_borrowed_ptr(py, obj);
    let cast = object.call_method0(name).map_err(|e| Rejection::ConstructionFailed(discard(py, e)))?;
    let pointer = cast.as_ptr();
    scratch.keep(cast.unbind());
    Ok(Some(pointer))
}

/// Whether proxy `obj` may bind to a `T&&`: marked by `std.move` (the
/// mark is used up), or a temporary: an object Python owns whose only
/// reference is the call's argument (`f(T())`), which nothing can see
/// after the call. A proxy of an object C++ owns (`f(o.member)`) is an
/// lvalue however few references it has.
#[inline]
unsafe fn is_rvalue(obj: *mut ffi::PyObject) -> bool {
    let state = crate::instance::state(obj);
    (ffi::Py_REFCNT(obj) == 1 && state.owns()) || state.take_rvalue()
}

/// `cpplive.default` for a scalar: its zero (every builtin and enum zero
/// is all zero bytes). Anything else is of the wrong type.
#[cold]
fn zero_for_default(py: Python<'_>, obj: *mut ffi::PyObject, slot: &mut ArgSlot) -> Result<*mut c_void, Rejection> {
    if !crate::instance::is_default(py, obj) {
        return Err(Rejection::WrongType);
    }
    *slot = ArgSlot::default();
    Ok(slot as *mut ArgSlot as *mut c_void)
}

/// An `int` 0, which cppyy takes as a null pointer (C's `NULL`).
unsafe fn is_zero(obj: *mut ffi::PyObject) -> bool {
    ffi::PyLong_CheckExact(obj) != 0 && crate::smallint::compact_value(obj) == Some(0)
}

/// The address of proxy `obj`'s own pointer, for a `T**` parameter; the
/// proxy is checked after the call (C++ may have pointed it elsewhere).
unsafe fn repointable(py: Python<'_>, obj: *mut ffi::PyObject, scratch: &mut Scratch) -> *mut c_void {
    let state = crate::instance::state(obj);
    scratch.watch_repoint(Py::from_borrowed_ptr(py, obj), state.address());
    state.address_slot() as *mut c_void
}

/// For `char**`/`const char**` given a list or tuple of `str` (or
/// `bytes`): an array of pointers to NUL-terminated copies, followed by a
/// null pointer, alive until the call returns. `None` for other objects.
unsafe fn text_array(obj: *mut ffi::PyObject, target: Option<Builtin>, scratch: &mut Scratch) -> Result<Option<*mut c_void>, Rejection> {
    if target != Some(Builtin::Char) || (ffi::PyList_Check(obj) == 0 && ffi::PyTuple_Check(obj) == 0) {
        return Ok(None);
    }
    let n = ffi::PySequence_Size(obj);
    let mut pointers = vec![0usize; n.max(0) as usize + 1].into_boxed_slice();
    for i in 0..n.max(0) {
        let item = ffi::PySequence_GetItem(obj, i);
        if item.is_null() {
            ffi::PyErr_Clear();
            return Err(Rejection::WrongType);
        }
        let copy = utf8_view(item).map(|text| {
            let mut copy = vec![0usize; text.size / std::mem::size_of::<usize>() + 1].into_boxed_slice();
            std::ptr::copy_nonoverlapping(text.data as *const u8, copy.as_mut_ptr() as *mut u8, text.size);
            copy
        });
        ffi::Py_DECREF(item);
        pointers[i as usize] = scratch.own(copy?) as usize;
    }
    Ok(Some(scratch.own(pointers)))
}

/// A pointer parameter that receives a copy of the pointer: by value,
/// `T* const&` or `T*&&` (as in `std::vector<T*>::push_back`).
fn pointer_taken_by_value(ty: &TypeRef) -> bool {
    match ty.reference {
        RefKind::None | RefKind::RValue => true,
        RefKind::LValue => ty.pointers.last().copied().unwrap_or(false),
    }
}

/// The `std::string` class, once its proxy class exists.
pub fn std_string_class_id() -> Option<u64> {
    static ID: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
    if let Some(id) = ID.get() {
        return *id;
    }
    let id = crate::runtime::with_backend(|b| b.resolve_type("std::string").map_err(crate::errors::backend_error)).ok()?.class_id();
    *ID.get_or_init(|| id)
}

/// The buffer of `obj` when it is a `std::string` proxy.
///
/// # Safety
/// `obj` is a live Python object.
unsafe fn std_string_buffer(py: Python<'_>, obj: *mut ffi::PyObject) -> Option<*mut c_void> {
    if !crate::instance::is_proxy(py, obj) || registry::scope_of_type(py, ffi::Py_TYPE(obj)) != Some(std_string_class_id()?) {
        return None;
    }
    let address = crate::instance::state(obj).address();
    if address.is_null() {
        return None;
    }
    let view = crate::runtime::with_backend(|b| b.string_view().map_err(crate::errors::backend_error)).ok()?;
    let mut data: *const std::ffi::c_char = std::ptr::null();
    let mut size = 0usize;
    view(address, &mut data, &mut size);
    Some(data as *mut c_void)
}

/// A `str` as a NUL-terminated `wchar_t` string owned by the call (for
/// `const wchar_t*`, and so for `std::wstring` made from a `str`).
unsafe fn wide_text(obj: *mut ffi::PyObject, scratch: &mut Scratch) -> Result<*mut c_void, Rejection> {
    // The length with the terminating NUL.
    let units = ffi::PyUnicode_AsWideChar(obj, std::ptr::null_mut(), 0);
    if units < 0 {
        ffi::PyErr_Clear();
        return Err(Rejection::WrongType);
    }
    let bytes = units as usize * std::mem::size_of::<libc::wchar_t>();
    let memory = vec![0usize; bytes.div_ceil(std::mem::size_of::<usize>())].into_boxed_slice();
    let text = scratch.own(memory);
    if ffi::PyUnicode_AsWideChar(obj, text as *mut libc::wchar_t, units) < 0 {
        ffi::PyErr_Clear();
        return Err(Rejection::WrongType);
    }
    Ok(text)
}

/// A `str` as a NUL-terminated copy in UTF-16 (`char16_t`) or UTF-32
/// (`char32_t`) units, owned by the call.
unsafe fn unicode_text(obj: *mut ffi::PyObject, unit: Builtin, scratch: &mut Scratch) -> Result<*mut c_void, Rejection> {
    let view = utf8_view(obj)?;
    let text = std::str::from_utf8(std::slice::from_raw_parts(view.data as *const u8, view.size)).map_err(|_| Rejection::WrongType)?;
    let units: Vec<u32> = if unit == Builtin::Char16 {
        text.encode_utf16().map(u32::from).collect()
    } else {
        text.chars().map(u32::from).collect()
    };
    let width = if unit == Builtin::Char16 { 2 } else { 4 };
    let bytes = (units.len() + 1) * width;
    let memory = vec![0usize; bytes.div_ceil(std::mem::size_of::<usize>())].into_boxed_slice();
    let out = scratch.own(memory);
    for (i, u) in units.iter().enumerate() {
        if width == 2 {
            *(out as *mut u16).add(i) = *u as u16;
        } else {
            *(out as *mut u32).add(i) = *u;
        }
    }
    Ok(out)
}

unsafe fn utf8_view(obj: *mut ffi::PyObject) -> Result<StrView, Rejection> {
    if ffi::PyUnicode_Check(obj) != 0 {
        let mut size: ffi::Py_ssize_t = 0;
        let data = ffi::PyUnicode_AsUTF8AndSize(obj, &mut size);
        if data.is_null() {
            ffi::PyErr_Clear();
            return Err(Rejection::WrongType);
        }
        Ok(StrView { data, size: size as usize })
    } else if ffi::PyBytes_Check(obj) != 0 {
        Ok(StrView { data: ffi::PyBytes_AsString(obj), size: ffi::PyBytes_Size(obj) as usize })
    } else {
        Err(Rejection::WrongType)
    }
}

/// The value of a Python int, checked against the range of `b`.
unsafe fn integer_value(obj: *mut ffi::PyObject, b: Builtin) -> Result<i64, Rejection> {
    if matches!(b, Builtin::ULong | Builtin::ULongLong) {
        let v = ffi::PyLong_AsUnsignedLongLong(obj);
        if v == u64::MAX && !ffi::PyErr_Occurred().is_null() {
            ffi::PyErr_Clear();
            return Err(Rejection::OutOfRange);
        }
        return Ok(v as i64);
    }
    let mut overflow: c_int = 0;
    let v = ffi::PyLong_AsLongLongAndOverflow(obj, &mut overflow);
    if overflow != 0 {
        return Err(Rejection::OutOfRange);
    }
    if v == -1 && !ffi::PyErr_Occurred().is_null() {
        ffi::PyErr_Clear();
        return Err(Rejection::WrongType);
    }
    let (lo, hi): (i64, i64) = match b {
        Builtin::SChar | Builtin::Int8 => (i8::MIN as i64, i8::MAX as i64),
        Builtin::UChar | Builtin::UInt8 => (0, u8::MAX as i64),
        Builtin::Char => (i8::MIN as i64, u8::MAX as i64),
        Builtin::Short => (i16::MIN as i64, i16::MAX as i64),
        Builtin::UShort | Builtin::Char16 => (0, u16::MAX as i64),
        Builtin::Int | Builtin::WChar => (i32::MIN as i64, i32::MAX as i64),
        Builtin::UInt | Builtin::Char32 => (0, u32::MAX as i64),
        Builtin::Bool => (0, 1),
        _ => (i64::MIN, i64::MAX),
    };
    if v < lo || v > hi {
        return Err(Rejection::OutOfRange);
    }
    Ok(v)
}

fn write_integer(slot: &mut ArgSlot, b: Builtin, v: i64) {
    let bytes = v.to_ne_bytes();
    let size = b.size().min(8);
    // Little-endian targets only: the low bytes of the i64 are the value.
    unsafe { slot.bytes[..size].copy_from_slice(&bytes[..size]) };
}
