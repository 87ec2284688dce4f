//! Compiled code reused across runs. Running a program again parses the
//! same inputs, and clang emits the same IR for them; optimizing and
//! compiling that IR is most of a template-heavy input's cost (Eigen's
//! solvers, spdlog's formatting). So each module's object, as the JIT
//! compiled it, is kept under the hash of the module's unoptimized IR
//! (mixed with everything else that decides the object: this library's
//! build, the LLVM it embeds and the compiler's arguments), and the next
//! run that emits the same IR links that object instead (shim/codecache.cpp).
//!
//! Parsing still happens every time: reflection needs clang's AST, and
//! only the IR says whether an entry applies. An entry is a file
//! `<key>.o`: the length of a header, the header (postcard: format,
//! symbols and a checksum of the object), then the object. A file that
//! does not read back whole is ignored and removed. The directory is kept
//! under `LIMIT_BYTES`, least recently used entries going first.
//! CPPLIVE_NO_CODE_CACHE turns all of this off.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::ffi::bridge::{CompiledObject, ModuleSymbols};

/// Changes whenever an entry's layout or meaning does.
const FORMAT: u32 = 2;
/// The directory is trimmed to three quarters of this when it grows past it.
const LIMIT_BYTES: u64 = 512 << 20;
const SUFFIX: &str = "o";

#[derive(Serialize, Deserialize)]
struct Header {
    format: u32,
    defined: Vec<String>,
    undefined: Vec<String>,
    unique: Vec<String>,
    /// What the module defined but the object does not: weak definitions
    /// the JIT took from earlier modules instead (see `needs_earlier`).
    requires: Vec<String>,
    object_len: u64,
    object_check: u64,
}

/// An object of an earlier run, the symbols its module had then, and
/// what it takes from earlier modules: it applies only where all of these
/// can be found.
pub struct Reusable {
    pub object: Vec<u8>,
    pub symbols: ModuleSymbols,
    pub requires: Vec<String>,
    pub path: PathBuf,
}

pub struct CodeCache {
    /// None: nothing is reused or kept.
    dir: Option<PathBuf>,
    salt: String,
    /// Modules compiled in this run whose objects are to be kept, by
    /// module name: their key and symbols, until the JIT compiles them.
    expected: Mutex<HashMap<String, (String, ModuleSymbols)>>,
    trimmed: std::sync::Once,
}

impl CodeCache {
    pub fn new(args: &[String]) -> CodeCache {
        let dir = if std::env::var_os("CPPLIVE_NO_CODE_CACHE").is_some() {
            None
        } else {
            crate::pch::cache_root().map(|root| root.join("code"))
        };
        CodeCache { dir, salt: salt(args), expected: Mutex::new(HashMap::new()), trimmed: std::sync::Once::new() }
    }

    pub fn enabled(&self) -> bool {
        self.dir.is_some()
    }

    pub fn salt(&self) -> &str {
        &self.salt
    }

    /// The entry kept under `key`, when there is a whole one.
    pub fn reusable(&self, key: &str) -> Option<Reusable> {
        let path = self.dir.as_ref()?.join(format!("{key}.{SUFFIX}"));
        let bytes = std::fs::read(&path).ok()?;
        match decode(&bytes) {
            Some(mut found) => {
                found.path = path.clone();
                // Used: the last to be trimmed.
                if let Ok(file) = std::fs::File::options().append(true).open(&path) {
                    let _ = file.set_modified(SystemTime::now());
                }
                Some(found)
            }
            None => {
                crate::debug_note(&format!("compiled code {} is damaged: removed", path.display()));
                let _ = std::fs::remove_file(&path);
                None
            }
        }
    }

    /// The object of module `module` (parsed into IR with key `key`, and
    /// linked with `symbols`) is to be kept when the JIT compiles it.
    pub fn expect(&self, module: String, key: String, symbols: ModuleSymbols) {
        self.expected.lock().unwrap().insert(module, (key, symbols));
    }

    /// Keeps the objects of expected modules among `compiled`.
    pub fn keep(&self, compiled: Vec<CompiledObject>) {
        let Some(dir) = &self.dir else { return };
        for object in compiled {
            let Some((key, symbols)) = self.expected.lock().unwrap().remove(&object.module) else { continue };
            let Some(bytes) = object.object.as_ref().map(|o| o.as_bytes()) else { continue };
            let requires = needs_earlier(&symbols, bytes);
            if let Err(e) = write_entry(dir, &key, &symbols, &requires, bytes) {
                crate::debug_note(&format!("compiled code not kept in {}: {e}", dir.display()));
                return;
            }
            self.trimmed.call_once(|| trim(dir, LIMIT_BYTES));
        }
    }
}

