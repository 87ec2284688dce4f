//! Pointer arguments taken from Python objects that own memory: buffers
//! (`bytearray`, `array.array`, NumPy arrays, memoryviews, ctypes arrays
//! and scalars), ctypes pointers and `byref` references, and cpplive's own
//! views of C++ memory. Before C++ gets an address, the object's items must
//! be what the parameter points at (type code, size, native byte order),
//! lie in one C-contiguous block, and be writable unless the pointee is
//! const: C++ never writes into a `str`, a `bytes` or a read-only array,
//! nor reads a buffer of smaller items as larger ones. `None` and
//! `nullptr` are the converters' business, not this module's.

use std::ffi::{c_char, c_int, c_void, CStr};

use cpplive_core::types::{Builtin, TypeRef};
use pyo3::ffi;
use pyo3::prelude::*;

use crate::convert::{Rejection, Scratch};

const POINTER_SIZE: usize = std::mem::size_of::<*mut c_void>();

/// What a pointer parameter points at, as far as a buffer can tell.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Element {
    /// `void*`: any bytes.
    Bytes,
    /// `T*` for a builtin `T`.
    Builtin(Builtin),
    /// `T**` and deeper: pointers, to a builtin (`Some`) or to anything else
    /// (`None`: a class, `void`, another pointer).
    Pointer(Option<Builtin>),
    /// `std::complex<T>*`: pairs of `T` (NumPy's `complex64` for `float`).
    Complex(Builtin),
}

/// A pointer parameter's target: its items, and whether C++ may write
/// through the pointer (the items are not const).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Pointee {
    pub element: Element,
    pub writable: bool,
}

impl Pointee {
    /// The target of pointer type `ty`: one level to a builtin or `void`,
    /// or two levels and more to anything.
    pub fn of(ty: &TypeRef) -> Pointee {
        let depth = ty.pointers.len();
        let element = match (ty.builtin(), depth) {
            (Some(Builtin::Void), 1) => Element::Bytes,
            (Some(b), 1) => Element::Builtin(b),
            (b, 2) => Element::Pointer(b.filter(|b| *b != Builtin::Void)),
            _ => Element::Pointer(None),
        };
        // The items are what the outermost pointer points at: the base for
        // `T*`, the next pointer in for `T**`.
        let item_const = if depth <= 1 { ty.base_const } else { ty.pointers[depth - 2] };
        Pointee { element, writable: !item_const }
    }
}

impl Element {
    fn size(self) -> usize {
        match self {
            Element::Bytes => 1,
            Element::Builtin(b) => b.size(),
            Element::Pointer(_) => POINTER_SIZE,
            Element::Complex(b) => 2 * b.size(),
        }
    }

    /// Whether items of struct-module `format` (`itemsize` bytes, when
    /// known) are this element.
    fn accepts(self, format: &[u8], itemsize: Option<usize>) -> bool {
        // A foreign byte order would make every value wrong.
        let native = native(format);
        match (self, native) {
            (Element::Bytes, _) => true,
            (_, None) => false,
            (Element::Builtin(b), Some([code])) => numeric(*code, b) && itemsize.unwrap_or_else(|| native_size(*code)) == b.size(),
            (Element::Builtin(_), Some(_)) => false,
            (Element::Complex(b), Some([b'Z', code])) => {
                b.is_floating() && numeric(*code, b) && native_size(*code) == b.size() && itemsize.unwrap_or(2 * b.size()) == 2 * b.size()
            }
            (Element::Complex(_), Some(_)) => false,
            (Element::Pointer(target), Some(format)) => {
                itemsize.unwrap_or(POINTER_SIZE) == POINTER_SIZE
                    && match (format, target) {
                        // ctypes.c_void_p: an untyped address.
                        (b"P", _) => true,
                        // ctypes.c_char_p, c_wchar_p.
                        (b"z", Some(Builtin::Char)) | (b"Z", Some(Builtin::WChar)) => true,
                        // ctypes.POINTER(T).
                        ([b'&', pointee @ ..], Some(b)) => Element::Builtin(b).accepts(pointee, None),
                        // Any ctypes pointer, for pointers to what ctypes
                        // cannot name (enums, classes).
                        ([b'&', ..], None) => true,
                        // Addresses as pointer-sized integers (`array('l')`
                        // of `addressof(obj)`s), for `void**` and `T**` of a
                        // class, as cppyy takes them.
                        ([b'l' | b'L' | b'q' | b'Q' | b'n' | b'N'], None) => true,
                        _ => false,
                    }
            }
        }
    }
}

