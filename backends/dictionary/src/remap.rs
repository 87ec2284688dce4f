//! Rewrites the ids inside model values. The generator moves the clang
//! backend's ids into the dictionary's own numbering (and learns from it
//! which classes the selected entities name); the loader moves the own
//! ids into the range the stack gave the dictionary. The global namespace
//! (`ScopeId::GLOBAL`) is everyone's and is never moved.

use cpplive_core::model::{Entity, FieldInfo, FunctionInfo, ScopeInfo};
use cpplive_core::types::{DeclRef, TypeRef};
use cpplive_core::{FuncId, ScopeId};

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Id {
    /// A namespace, class or enum.
    Scope(u64),
    Function(u64),
}

/// Applies `map` to every id in a model value.
pub struct Remap<F: FnMut(Id) -> u64>(pub F);

impl<F: FnMut(Id) -> u64> Remap<F> {
    fn scope_id(&mut self, s: &mut ScopeId) {
        if *s != ScopeId::GLOBAL {
            s.0 = (self.0)(Id::Scope(s.0));
        }
    }

    pub fn ty(&mut self, t: &mut TypeRef) {
        t.decl = match t.decl {
            Some(DeclRef::Class(id)) => Some(DeclRef::Class((self.0)(Id::Scope(id)))),
            Some(DeclRef::Enum(id)) => Some(DeclRef::Enum((self.0)(Id::Scope(id)))),
            None => None,
        };
    }

    pub fn function(&mut self, f: &mut FunctionInfo) {
        f.id = FuncId((self.0)(Id::Function(f.id.0)));
        if let Some(c) = f.class.as_mut() {
            self.scope_id(c);
        }
        self.ty(&mut f.ret);
        for p in &mut f.params {
            self.ty(&mut p.ty);
        }
    }

    pub fn field(&mut self, f: &mut FieldInfo) {
        self.ty(&mut f.ty);
    }

    pub fn scope(&mut self, s: &mut ScopeInfo) {
        self.scope_id(&mut s.id);
        for b in &mut s.bases {
            self.scope_id(&mut b.scope);
        }
        if let Some(u) = s.underlying.as_mut() {
            self.ty(u);
        }
        if let Some(p) = s.smart_pointee.as_mut() {
            self.scope_id(p);
        }
        if let Some(sig) = s.std_function.as_mut() {
            self.ty(&mut sig.ret);
            for p in &mut sig.params {
                self.ty(p);
            }
        }
    }

    pub fn entity(&mut self, e: &mut Entity) {
        match e {
            Entity::Namespace(s) | Entity::Class(s) | Entity::Enum(s) => self.scope_id(s),
            Entity::Functions(fs) => fs.iter_mut().for_each(|f| self.function(f)),
            Entity::FunctionTemplate { overloads, .. } => overloads.iter_mut().for_each(|f| self.function(f)),
            Entity::Variable { ty, .. } | Entity::Typedef(ty) | Entity::Enumerator { ty, .. } => self.ty(ty),
            Entity::ClassTemplate { .. } | Entity::Field | Entity::NonPublic => {}
        }
    }
}