/// Everything besides the IR that decides what an object is.
fn salt(args: &[String]) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    FORMAT.hash(&mut hasher);
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    env!("CPPLIVE_LLVM_VERSION_MM").hash(&mut hasher);
    args.hash(&mut hasher);
    // This library's own build: the shim decides how modules are turned
    // into objects.
    if let Some(meta) = own_library().and_then(|p| std::fs::metadata(p).ok()) {
        meta.len().hash(&mut hasher);
        meta.modified().ok().hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

/// The file this code was loaded from.
fn own_library() -> Option<PathBuf> {
    let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
    let address = own_library as *const libc::c_void;
    if unsafe { libc::dladdr(address, &mut info) } == 0 || info.dli_fname.is_null() {
        return None;
    }
    let name = unsafe { std::ffi::CStr::from_ptr(info.dli_fname) };
    Some(PathBuf::from(name.to_string_lossy().into_owned()))
}

/// An object is not made from its module alone: a weak definition (an
/// inline function, a template instantiation) that an earlier module of
/// the process already gave is dropped from the module before it is
/// compiled, and the object refers to the earlier one. So the object
/// serves again only where those definitions exist before it.
fn needs_earlier(symbols: &ModuleSymbols, object: &[u8]) -> Vec<String> {
    use object::{Object, ObjectSymbol};
    let Ok(parsed) = object::File::parse(object) else { return symbols.defined.clone() };
    let defined: std::collections::HashSet<&str> = parsed
        .symbols()
        .filter(|s| !s.is_undefined() && !s.is_local())
        .filter_map(|s| s.name().ok())
        .collect();
    symbols.defined.iter().filter(|n| !defined.contains(n.as_str())).cloned().collect()
}

fn checksum(bytes: &[u8]) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish()
}

fn decode(bytes: &[u8]) -> Option<Reusable> {
    let header_len = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
    let header: Header = postcard::from_bytes(bytes.get(4..4 + header_len)?).ok()?;
    let object = bytes.get(4 + header_len..)?;
    if header.format != FORMAT || object.len() as u64 != header.object_len || checksum(object) != header.object_check {
        return None;
    }
    Some(Reusable {
        object: object.to_vec(),
        symbols: ModuleSymbols { defined: header.defined, undefined: header.undefined, unique: header.unique },
        requires: header.requires,
        path: PathBuf::new(),
    })
}

fn write_entry(dir: &Path, key: &str, symbols: &ModuleSymbols, requires: &[String], object: &[u8]) -> std::io::Result<()> {
    let header = Header {
        format: FORMAT,
        defined: symbols.defined.clone(),
        undefined: symbols.undefined.clone(),
        unique: symbols.unique.clone(),
        requires: requires.to_vec(),
        object_len: object.len() as u64,
        object_check: checksum(object),
    };
    let encoded = postcard::to_stdvec(&header).map_err(std::io::Error::other)?;
    std::fs::create_dir_all(dir)?;
    // Written aside and renamed: a reader sees a whole entry or none.
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(&(encoded.len() as u32).to_le_bytes())?;
    file.write_all(&encoded)?;
    file.write_all(object)?;
    file.persist(dir.join(format!("{key}.{SUFFIX}"))).map_err(|e| e.error)?;
    Ok(())
}

/// Removes the least recently used entries while the directory holds more
/// than `limit` bytes, down to three quarters of it.
fn trim(dir: &Path, limit: u64) {
    let Ok(listing) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<(SystemTime, u64, PathBuf)> = listing
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == SUFFIX))
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            Some((meta.modified().ok()?, meta.len(), e.path()))
        })
        .collect();
    let mut total: u64 = entries.iter().map(|e| e.1).sum();
    if total <= limit {
        return;
    }
    entries.sort();
    for (_, len, path) in entries {
        if total <= limit / 4 * 3 {
            break;
        }
        if std::fs::remove_file(&path).is_ok() {
            total -= len;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn symbols() -> ModuleSymbols {
        ModuleSymbols { defined: vec!["f".into()], undefined: vec!["g".into()], unique: vec!["f".into()] }
    }

    #[test]
    fn an_entry_reads_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        write_entry(dir.path(), "k", &symbols(), &["h".to_string()], b"object bytes").unwrap();
        let bytes = std::fs::read(dir.path().join("k.o")).unwrap();
        let found = decode(&bytes).unwrap();
        assert_eq!(found.object, b"object bytes");
        assert_eq!(found.symbols.defined, vec!["f".to_string()]);
        assert_eq!(found.symbols.undefined, vec!["g".to_string()]);
        assert_eq!(found.requires, vec!["h".to_string()]);
    }

    #[test]
    fn a_damaged_entry_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        write_entry(dir.path(), "k", &symbols(), &["h".to_string()], b"object bytes").unwrap();
        let mut bytes = std::fs::read(dir.path().join("k.o")).unwrap();
        assert!(decode(&bytes[..bytes.len() - 1]).is_none(), "truncated");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(decode(&bytes).is_none(), "changed");
        assert!(decode(&[]).is_none());
        assert!(decode(&[200, 0, 0, 0, 1]).is_none());
    }

    #[test]
    fn trimming_removes_the_least_recently_used() {
        let dir = tempfile::tempdir().unwrap();
        for (i, key) in ["old", "mid", "new"].iter().enumerate() {
            write_entry(dir.path(), key, &symbols(), &[], &vec![0u8; 1000]).unwrap();
            let file = std::fs::File::options().append(true).open(dir.path().join(format!("{key}.o"))).unwrap();
            file.set_modified(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1000 + i as u64)).unwrap();
        }
        trim(dir.path(), 2500);
        assert!(!dir.path().join("old.o").exists());
        assert!(dir.path().join("new.o").exists());
    }
}
