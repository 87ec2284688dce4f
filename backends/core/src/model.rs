//! The reflection model: what a backend knows of scopes, functions, data and
//! enums, as plain owned values cached on the Rust side.

use serde::{Deserialize, Serialize};

use crate::ids::{FuncId, ScopeId};
use crate::types::TypeRef;

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScopeKind {
    Namespace,
    Class,
    Enum,
}

/// What a declaration a scope holds is (see `Backend::declarations`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeclaredKind {
    Namespace,
    Class,
    Enum,
    Function,
    Variable,
    Typedef,
    ClassTemplate,
    FunctionTemplate,
}

impl DeclaredKind {
    pub fn from_code(code: u8) -> Option<DeclaredKind> {
        Some(match code {
            0 => DeclaredKind::Namespace,
            1 => DeclaredKind::Class,
            2 => DeclaredKind::Enum,
            3 => DeclaredKind::Function,
            4 => DeclaredKind::Variable,
            5 => DeclaredKind::Typedef,
            6 => DeclaredKind::ClassTemplate,
            7 => DeclaredKind::FunctionTemplate,
            _ => return None,
        })
    }

    /// The word selection files and autoload maps use for the kind.
    pub fn word(self) -> &'static str {
        match self {
            DeclaredKind::Namespace => "namespace",
            DeclaredKind::Class | DeclaredKind::ClassTemplate => "class",
            DeclaredKind::Enum => "enum",
            DeclaredKind::Function | DeclaredKind::FunctionTemplate => "function",
            DeclaredKind::Variable => "variable",
            DeclaredKind::Typedef => "typedef",
        }
    }
}

/// A declaration a namespace holds, with the file it is written in.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Declared {
    pub name: String,
    pub qualified: String,
    pub kind: DeclaredKind,
    pub file: String,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Access {
    Public,
    Protected,
    Private,
}

