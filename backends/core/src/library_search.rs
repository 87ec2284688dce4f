//! Finding a shared library from the name a user gives `load_library`, the
//! way the linker would: a path (with a `/`) is taken as it is; a short name
//! (`m`, `libm`, `libz.so.1`, `fmt`) is looked for as given, as
//! `lib<name>.so`, as `<name>.so`, and as a versioned file
//! (`libfmt.so.9`, the highest version first), in the added library paths,
//! `LD_LIBRARY_PATH`, the dynamic linker's cache (`/etc/ld.so.cache`) and the
//! default directories, in that order. Only ELF files for this machine
//! count: the linker scripts Debian installs as `libm.so`, and 32-bit
//! libraries listed in the same cache, are passed over.
//!
//! Loading is not done here (the backend does it); nor is anything cached:
//! the search runs once per `load_library` call.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::BackendError;

const LD_SO_CACHE: &str = "/etc/ld.so.cache";

/// Where a library is looked for.
#[derive(Debug)]
enum Place {
    Directory(PathBuf),
    /// The dynamic linker's cache: (file name, path) pairs.
    Cache(Vec<(String, PathBuf)>),
}

/// Finds `name`; `added` are the directories of `add_library_path`. The
/// error says which names were tried where.
pub fn find(name: &str, added: &[PathBuf]) -> Result<PathBuf, BackendError> {
    if name.contains('/') {
        let path = PathBuf::from(name);
        return if path.exists() {
            Ok(std::path::absolute(&path).unwrap_or(path))
        } else {
            Err(BackendError::LibraryNotFound { name: name.into(), detail: "no such file".into(), searched: name.into() })
        };
    }
    let library_path = std::env::var("LD_LIBRARY_PATH").unwrap_or_default();
    let from_environment: Vec<PathBuf> = split_search_path(&library_path);
    let cache = std::fs::read(LD_SO_CACHE).ok().and_then(|bytes| parse_cache(&bytes));
    let has_cache = cache.is_some();
    let defaults = default_directories();

    let mut places = Vec::new();
    places.extend(added.iter().cloned().map(Place::Directory));
    places.extend(from_environment.iter().cloned().map(Place::Directory));
    places.extend(cache.map(Place::Cache));
    places.extend(defaults.iter().cloned().map(Place::Directory));

    let names = Names::for_name(name);
    let mut passed_over = Vec::new();
    for place in &places {
        if let Some(found) = find_in(place, &names, &mut passed_over) {
            return Ok(found);
        }
    }
    Err(BackendError::LibraryNotFound {
        name: name.into(),
        detail: not_found_detail(&names, &passed_over),
        searched: describe_places(added, &from_environment, has_cache, &defaults),
    })
}

/// The file names tried for one name, in order of preference.
#[derive(Debug, PartialEq)]
struct Names {
    exact: Vec<String>,
    /// `lib<name>.so.` and `<name>.so.`: followed by a version.
    versioned: Vec<String>,
}

impl Names {
    fn for_name(name: &str) -> Names {
        let mut exact = vec![name.to_string()];
        let mut versioned = Vec::new();
        // A name that already names a shared object file is not decorated.
        if !name.ends_with(".so") && !name.contains(".so.") {
            exact.push(format!("lib{name}.so"));
            exact.push(format!("{name}.so"));
            versioned.push(format!("lib{name}.so."));
            versioned.push(format!("{name}.so."));
        } else if name.ends_with(".so") {
            versioned.push(format!("{name}."));
        }
        Names { exact, versioned }
    }
}

fn find_in(place: &Place, names: &Names, passed_over: &mut Vec<PathBuf>) -> Option<PathBuf> {
    let mut usable = |path: &Path| -> bool {
        match is_native_shared_object(path) {
            Some(true) => true,
            Some(false) => {
                if !passed_over.iter().any(|p| p == path) {
                    passed_over.push(path.to_path_buf());
                }
                false
            }
            None => false,
        }
    };
    for exact in &names.exact {
        let candidates: Vec<PathBuf> = match place {
            Place::Directory(dir) => vec![dir.join(exact)],
            Place::Cache(entries) => entries.iter().filter(|(key, _)| key == exact).map(|(_, path)| path.clone()).collect(),
        };
        if let Some(found) = candidates.into_iter().find(|p| usable(p)) {
            return Some(found);
        }
    }
    let mut versioned: Vec<(Vec<u64>, PathBuf)> = Vec::new();
    let mut consider = |file_name: &str, path: PathBuf| {
        for prefix in &names.versioned {
            if let Some(version) = file_name.strip_prefix(prefix.as_str()).and_then(parse_version) {
                versioned.push((version, path));
                return;
            }
        }
    };
    match place {
        Place::Directory(dir) => {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                if let Some(file_name) = entry.file_name().to_str() {
                    consider(file_name, entry.path());
                }
            }
        }
        Place::Cache(entries) => {
            for (key, path) in entries {
                consider(key, path.clone());
            }
        }
    }
    // The highest version first (`libx.so.2` before `libx.so.1.9`); among
    // equal versions, the shorter name (the soname a program links to).
    versioned.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.as_os_str().len().cmp(&b.1.as_os_str().len())));
    versioned.into_iter().map(|(_, path)| path).find(|p| usable(p))
}

