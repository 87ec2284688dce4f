//! What a dispatcher (`thunkgen::dispatcher`) of a class holds: the
//! constructors it forwards and the virtuals Python may override. Decided
//! here once, for the proxy layer (which asks a backend for a dispatcher
//! when Python derives from a class) and for the dictionary generator
//! (which compiles the same dispatcher ahead of time): both must agree on
//! the order, since slot `i` is member `cpplive_py_{i}`.

use crate::backend::Backend;
use crate::error::Result;
use crate::ids::ScopeId;
use crate::model::{Access, FunctionInfo, FunctionKind};
use crate::types::RefKind;

pub struct Plan {
    pub constructors: Vec<FunctionInfo>,
    pub virtuals: Vec<FunctionInfo>,
}

/// The dispatcher `class` needs; `None` when it needs none (no virtual
/// to override and not polymorphic).
pub fn plan(b: &mut dyn Backend, class: ScopeId) -> Result<Option<Plan>> {
    let virtuals = overridable_virtuals(b, class)?;
    // A polymorphic class without overridable virtuals still gets one:
    // its destructor tells Python when C++ deletes the object.
    let polymorphic = b.scope(class)?.is_polymorphic;
    if virtuals.is_empty() && !polymorphic {
        return Ok(None);
    }
    // The base's constructors, but copy and move: the dispatcher makes
    // its own. None when the class has no public constructor at all (the
    // implicit copy constructor counts): as in cppyy, Python cannot make
    // one even through a class deriving from it, though the dispatcher
    // could call a protected one.
    let methods = b.methods(class)?;
    let public = methods.iter().any(|f| f.kind == FunctionKind::Constructor && f.access == Access::Public && !f.is_deleted);
    let constructors: Vec<FunctionInfo> = methods
        .iter()
        .filter(|f| public && f.kind == FunctionKind::Constructor && f.access != Access::Private && !f.is_deleted)
        .filter(|f| !(f.params.len() == 1 && f.params[0].ty.reference != RefKind::None && f.params[0].ty.class_id() == Some(class.0)))
        .cloned()
        .collect();
    Ok(Some(Plan { constructors, virtuals }))
}

/// The virtual methods of `class` and its bases that a derived class can
/// override and still call the base's version of (most-derived first, one
/// per signature). Left out: destructors, operators, `noexcept` ones (a
/// Python exception could not leave them) and private ones that are not
/// pure.
pub fn overridable_virtuals(b: &mut dyn Backend, class: ScopeId) -> Result<Vec<FunctionInfo>> {
    let mut found: Vec<FunctionInfo> = Vec::new();
    let mut pending = vec![class];
    while let Some(scope) = pending.pop() {
        for f in b.methods(scope)?.iter() {
            let usable = f.is_virtual
                && f.kind == FunctionKind::Method
                && !f.name.starts_with("operator")
                && !f.is_noexcept
                && (f.access != Access::Private || f.is_pure);
            let same = |g: &FunctionInfo| g.name == f.name && g.is_const == f.is_const && g.params.iter().map(|p| &p.ty.spelling).eq(f.params.iter().map(|p| &p.ty.spelling));
            if usable && !found.iter().any(same) {
                found.push(f.clone());
            }
        }
        pending.extend(b.scope(scope)?.bases.iter().map(|base| base.scope));
    }
    Ok(found)
}