impl Access {
    pub fn from_code(code: u8) -> Access {
        match code {
            1 => Access::Protected,
            2 => Access::Private,
            _ => Access::Public,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BaseInfo {
    pub scope: ScopeId,
    /// Offset of the base subobject; meaningless when `is_virtual`.
    pub offset: usize,
    pub is_virtual: bool,
    pub access: Access,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ScopeInfo {
    pub id: ScopeId,
    pub kind: ScopeKind,
    pub name: String,
    /// Fully qualified, usable in generated code.
    pub qualified: String,
    pub size: usize,
    pub is_complete: bool,
    pub is_abstract: bool,
    pub is_polymorphic: bool,
    /// Can be brace-initialized from its fields (`T{a, b}`).
    pub is_aggregate: bool,
    pub bases: Vec<BaseInfo>,
    /// For enums.
    pub underlying: Option<TypeRef>,
    pub is_scoped_enum: bool,
    /// For `std::shared_ptr<T>` and `std::unique_ptr<T>` of a class `T`:
    /// `T`, whose proxy stands for the smart pointer in Python.
    pub smart_pointee: Option<ScopeId>,
    /// For `std::function<R(A...)>`: its call signature, so that Python
    /// callables can be turned into one.
    pub std_function: Option<Signature>,
    /// For `std::complex<T>`: `T`, so that Python's complex numbers and
    /// complex buffers (NumPy's `complex64`, `complex128`) can stand for it.
    pub complex_part: Option<crate::types::Builtin>,
}

/// A call signature: result and parameter types.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Signature {
    pub ret: TypeRef,
    pub params: Vec<TypeRef>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FunctionKind {
    Free,
    Method,
    StaticMethod,
    Constructor,
    Destructor,
    Conversion,
    /// Brace initialization of an aggregate from its fields, in order
    /// (not a C++ declaration: made by cpplive).
    AggregateInit,
}

impl FunctionKind {
    pub fn from_code(code: u8) -> FunctionKind {
        match code {
            1 => FunctionKind::Method,
            2 => FunctionKind::StaticMethod,
            3 => FunctionKind::Constructor,
            4 => FunctionKind::Destructor,
            5 => FunctionKind::Conversion,
            _ => FunctionKind::Free,
        }
    }

    /// Called with an object as `self`.
    pub fn needs_object(self) -> bool {
        matches!(self, FunctionKind::Method | FunctionKind::Conversion | FunctionKind::Destructor)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ParamInfo {
    pub name: String,
    pub ty: TypeRef,
    pub has_default: bool,
    /// The default argument as C++ source (empty when unknown).
    pub default_text: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FunctionInfo {
    pub id: FuncId,
    pub name: String,
    /// How generated code calls it: `::ns::f` for free functions, the bare
    /// name for members.
    pub qualified: String,
    /// The class of a member, `None` for free functions.
    pub class: Option<ScopeId>,
    /// The class's spelling for generated code (members only).
    pub class_spelling: String,
    pub kind: FunctionKind,
    pub is_const: bool,
    pub is_virtual: bool,
    /// Pure virtual (`= 0`).
    pub is_pure: bool,
    pub is_deleted: bool,
    pub is_noexcept: bool,
    /// An `explicit` constructor or conversion.
    pub is_explicit: bool,
    pub access: Access,
    pub ret: TypeRef,
    pub params: Vec<ParamInfo>,
    pub signature: String,
}

impl FunctionInfo {
    pub fn min_args(&self) -> usize {
        self.params.iter().take_while(|p| !p.has_default).count()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FieldInfo {
    pub name: String,
    pub qualified: String,
    pub ty: TypeRef,
    pub offset: usize,
    pub is_static: bool,
    pub access: Access,
    /// Width of a bit-field (then `offset` is meaningless), 0 otherwise.
    pub bit_width: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EnumeratorInfo {
    pub name: String,
    pub value: i64,
}

/// What a name in a scope refers to.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Entity {
    Namespace(ScopeId),
    Class(ScopeId),
    Enum(ScopeId),
    Functions(Vec<FunctionInfo>),
    Variable { qualified: String, ty: TypeRef },
    ClassTemplate { qualified: String },
    /// A function template, with the non-template functions that share
    /// its name (tried first, as C++ prefers them on equal terms).
    FunctionTemplate { qualified: String, overloads: Vec<FunctionInfo> },
    /// A typedef of a non-class type.
    Typedef(TypeRef),
    Enumerator { value: i64, ty: TypeRef },
    /// A non-static data member (reached through instances).
    Field,
    /// A private or protected class member.
    NonPublic,
}

/// `T{a, b, ...}` for an aggregate with public fields: each field a
/// parameter, all optional (missing ones are value-initialized). Made by
/// cpplive, not declared by C++: the proxy layer offers it, and a
/// dictionary compiles its thunk (backends route it by its class).
pub fn aggregate_init(info: &ScopeInfo, fields: &[FieldInfo]) -> Option<FunctionInfo> {
    let members: Vec<&FieldInfo> = fields.iter().filter(|f| !f.is_static).collect();
    if !info.is_aggregate || !info.bases.is_empty() || members.is_empty() || members.iter().any(|f| f.access != Access::Public) {
        return None;
    }
    let params: Vec<ParamInfo> = members
        .iter()
        .map(|f| ParamInfo { name: f.name.clone(), ty: f.ty.clone(), has_default: true, default_text: String::new() })
        .collect();
    let listed: Vec<String> = members.iter().map(|f| format!("{} {}", crate::typename::readable(&f.ty.spelling), f.name)).collect();
    Some(FunctionInfo {
        // Synthesized: no declaration id of its own; kept apart from real ones.
        id: FuncId(u64::MAX - info.id.0),
        name: info.name.clone(),
        qualified: String::new(),
        class: Some(info.id),
        class_spelling: info.qualified.clone(),
        kind: FunctionKind::AggregateInit,
        is_const: false,
        is_virtual: false,
        is_deleted: false,
        is_noexcept: false,
        is_explicit: false,
        is_pure: false,
        access: Access::Public,
        ret: crate::typename::parse_user("void"),
        params,
        signature: format!("{}{{{}}}", crate::typename::readable(&info.qualified), listed.join(", ")),
    })
}
