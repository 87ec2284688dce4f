//! Turns the shim's flat records into the model. Policy about what a record
//! means lives here, not in C++.

use cpplive_core::ids::{FuncId, ScopeId};
use cpplive_core::model::{
    Access, BaseInfo, Entity, FieldInfo, FunctionInfo, FunctionKind, ParamInfo, ScopeInfo, ScopeKind, Signature,
};
use cpplive_core::types::{DeclRef, TypeRef};
use cpplive_core::typename;

use crate::ffi::bridge;

pub fn type_ref(record: &bridge::TypeRecord) -> TypeRef {
    let decl = match record.decl_kind {
        1 => Some(DeclRef::Class(record.decl)),
        2 => Some(DeclRef::Enum(record.decl)),
        _ => None,
    };
    typename::parse_aliased(&record.canonical, &record.spelling, &record.aliases, decl, record.size as usize)
}

pub fn entity(record: &bridge::DeclRecord) -> Option<Entity> {
    Some(match record.kind {
        1 => Entity::Namespace(ScopeId(record.id)),
        2 => Entity::Class(ScopeId(record.id)),
        3 => Entity::Enum(ScopeId(record.id)),
        4 => Entity::Functions(Vec::new()),
        5 => Entity::Variable { qualified: record.qualified.clone(), ty: type_ref(&record.ty) },
        6 => Entity::ClassTemplate { qualified: record.qualified.clone() },
        7 => Entity::FunctionTemplate { qualified: record.qualified.clone(), overloads: Vec::new() },
        8 => Entity::Typedef(type_ref(&record.ty)),
        9 => Entity::Enumerator { value: record.value, ty: type_ref(&record.ty) },
        10 => Entity::Field,
        _ => return None,
    })
}

/// Identifiers C++ reserves for the implementation: `__x` and `_X`
/// everywhere, any `_x` in the global namespace. Listing them would bury
/// the user's names under the standard library's internals.
pub fn is_reserved(name: &str, global: bool) -> bool {
    let mut chars = name.chars();
    match (chars.next(), chars.next()) {
        (Some('_'), Some('_')) => true,
        (Some('_'), Some(c)) => global || c.is_ascii_uppercase(),
        (Some('_'), None) => global,
        _ => false,
    }
}

pub fn function(record: &bridge::FunctionRecord, class: Option<ScopeId>, class_spelling: &str) -> FunctionInfo {
    FunctionInfo {
        id: FuncId(record.id),
        name: record.name.clone(),
        qualified: record.qualified.clone(),
        class,
        class_spelling: class_spelling.to_string(),
        kind: FunctionKind::from_code(record.kind),
        is_const: record.is_const,
        is_virtual: record.is_virtual,
        is_pure: record.is_pure,
        is_deleted: record.is_deleted,
        is_noexcept: record.is_noexcept,
        is_explicit: record.is_explicit,
        access: Access::from_code(record.access),
        ret: type_ref(&record.ret),
        params: record
            .params
            .iter()
            .map(|p| ParamInfo {
                name: p.name.clone(),
                ty: type_ref(&p.ty),
                has_default: p.has_default,
                default_text: p.default_text.clone(),
            })
            .collect(),
        signature: typename::readable(&record.signature),
    }
}

pub fn field(record: &bridge::FieldRecord) -> FieldInfo {
    FieldInfo {
        name: record.name.clone(),
        qualified: record.qualified.clone(),
        ty: type_ref(&record.ty),
        offset: record.offset as usize,
        is_static: record.is_static,
        access: Access::from_code(record.access),
        bit_width: record.bit_width,
    }
}

pub fn scope(record: &bridge::ScopeRecord) -> ScopeInfo {
    let kind = match record.kind {
        2 => ScopeKind::Class,
        3 => ScopeKind::Enum,
        _ => ScopeKind::Namespace,
    };
    ScopeInfo {
        id: ScopeId(record.id),
        kind,
        name: record.name.clone(),
        qualified: record.qualified.clone(),
        size: record.size as usize,
        is_complete: record.is_complete,
        is_abstract: record.is_abstract,
        is_polymorphic: record.is_polymorphic,
        is_aggregate: record.is_aggregate,
        bases: record
            .bases
            .iter()
            .map(|b| BaseInfo {
                scope: ScopeId(b.id),
                offset: b.offset as usize,
                is_virtual: b.is_virtual,
                access: Access::from_code(b.access),
            })
            .collect(),
        underlying: (kind == ScopeKind::Enum).then(|| type_ref(&record.underlying)),
        is_scoped_enum: record.is_scoped_enum,
        smart_pointee: (record.smart_pointee != 0).then_some(ScopeId(record.smart_pointee)),
        std_function: record.is_std_function.then(|| Signature {
            ret: type_ref(&record.function_ret),
            params: record.function_params.iter().map(type_ref).collect(),
        }),
        complex_part: if record.is_complex { type_ref(&record.complex_part).builtin() } else { None },
    }
}