/// The format after its byte-order mark; `None` for big-endian formats
/// (cpplive's targets are little-endian).
fn native(format: &[u8]) -> Option<&[u8]> {
    match format.split_first() {
        Some((b'@' | b'=' | b'<', rest)) => Some(rest),
        Some((b'>' | b'!', _)) => None,
        _ => Some(format),
    }
}

/// Whether struct-module code `code` holds numbers of `b`'s family.
fn numeric(code: u8, b: Builtin) -> bool {
    match code {
        b'e' | b'f' | b'd' | b'g' => b.is_floating(),
        // ctypes.c_wchar (4 bytes here), for wide characters.
        b'u' => matches!(b, Builtin::WChar | Builtin::Char32),
        b'c' | b'?' | b'b' | b'B' | b'h' | b'H' | b'i' | b'I' | b'l' | b'L' | b'q' | b'Q' | b'n' | b'N' => {
            b.is_integer() && !b.is_floating()
        }
        _ => false,
    }
}

/// Native item size of a one-code format (for what a ctypes pointer points
/// at, where no buffer gives the size).
fn native_size(code: u8) -> usize {
    match code {
        b'c' | b'b' | b'B' | b'?' => 1,
        b'h' | b'H' | b'e' => 2,
        b'i' | b'I' | b'f' | b'u' => 4,
        b'l' | b'L' | b'q' | b'Q' | b'n' | b'N' | b'd' | b'P' => 8,
        b'g' => 16,
        _ => 0,
    }
}

/// A refused buffer's format for the message (the first bytes of it).
fn tag(format: &[u8]) -> FormatTag {
    let mut tag = [0u8; 8];
    let n = format.len().min(tag.len());
    tag[..n].copy_from_slice(&format[..n]);
    tag
}

/// The first bytes of a struct-module format, zero-padded: enough to name
/// it in a message without allocating while overloads are tried.
pub type FormatTag = [u8; 8];

pub fn tag_text(tag: &FormatTag) -> String {
    let end = tag.iter().position(|c| *c == 0).unwrap_or(tag.len());
    let text = String::from_utf8_lossy(&tag[..end]).into_owned();
    if end == tag.len() { format!("{text}...") } else { text }
}

unsafe fn buffer_format(view: &ffi::Py_buffer) -> &[u8] {
    if view.format.is_null() {
        b"B"
    } else {
        CStr::from_ptr(view.format).to_bytes()
    }
}

/// The request for a pointer parameter's buffer. Without `PyBUF_STRIDES`
/// exporters refuse views that are not C-contiguous; `PyBUF_WRITABLE`
/// makes them refuse read-only memory.
fn request(pointee: Pointee) -> c_int {
    let mut flags = ffi::PyBUF_FORMAT | ffi::PyBUF_ND;
    if pointee.writable {
        flags |= ffi::PyBUF_WRITABLE;
    }
    flags as c_int
}

/// The address to pass for `obj` (neither `None` nor `nullptr`), or why it
/// is refused. Buffer views taken stay in `scratch` until the call returns.
///
/// # Safety
/// `obj` is a live object; the GIL is held.
pub unsafe fn address(py: Python<'_>, obj: *mut ffi::PyObject, pointee: Pointee, scratch: &mut Scratch) -> Result<*mut c_void, Rejection> {
    if let Some(reference) = ctypes_reference(py, obj, pointee, scratch) {
        return reference;
    }
    // A view of pointers to builtins says what they point at, which its
    // buffer (of format `P`) does not: checked as ctypes pointers are.
    if matches!(pointee.element, Element::Pointer(Some(_))) && crate::lowlevel::points_at_builtins(py, obj) {
        return not_a_buffer(py, obj, pointee);
    }
    let mut view: Box<ffi::Py_buffer> = Box::new(std::mem::zeroed());
    if ffi::PyObject_CheckBuffer(obj) == 0 || ffi::PyObject_GetBuffer(obj, &mut *view, request(pointee)) != 0 {
        ffi::PyErr_Clear();
        return not_a_buffer(py, obj, pointee);
    }
    let found = inside(&view, pointee.element);
    scratch.hold(view);
    found
}

