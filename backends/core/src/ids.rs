//! Handles owned by a backend: small, copyable, hashable.

/// A namespace, class or enum. `ScopeId::GLOBAL` is the global namespace.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScopeId(pub u64);

impl ScopeId {
    pub const GLOBAL: ScopeId = ScopeId(1);
}

/// One function or method declaration (one overload).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct FuncId(pub u64);