/// `9`, `1.2.13` → their numbers; anything else is not a version.
fn parse_version(text: &str) -> Option<Vec<u64>> {
    text.split('.').map(|part| part.parse::<u64>().ok()).collect()
}

/// Whether `path` is an ELF file for this machine: `None` when there is no
/// such file, `Some(false)` for another kind of file (a linker script, a
/// library of another architecture).
fn is_native_shared_object(path: &Path) -> Option<bool> {
    let mut file = std::fs::File::open(path).ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut header = [0u8; 20];
    if file.read_exact(&mut header).is_err() {
        return Some(false);
    }
    Some(is_native_elf_header(&header))
}

fn is_native_elf_header(header: &[u8; 20]) -> bool {
    let class = if cfg!(target_pointer_width = "64") { 2 } else { 1 };
    let data = if cfg!(target_endian = "little") { 1 } else { 2 };
    if header[..4] != *b"\x7fELF" || header[4] != class || header[5] != data {
        return false;
    }
    let machine = if cfg!(target_endian = "little") {
        u16::from_le_bytes([header[18], header[19]])
    } else {
        u16::from_be_bytes([header[18], header[19]])
    };
    native_machine().is_none_or(|native| native == machine)
}

/// The ELF `e_machine` of this build's target, when known.
fn native_machine() -> Option<u16> {
    match std::env::consts::ARCH {
        "x86" => Some(3),
        "x86_64" => Some(62),
        "arm" => Some(40),
        "aarch64" => Some(183),
        "powerpc64" => Some(21),
        "s390x" => Some(22),
        "riscv64" => Some(243),
        "loongarch64" => Some(258),
        _ => None,
    }
}

/// `LD_LIBRARY_PATH`'s directories (`:` or `;` between them; an empty
/// entry is the current directory, as for the dynamic linker).
fn split_search_path(text: &str) -> Vec<PathBuf> {
    if text.is_empty() {
        return Vec::new();
    }
    text.split([':', ';']).map(|dir| PathBuf::from(if dir.is_empty() { "." } else { dir })).collect()
}

/// The dynamic linker's own directories: the multiarch ones (Debian), the
/// 64-bit ones (Fedora, SUSE), the plain ones, and `/usr/local/lib`. Only
/// those that exist, each once.
fn default_directories() -> Vec<PathBuf> {
    let triplet = multiarch_triplet();
    let mut dirs = vec![format!("/lib/{triplet}"), format!("/usr/lib/{triplet}")];
    if cfg!(target_pointer_width = "64") {
        dirs.extend(["/lib64".to_string(), "/usr/lib64".to_string()]);
    }
    dirs.extend(["/lib", "/usr/lib", "/usr/local/lib"].map(String::from));
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut kept = Vec::new();
    for dir in dirs {
        let Ok(real) = std::fs::canonicalize(&dir) else { continue };
        if !seen.contains(&real) {
            seen.push(real);
            kept.push(PathBuf::from(dir));
        }
    }
    kept
}

fn multiarch_triplet() -> String {
    let arch = std::env::consts::ARCH;
    match arch {
        "x86" => "i386-linux-gnu".into(),
        "arm" => "arm-linux-gnueabihf".into(),
        "powerpc64" if cfg!(target_endian = "little") => "powerpc64le-linux-gnu".into(),
        _ => format!("{arch}-linux-gnu"),
    }
}

const CACHE_MAGIC: &[u8] = b"glibc-ld.so.cache1.1";
const OLD_CACHE_MAGIC: &[u8] = b"ld.so-1.7.0";