/// The items of `obj` for copying into a C++ array of `b`: a C-contiguous
/// buffer of such items (or a view of C++ memory of known size), as its
/// address and extents. Views taken stay in `scratch`.
///
/// # Safety
/// `obj` is a live object; the GIL is held.
pub unsafe fn items_to_copy(py: Python<'_>, obj: *mut ffi::PyObject, b: Builtin, scratch: &mut Scratch) -> Result<(*const u8, Vec<usize>), Rejection> {
    let mut view: Box<ffi::Py_buffer> = Box::new(std::mem::zeroed());
    let flags = (ffi::PyBUF_FORMAT | ffi::PyBUF_ND) as c_int;
    if ffi::PyObject_CheckBuffer(obj) == 0 || ffi::PyObject_GetBuffer(obj, &mut *view, flags) != 0 {
        ffi::PyErr_Clear();
        return Err(refusal(obj, Pointee { element: Element::Builtin(b), writable: false }));
    }
    let format = buffer_format(&view);
    if !Element::Builtin(b).accepts(format, Some(view.itemsize as usize)) {
        let why = Rejection::Elements { format: tag(format), size: view.itemsize as usize };
        scratch.hold(view);
        return Err(why);
    }
    let extents = if view.ndim == 0 || view.shape.is_null() {
        vec![view.len as usize / b.size().max(1)]
    } else {
        std::slice::from_raw_parts(view.shape, view.ndim as usize).iter().map(|&d| d as usize).collect()
    };
    let data = view.buf as *const u8;
    let _ = py;
    scratch.hold(view);
    Ok((data, extents))
}

/// Where a ctypes pointer object (`POINTER(T)()`, `c_void_p`, `c_char_p`)
/// keeps its pointer, for a reference to a pointer: C++ reads it and may
/// write another. The object's items are not checked against the pointee
/// (`c_void_p` is how ctypes spells an untyped out-pointer).
///
/// # Safety
/// `obj` is a live object; the GIL is held.
pub unsafe fn pointer_object(obj: *mut ffi::PyObject, scratch: &mut Scratch) -> Result<*mut c_void, Rejection> {
    let mut view: Box<ffi::Py_buffer> = Box::new(std::mem::zeroed());
    let flags = (ffi::PyBUF_FORMAT | ffi::PyBUF_ND | ffi::PyBUF_WRITABLE) as c_int;
    if ffi::PyObject_CheckBuffer(obj) == 0 || ffi::PyObject_GetBuffer(obj, &mut *view, flags) != 0 {
        ffi::PyErr_Clear();
        return Err(Rejection::WrongType);
    }
    let one_pointer = pointer_target(&view).is_some();
    let slot = view.buf;
    scratch.hold(view);
    if one_pointer { Ok(slot) } else { Err(Rejection::WrongType) }
}

/// Objects that give no suitable buffer: C++ objects for `void*`, views of
/// C++ memory of unknown size, or a refusal. Off the common path.
#[cold]
unsafe fn not_a_buffer(py: Python<'_>, obj: *mut ffi::PyObject, pointee: Pointee) -> Result<*mut c_void, Rejection> {
    if pointee.element == Element::Bytes && crate::instance::is_proxy(py, obj) {
        // Any object pointer converts to `void*`, as in C++.
        return Ok(crate::instance::state(obj).address());
    }
    if let Ok(view) = Bound::from_borrowed_ptr(py, obj).cast::<crate::lowlevel::LowLevelView>() {
        // C++ memory a call returned: passed back as it came.
        let (address, format, size) = view.try_borrow().map_err(|_| Rejection::WrongType)?.pointer();
        return if pointee.element.accepts(format.to_bytes(), Some(size)) {
            Ok(address as *mut c_void)
        } else {
            Err(Rejection::Elements { format: tag(format.to_bytes()), size })
        };
    }
    Err(refusal(obj, pointee))
}

