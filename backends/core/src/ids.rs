//! Handles owned by a backend: small, copyable, hashable.

use serde::{Deserialize, Serialize};

/// A namespace, class or enum. `ScopeId::GLOBAL` is the global namespace.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ScopeId(pub u64);

impl ScopeId {
    pub const GLOBAL: ScopeId = ScopeId(1);
}

/// One function or method declaration (one overload).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FuncId(pub u64);

/// Which backend made an id (see `stack.rs`): the clang backend's ids are
/// small counters; dictionary `k`'s start at `dictionary_base(k)`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Owner {
    Clang,
    Dictionary(usize),
}

const DICTIONARY_SHIFT: u32 = 40;

/// The first id of dictionary `k` (its own ids are added to it).
pub fn dictionary_base(k: usize) -> u64 {
    ((k as u64) + 1) << DICTIONARY_SHIFT
}

pub fn owner(id: u64) -> Owner {
    match id >> DICTIONARY_SHIFT {
        0 => Owner::Clang,
        n => Owner::Dictionary((n - 1) as usize),
    }
}
