//! The dictionary's data, as it sits in the library (data symbol
//! `MODEL_SYMBOL`, `MODEL_END_SYMBOL` after its last byte):
//!
//! ```text
//! magic "CPPLIVE-DICTIONARY" | version u32 | index length u64 | blobs length u64 | index checksum u64
//! index (postcard `Index`) | blobs (one postcard `ScopeBlob` per scope, back to back)
//! ```
//!
//! Loading reads the header, checks the lengths against the data (a
//! truncated dictionary is refused whole, before anything is registered)
//! and the index's checksum, and decodes the index; a scope's blob is
//! checked against its own checksum and decoded when it is first asked
//! about, so that loading costs the same whatever the dictionary holds. Ids inside are the dictionary's own
//! (scope `1` is the global namespace, scope `k + 1` is `Index::scopes[k]`,
//! functions are numbered from 1); `backend.rs` moves them into the range
//! the loader gives the dictionary.

use serde::{Deserialize, Serialize};

use cpplive_core::model::{Declared, Entity, EnumeratorInfo, FieldInfo, FunctionInfo, ScopeInfo, ScopeKind};
use cpplive_core::types::TypeRef;

pub const MAGIC: &[u8; 18] = b"CPPLIVE-DICTIONARY";
/// Bumped whenever the layout or a serialized type changes.
// 2: function-template instantiations per scope.
pub const VERSION: u32 = 2;
const HEADER: usize = MAGIC.len() + 4 + 8 + 8 + 8;

pub const MODEL_SYMBOL: &str = "__cpplive_dictionary_model";
pub const MODEL_END_SYMBOL: &str = "__cpplive_dictionary_model_end";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ScopeEntry {
    pub qualified: String,
    pub kind: ScopeKind,
    /// The blob's place in the blob area, and its checksum.
    pub offset: u64,
    pub len: u64,
    pub checksum: u64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Index {
    /// Prefix of every symbol generated for this dictionary (`symbols.rs`).
    pub symbol_prefix: String,
    /// The headers the dictionary was made from (for a clang fallback).
    pub headers: Vec<String>,
    pub scopes: Vec<ScopeEntry>,
    /// `resolve_type` answers, by `normalize`d spelling.
    pub types: Vec<(String, TypeRef)>,
    /// Variables and static data members with a generated address
    /// function, by qualified name: symbol `var{i}`.
    pub variables: Vec<String>,
    /// Types with a generated assignment, by value spelling: `assign{i}`.
    pub assigners: Vec<String>,
}

/// What the dictionary knows of one scope.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ScopeBlob {
    pub info: Option<ScopeInfo>,
    /// `lookup` answers for the names the scope holds.
    pub members: Vec<(String, Entity)>,
    pub member_names: Vec<String>,
    pub methods: Vec<FunctionInfo>,
    pub method_templates: Vec<String>,
    pub fields: Vec<FieldInfo>,
    pub enumerators: Vec<EnumeratorInfo>,
    pub declarations: Vec<Declared>,
    pub helpers: Helpers,
    /// Instantiations of the scope's function templates made ahead of time,
    /// as answers to `instantiate_function`.
    pub instantiations: Vec<Instantiation>,
}

/// The answer to `instantiate_function(scope, name, explicit, types)`,
/// with the template arguments and argument types `normalize`d.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Instantiation {
    pub name: String,
    pub explicit: Vec<String>,
    pub types: Vec<String>,
    pub functions: Vec<FunctionInfo>,
}

/// Which helpers were compiled for a class (their symbols are derived
/// from the class's id, see `symbols.rs`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Helpers {
    pub deleter: bool,
    pub cloner: bool,
    pub dynamic_type: bool,
    pub smart_get: bool,
    pub function_maker: bool,
    /// Bases (own ids) reached through a virtual base: `up{class}_{base}`.
    pub upcasts: Vec<u64>,
    /// Bit-fields, by name: `bits{class}_{i}` and `bits{class}_{i}_set`.
    pub bitfields: Vec<String>,
    /// The class (own id) that lets Python subclasses override the
    /// virtuals (`dispatch::plan`), recorded like any other.
    pub dispatcher: Option<u64>,
}

/// Why a dictionary's data cannot be used.
pub fn corrupt(detail: impl std::fmt::Display) -> String {
    format!("its data is damaged or truncated ({detail}); generate it again")
}

/// The spelling a type is filed under: without spaces and leading `::`,
/// so that `std::vector<Foo >` and `::std::vector<Foo>` meet.
pub fn normalize(spelling: &str) -> String {
    let compact: String = spelling.chars().filter(|c| !c.is_whitespace()).collect();
    compact.replace("<::", "<").replace(",::", ",").trim_start_matches("::").to_string()
}