/// Where C++ should point for a buffer: at what a ctypes pointer object
/// points at, or at the buffer's own items.
unsafe fn inside(view: &ffi::Py_buffer, element: Element) -> Result<*mut c_void, Rejection> {
    // Exporters asked for no strides give C-contiguous memory; checked
    // again for those that give strides all the same.
    if (!view.strides.is_null() || !view.suboffsets.is_null()) && ffi::PyBuffer_IsContiguous(view, b'C' as c_char) == 0 {
        return Err(Rejection::NotContiguous);
    }
    let format = buffer_format(view);
    if let Some(target) = pointer_target(view) {
        if element.accepts(target, None) {
            return Ok(*(view.buf as *const *mut c_void));
        }
    }
    if element.accepts(format, Some(view.itemsize as usize)) {
        return Ok(view.buf);
    }
    Err(Rejection::Elements { format: tag(format), size: view.itemsize as usize })
}

/// For a ctypes pointer object (`ctypes.pointer(x)`, `POINTER(T)`,
/// `c_void_p`: one pointer, no shape), the format of what it points at
/// (empty when untyped). Arrays of pointers are not pointer objects.
unsafe fn pointer_target(view: &ffi::Py_buffer) -> Option<&[u8]> {
    if view.ndim != 0 || view.len as usize != POINTER_SIZE {
        return None;
    }
    match native(buffer_format(view))? {
        [b'&', target @ ..] => Some(target),
        b"P" => Some(b""),
        // ctypes.c_char_p and c_wchar_p: pointers to their characters.
        b"z" => Some(b"c"),
        b"Z" => Some(b"u"),
        _ => None,
    }
}

/// Why `obj` is refused, for objects that gave no (suitable) buffer.
#[cold]
unsafe fn refusal(obj: *mut ffi::PyObject, pointee: Pointee) -> Rejection {
    if ffi::PyUnicode_Check(obj) != 0 {
        return if pointee.writable { Rejection::Immutable } else { Rejection::WrongType };
    }
    let mut view: ffi::Py_buffer = std::mem::zeroed();
    if ffi::PyObject_GetBuffer(obj, &mut view, ffi::PyBUF_FULL_RO as c_int) != 0 {
        ffi::PyErr_Clear();
        return Rejection::WrongType;
    }
    let why = if ffi::PyBuffer_IsContiguous(&view, b'C' as c_char) == 0 {
        Rejection::NotContiguous
    } else if pointee.writable && view.readonly != 0 {
        Rejection::Immutable
    } else {
        Rejection::WrongType
    };
    ffi::PyBuffer_Release(&mut view);
    why
}

/// `ctypes.byref(x)` (or `byref(x, offset)`) passed for a pointer: the
/// address it carries, checked to lie inside `x` with room for one item,
/// and `x` to hold the right items. `None` when `obj` is not such a
/// reference.
unsafe fn ctypes_reference(
    py: Python<'_>,
    obj: *mut ffi::PyObject,
    pointee: Pointee,
    scratch: &mut Scratch,
) -> Option<Result<*mut c_void, Rejection>> {
    let name = CStr::from_ptr((*ffi::Py_TYPE(obj)).tp_name);
    if name.to_bytes() != b"CArgObject" {
        return None;
    }
    let reference = Bound::from_borrowed_ptr(py, obj);
    Some((|| {
        let target = reference.getattr("_obj").map_err(|_| Rejection::WrongType)?;
        // The address, offset included, is only exposed through the repr:
        // "<cparam 'P' (0x...)>".
        let text = reference.repr().map_err(|_| Rejection::WrongType)?.to_string();
        let hex = text.split("(0x").nth(1).and_then(|rest| rest.split(')').next()).ok_or(Rejection::WrongType)?;
        let address = usize::from_str_radix(hex, 16).map_err(|_| Rejection::WrongType)?;
        let mut view: Box<ffi::Py_buffer> = Box::new(std::mem::zeroed());
        if ffi::PyObject_GetBuffer(target.as_ptr(), &mut *view, request(pointee)) != 0 {
            ffi::PyErr_Clear();
            return Err(refusal(target.as_ptr(), pointee));
        }
        let start = view.buf as usize;
        let room = address >= start && address + pointee.element.size() <= start + view.len as usize;
        let format = buffer_format(&view);
        let fits = pointee.element.accepts(format, Some(view.itemsize as usize));
        let why = Rejection::Elements { format: tag(format), size: view.itemsize as usize };
        scratch.hold(view);
        match (room, fits) {
            (true, true) => Ok(address as *mut c_void),
            (false, _) => Err(Rejection::OutsideObject),
            (true, false) => Err(why),
        }
    })())
}