/// The (file name, path) entries of an `ld.so.cache` in glibc's format
/// (`glibc-ld.so.cache1.1`, possibly after the old `ld.so-1.7.0` part);
/// `None` for anything else.
fn parse_cache(bytes: &[u8]) -> Option<Vec<(String, PathBuf)>> {
    let u32_at = |at: usize| -> Option<u32> { Some(u32::from_ne_bytes(bytes.get(at..at + 4)?.try_into().ok()?)) };
    let mut start = 0;
    if bytes.starts_with(OLD_CACHE_MAGIC) {
        // Old header: magic padded to 12 bytes and a count, then 12-byte
        // entries; the new format follows, 8-byte aligned.
        let count = u32_at(12)? as usize;
        start = (16 + count * 12).next_multiple_of(8);
    }
    let new = bytes.get(start..)?;
    if !new.starts_with(CACHE_MAGIC) {
        return None;
    }
    // Header: magic (20 bytes), entry count, string table length, flags and
    // padding, extension offset, 3 unused words: 48 bytes. Entries: flags,
    // key, value, OS version (4 bytes each), hardware capabilities (8).
    // Keys and values are offsets from the start of this header.
    let count = u32_at(start + 20)? as usize;
    let string_at = |offset: u32| -> Option<String> {
        let tail = new.get(offset as usize..)?;
        let end = tail.iter().position(|b| *b == 0)?;
        String::from_utf8(tail[..end].to_vec()).ok()
    };
    let mut entries = Vec::with_capacity(count);
    for i in 0..count {
        let entry = start + 48 + i * 24;
        let key = string_at(u32_at(entry + 4)?)?;
        let value = string_at(u32_at(entry + 8)?)?;
        entries.push((key, PathBuf::from(value)));
    }
    Some(entries)
}

fn not_found_detail(names: &Names, passed_over: &[PathBuf]) -> String {
    let mut tried: Vec<String> = names.exact.clone();
    tried.extend(names.versioned.iter().map(|prefix| format!("{prefix}<version>")));
    let mut detail = format!("no file named {}", or_list(&tried));
    if !passed_over.is_empty() {
        let files: Vec<String> = passed_over.iter().map(|p| p.display().to_string()).collect();
        detail.push_str(&format!(" (passed over, not a shared library for this machine: {})", files.join(", ")));
    }
    detail
}

fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn describe_places(added: &[PathBuf], from_environment: &[PathBuf], has_cache: bool, defaults: &[PathBuf]) -> String {
    let join = |dirs: &[PathBuf]| dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ");
    let mut parts = Vec::new();
    parts.push(if added.is_empty() { "no added library paths".to_string() } else { format!("added library paths {}", join(added)) });
    if !from_environment.is_empty() {
        parts.push(format!("LD_LIBRARY_PATH {}", join(from_environment)));
    }
    if has_cache {
        parts.push(LD_SO_CACHE.to_string());
    }
    parts.push(format!("default directories {}", join(defaults)));
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch_dir(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cpplive-libsearch-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn native_elf() -> Vec<u8> {
        let mut header = vec![0u8; 64];
        header[..4].copy_from_slice(b"\x7fELF");
        header[4] = if cfg!(target_pointer_width = "64") { 2 } else { 1 };
        header[5] = if cfg!(target_endian = "little") { 1 } else { 2 };
        let machine = native_machine().unwrap_or(0);
        let bytes = if cfg!(target_endian = "little") { machine.to_le_bytes() } else { machine.to_be_bytes() };
        header[18..20].copy_from_slice(&bytes);
        header
    }

    #[test]
    fn names_tried_for_short_and_full_names() {
        let fmt = Names::for_name("fmt");
        assert_eq!(fmt.exact, ["fmt", "libfmt.so", "fmt.so"]);
        assert_eq!(fmt.versioned, ["libfmt.so.", "fmt.so."]);
        assert_eq!(Names::for_name("libm.so.6").exact, ["libm.so.6"]);
        assert!(Names::for_name("libm.so.6").versioned.is_empty());
        assert_eq!(Names::for_name("libz.so").versioned, ["libz.so."]);
    }

    #[test]
    fn versions_are_numbers_only() {
        assert_eq!(parse_version("1.2.13"), Some(vec![1, 2, 13]));
        assert_eq!(parse_version("9"), Some(vec![9]));
        assert_eq!(parse_version("9.debug"), None);
        assert_eq!(parse_version(""), None);
    }

    #[test]
    fn a_linker_script_is_passed_over_for_the_versioned_library() {
        let dir = scratch_dir("script");
        std::fs::write(dir.join("libq.so"), "/* GNU ld script */ GROUP ( libq.so.3 )").unwrap();
        std::fs::write(dir.join("libq.so.2"), native_elf()).unwrap();
        std::fs::write(dir.join("libq.so.3"), native_elf()).unwrap();
        std::fs::write(dir.join("libq.so.3.1.debug"), native_elf()).unwrap();
        let mut passed_over = Vec::new();
        let found = find_in(&Place::Directory(dir.clone()), &Names::for_name("q"), &mut passed_over);
        assert_eq!(found, Some(dir.join("libq.so.3")));
        assert_eq!(passed_over, [dir.join("libq.so")]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn added_paths_come_first_and_the_error_lists_them() {
        let dir = scratch_dir("added");
        std::fs::write(dir.join("libcpplive_only_here.so"), native_elf()).unwrap();
        assert_eq!(find("cpplive_only_here", std::slice::from_ref(&dir)).unwrap(), dir.join("libcpplive_only_here.so"));
        let error = find("cpplive_nowhere", std::slice::from_ref(&dir)).unwrap_err().to_string();
        assert!(error.contains("libcpplive_nowhere.so"), "{error}");
        assert!(error.contains(&format!("added library paths {}", dir.display())), "{error}");
        assert!(error.contains("default directories"), "{error}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_path_is_taken_as_it_is() {
        assert!(find("/no/such/dir/libx.so", &[]).unwrap_err().to_string().contains("no such file"));
    }

    /// A cache in the new format with the given (key, value) pairs.
    fn cache_bytes(entries: &[(&str, &str)]) -> Vec<u8> {
        let mut strings = Vec::new();
        let base = 48 + entries.len() * 24;
        let mut offsets = Vec::new();
        for (key, value) in entries {
            offsets.push(((base + strings.len()) as u32, 0u32));
            strings.extend_from_slice(key.as_bytes());
            strings.push(0);
            offsets.last_mut().unwrap().1 = (base + strings.len()) as u32;
            strings.extend_from_slice(value.as_bytes());
            strings.push(0);
        }
        let mut bytes = CACHE_MAGIC.to_vec();
        bytes.extend_from_slice(&(entries.len() as u32).to_ne_bytes());
        bytes.extend_from_slice(&(strings.len() as u32).to_ne_bytes());
        bytes.resize(48, 0);
        for (key, value) in offsets {
            bytes.extend_from_slice(&0x303u32.to_ne_bytes());
            bytes.extend_from_slice(&key.to_ne_bytes());
            bytes.extend_from_slice(&value.to_ne_bytes());
            bytes.extend_from_slice(&[0u8; 12]);
        }
        bytes.extend_from_slice(&strings);
        bytes
    }

    #[test]
    fn cache_entries_are_read() {
        let bytes = cache_bytes(&[("libz.so.1", "/lib/x/libz.so.1"), ("libm.so.6", "/lib32/libm.so.6")]);
        let entries = parse_cache(&bytes).unwrap();
        assert_eq!(entries, [("libz.so.1".to_string(), PathBuf::from("/lib/x/libz.so.1")), ("libm.so.6".to_string(), PathBuf::from("/lib32/libm.so.6"))]);
        assert!(parse_cache(b"not a cache").is_none());
        assert!(parse_cache(&bytes[..60]).is_none());
    }

    #[test]
    fn the_cache_offers_only_libraries_for_this_machine() {
        let dir = scratch_dir("cache");
        let mut foreign = native_elf();
        foreign[4] = if foreign[4] == 2 { 1 } else { 2 };
        std::fs::write(dir.join("a.so.1"), foreign).unwrap();
        std::fs::write(dir.join("bb.so.1"), native_elf()).unwrap();
        let cache = Place::Cache(vec![
            ("libw.so.1".into(), dir.join("a.so.1")),
            ("libw.so.1".into(), dir.join("bb.so.1")),
        ]);
        let mut passed_over = Vec::new();
        assert_eq!(find_in(&cache, &Names::for_name("w"), &mut passed_over), Some(dir.join("bb.so.1")));
        assert_eq!(passed_over, [dir.join("a.so.1")]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_system_cache_when_there_is_one() {
        // Whatever this machine has: every entry names an absolute path.
        if let Ok(bytes) = std::fs::read(LD_SO_CACHE) {
            let entries = parse_cache(&bytes).expect("a cache in glibc's format");
            assert!(entries.iter().all(|(key, path)| !key.is_empty() && path.is_absolute()));
            assert!(entries.iter().any(|(key, _)| key.starts_with("libc.so.")), "no C library in the cache");
        }
    }
}

/// Loads the library at `path` into the process for good, its symbols
/// visible to every later library (what `load_library` does when no clang
/// backend runs).
pub fn load_global(path: &Path) -> Result<(), BackendError> {
    use libloading::os::unix::{Library, RTLD_GLOBAL, RTLD_NOW};
    let library = unsafe { Library::open(Some(path), RTLD_NOW | RTLD_GLOBAL) }.map_err(|e| BackendError::LibraryNotFound {
        name: path.display().to_string(),
        detail: e.to_string(),
        searched: path.display().to_string(),
    })?;
    // Never unloaded: objects and functions of it may be in use anywhere.
    std::mem::forget(library);
    Ok(())
}
