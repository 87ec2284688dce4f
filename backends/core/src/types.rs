//! A C++ type as a typed value. Built once by `typename::parse` (from a
//! backend's canonical spelling or a user's string); everything downstream
//! matches on this, never on strings.

use serde::{Deserialize, Serialize};

/// The builtin arithmetic types and `void`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Builtin {
    Void,
    Bool,
    Char,
    SChar,
    UChar,
    /// `signed char` and `unsigned char` spelled `int8_t` and `uint8_t`:
    /// the same C++ types, whose values are numbers, not characters.
    Int8,
    UInt8,
    WChar,
    Char16,
    Char32,
    Short,
    UShort,
    Int,
    UInt,
    Long,
    ULong,
    LongLong,
    ULongLong,
    Float,
    Double,
    LongDouble,
    /// C's `_Complex double` (a clang extension in C++).
    ComplexDouble,
    NullPtr,
}

impl Builtin {
    pub fn is_integer(self) -> bool {
        !matches!(
            self,
            Builtin::Void | Builtin::Float | Builtin::Double | Builtin::LongDouble | Builtin::ComplexDouble | Builtin::NullPtr
        )
    }

    pub fn is_floating(self) -> bool {
        matches!(self, Builtin::Float | Builtin::Double | Builtin::LongDouble)
    }

    /// Size in bytes on the LP64 targets cpplive supports.
    pub fn size(self) -> usize {
        match self {
            Builtin::Void => 0,
            Builtin::Bool | Builtin::Char | Builtin::SChar | Builtin::UChar | Builtin::Int8 | Builtin::UInt8 => 1,
            Builtin::Short | Builtin::UShort | Builtin::Char16 => 2,
            Builtin::Int | Builtin::UInt | Builtin::WChar | Builtin::Char32 | Builtin::Float => 4,
            Builtin::Long | Builtin::ULong | Builtin::LongLong | Builtin::ULongLong => 8,
            Builtin::Double | Builtin::NullPtr => 8,
            Builtin::LongDouble | Builtin::ComplexDouble => 16,
        }
    }

    pub fn is_signed(self) -> bool {
        matches!(
            self,
            Builtin::Char
                | Builtin::SChar
                | Builtin::Int8
                | Builtin::WChar
                | Builtin::Short
                | Builtin::Int
                | Builtin::Long
                | Builtin::LongLong
        )
    }

    /// The C++ spelling.
    pub fn name(self) -> &'static str {
        match self {
            Builtin::Void => "void",
            Builtin::Bool => "bool",
            Builtin::Char => "char",
            Builtin::SChar => "signed char",
            Builtin::UChar => "unsigned char",
            Builtin::Int8 => "int8_t",
            Builtin::UInt8 => "uint8_t",
            Builtin::WChar => "wchar_t",
            Builtin::Char16 => "char16_t",
            Builtin::Char32 => "char32_t",
            Builtin::Short => "short",
            Builtin::UShort => "unsigned short",
            Builtin::Int => "int",
            Builtin::UInt => "unsigned int",
            Builtin::Long => "long",
            Builtin::ULong => "unsigned long",
            Builtin::LongLong => "long long",
            Builtin::ULongLong => "unsigned long long",
            Builtin::Float => "float",
            Builtin::Double => "double",
            Builtin::LongDouble => "long double",
            Builtin::ComplexDouble => "_Complex double",
            Builtin::NullPtr => "std::nullptr_t",
        }
    }
}

/// What is left of a type once references, pointers and arrays are peeled.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TypeBase {
    Builtin(Builtin),
    /// `std::string` (`std::basic_string<char>`).
    StdString,
    /// A class or enum, by its canonical name.
    Named(String),
    /// A pointer to a function, `R (*)(A...)`, by its canonical spelling
    /// (its parameter and result types are those of the `std::function`
    /// of the same signature).
    FunctionPointer(String),
    /// Anything cpplive does not convert (function types, member pointers...).
    Other(String),
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RefKind {
    None,
    LValue,
    RValue,
}

/// What kind of declaration a `Named` base refers to, when a backend knows.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DeclRef {
    Class(u64),
    Enum(u64),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TypeRef {
    pub base: TypeBase,
    pub base_const: bool,
    /// One entry per `*`, outermost last; `true` where that pointer is const.
    pub pointers: Vec<bool>,
    /// Array extents, outermost first; `None` for `[]`.
    pub array: Vec<Option<usize>>,
    pub reference: RefKind,
    /// How generated code names the type (fully qualified).
    pub spelling: String,
    pub decl: Option<DeclRef>,
    /// Size in bytes of the non-reference type, 0 when unknown.
    pub size: usize,
}

impl TypeRef {
    /// A function pointer value (`R (*)(A...)`, no reference).
    pub fn is_function_pointer(&self) -> bool {
        matches!(self.base, TypeBase::FunctionPointer(_)) && self.is_plain() && self.reference == RefKind::None
    }

    pub fn is_void(&self) -> bool {
        self.base == TypeBase::Builtin(Builtin::Void) && self.pointers.is_empty() && self.array.is_empty()
    }

    /// A value of the base type itself: no pointer, no array (references allowed).
    pub fn is_plain(&self) -> bool {
        self.pointers.is_empty() && self.array.is_empty()
    }

    /// A const builtin or enum value (no pointer, array or reference):
    /// readable by value, which needs no definition of a variable of it.
    pub fn is_const_scalar(&self) -> bool {
        self.base_const && self.is_plain() && self.reference == RefKind::None && (self.builtin().is_some() || self.enum_id().is_some())
    }

    pub fn builtin(&self) -> Option<Builtin> {
        match self.base {
            TypeBase::Builtin(b) => Some(b),
            _ => None,
        }
    }

    pub fn class_id(&self) -> Option<u64> {
        match self.decl {
            Some(DeclRef::Class(id)) => Some(id),
            _ => None,
        }
    }

    pub fn enum_id(&self) -> Option<u64> {
        match self.decl {
            Some(DeclRef::Enum(id)) => Some(id),
            _ => None,
        }
    }

    /// `const char*` and `char*`: passed and returned as Python `str`.
    pub fn is_c_string(&self) -> bool {
        self.base == TypeBase::Builtin(Builtin::Char) && self.pointers.len() == 1 && self.array.is_empty()
    }

    /// The type with its reference removed, as spelled for generated code.
    pub fn value_spelling(&self) -> String {
        let s = self.spelling.trim_end();
        let s = s.strip_suffix("&&").or_else(|| s.strip_suffix('&')).unwrap_or(s);
        s.trim_end().to_string()
    }
}

impl std::fmt::Display for TypeRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.spelling.trim_start_matches("::"))
    }
}