/// What a message suggests passing for a writable pointer of type `ty`.
pub fn writable_advice(ty: &TypeRef) -> String {
    match Pointee::of(ty).element {
        Element::Builtin(Builtin::Char | Builtin::SChar | Builtin::UChar) => "a bytearray or ctypes.create_string_buffer(size)".into(),
        Element::Bytes => "a bytearray, a ctypes object or another writable buffer".into(),
        Element::Builtin(b) => {
            let ctypes = ctypes_name(b);
            match array_code(b) {
                Some(code) => format!("array.array('{code}', ...), a NumPy array of that type or (ctypes.{ctypes} * n)()"),
                None => format!("a NumPy array of that type or (ctypes.{ctypes} * n)()"),
            }
        }
        Element::Pointer(_) => "a ctypes array of pointers such as (ctypes.c_void_p * n)(), or ctypes.byref(pointer)".into(),
        Element::Complex(_) => "a NumPy array of complex numbers of that precision".into(),
    }
}

/// What the items of pointer type `ty` must be, for messages.
pub fn element_description(ty: &TypeRef) -> String {
    match Pointee::of(ty).element {
        Element::Bytes => "bytes".into(),
        Element::Builtin(b) => {
            let family = if b.is_floating() { "floating point numbers" } else { "integers" };
            format!("'{}' items ({}-byte {family})", b.name(), b.size())
        }
        Element::Pointer(_) => format!("pointers ({POINTER_SIZE}-byte addresses of the right type)"),
        Element::Complex(b) => format!("complex numbers of '{}' parts", b.name()),
    }
}

fn array_code(b: Builtin) -> Option<char> {
    Some(match b {
        Builtin::Int8 => 'b',
        Builtin::UInt8 => 'B',
        Builtin::Short => 'h',
        Builtin::UShort => 'H',
        Builtin::Int => 'i',
        Builtin::UInt => 'I',
        Builtin::Long => 'l',
        Builtin::ULong => 'L',
        Builtin::LongLong => 'q',
        Builtin::ULongLong => 'Q',
        Builtin::Float => 'f',
        Builtin::Double => 'd',
        _ => return None,
    })
}

pub fn ctypes_name(b: Builtin) -> &'static str {
    match b {
        Builtin::Bool => "c_bool",
        Builtin::WChar => "c_wchar",
        Builtin::Int8 => "c_int8",
        Builtin::UInt8 => "c_uint8",
        Builtin::Char16 => "c_uint16",
        Builtin::Char32 => "c_uint32",
        Builtin::Short => "c_short",
        Builtin::UShort => "c_ushort",
        Builtin::Int => "c_int",
        Builtin::UInt => "c_uint",
        Builtin::Long => "c_long",
        Builtin::ULong => "c_ulong",
        Builtin::LongLong => "c_longlong",
        Builtin::ULongLong => "c_ulonglong",
        Builtin::Float => "c_float",
        Builtin::Double => "c_double",
        Builtin::LongDouble => "c_longdouble",
        _ => "c_byte",
    }
}