fn checksum(bytes: &[u8]) -> u64 {
    // FNV-1a: enough to tell damage from data; not a defence against forgery.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Writes a dictionary's data: `blobs[k]` is scope `k + 1`'s (the global
/// namespace first), `index.scopes` gets their places.
pub fn encode(mut index: Index, blobs: &[ScopeBlob]) -> Result<Vec<u8>, String> {
    let mut area = Vec::new();
    for (entry, blob) in index.scopes.iter_mut().zip(blobs) {
        let bytes = postcard::to_stdvec(blob).map_err(|e| e.to_string())?;
        entry.offset = area.len() as u64;
        entry.len = bytes.len() as u64;
        entry.checksum = checksum(&bytes);
        area.extend_from_slice(&bytes);
    }
    let head = postcard::to_stdvec(&index).map_err(|e| e.to_string())?;
    let mut out = Vec::with_capacity(HEADER + head.len() + area.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&(head.len() as u64).to_le_bytes());
    out.extend_from_slice(&(area.len() as u64).to_le_bytes());
    out.extend_from_slice(&checksum(&head).to_le_bytes());
    out.extend_from_slice(&head);
    out.extend_from_slice(&area);
    Ok(out)
}

/// A dictionary's data, checked, with its index decoded.
#[derive(Debug)]
pub struct Model<'a> {
    pub index: Index,
    blobs: &'a [u8],
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap())
}

impl<'a> Model<'a> {
    pub fn open(bytes: &'a [u8]) -> Result<Model<'a>, String> {
        if bytes.len() < HEADER || &bytes[..MAGIC.len()] != MAGIC {
            return Err(corrupt("no dictionary header"));
        }
        let version = u32::from_le_bytes(bytes[MAGIC.len()..MAGIC.len() + 4].try_into().unwrap());
        if version != VERSION {
            return Err(format!(
                "its format is version {version}, and this cpplive reads version {VERSION}: generate it again with this cpplive's cpplive-genreflex"
            ));
        }
        let head_len = u64_at(bytes, MAGIC.len() + 4) as usize;
        let area_len = u64_at(bytes, MAGIC.len() + 12) as usize;
        let sum = u64_at(bytes, MAGIC.len() + 20);
        let body = &bytes[HEADER..];
        if head_len.checked_add(area_len) != Some(body.len()) {
            return Err(corrupt(format!("{} bytes of data where the header announces {}", body.len(), head_len as u128 + area_len as u128)));
        }
        if checksum(&body[..head_len]) != sum {
            return Err(corrupt("checksum mismatch"));
        }
        let index: Index = postcard::from_bytes(&body[..head_len]).map_err(|e| corrupt(e))?;
        let blobs = &body[head_len..];
        if index.scopes.iter().any(|s| s.offset.saturating_add(s.len) > blobs.len() as u64) {
            return Err(corrupt("a scope's data lies outside the file"));
        }
        Ok(Model { index, blobs })
    }

    /// Scope `local` (own id), decoded now.
    pub fn blob(&self, local: u64) -> Result<ScopeBlob, String> {
        let entry = local.checked_sub(1).and_then(|k| self.index.scopes.get(k as usize)).ok_or_else(|| corrupt(format!("no scope {local}")))?;
        let bytes = &self.blobs[entry.offset as usize..(entry.offset + entry.len) as usize];
        if checksum(bytes) != entry.checksum {
            return Err(corrupt(format!("checksum mismatch in the data of '{}'", entry.qualified)));
        }
        postcard::from_bytes(bytes).map_err(|e| corrupt(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let index = Index {
            symbol_prefix: "p".into(),
            scopes: vec![ScopeEntry { qualified: String::new(), kind: ScopeKind::Namespace, offset: 0, len: 0, checksum: 0 }],
            ..Index::default()
        };
        let blob = ScopeBlob { member_names: vec!["x".into()], ..ScopeBlob::default() };
        encode(index, &[blob]).unwrap()
    }

    #[test]
    fn round_trip_decodes_a_scope_on_demand() {
        let bytes = sample();
        let model = Model::open(&bytes).unwrap();
        assert_eq!(model.blob(1).unwrap().member_names, vec!["x".to_string()]);
        assert!(model.blob(2).is_err());
    }

    #[test]
    fn damage_truncation_and_foreign_versions_are_refused() {
        let bytes = sample();
        assert!(Model::open(&bytes[..bytes.len() - 1]).unwrap_err().contains("truncated"));
        let mut damaged = bytes.clone();
        damaged[HEADER + 1] ^= 1;
        assert!(Model::open(&damaged).unwrap_err().contains("checksum"));
        // A scope's data is checked when it is first used.
        let mut damaged = bytes.clone();
        *damaged.last_mut().unwrap() ^= 1;
        assert!(Model::open(&damaged).unwrap().blob(1).unwrap_err().contains("checksum"));
        let mut foreign = bytes.clone();
        foreign[MAGIC.len()] = 99;
        assert!(Model::open(&foreign).unwrap_err().contains("version 99"));
    }

    #[test]
    fn spellings_meet_whatever_their_spaces() {
        assert_eq!(normalize("::std::vector< ::Foo >"), normalize("std::vector<Foo>"));
    }
}
