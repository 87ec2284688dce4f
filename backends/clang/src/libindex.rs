//! Which library on the system defines a symbol: the libraries the dynamic
//! linker knows (its cache, `ldconfig -p`, plus `LD_LIBRARY_PATH`), read
//! for their exported dynamic symbols. Used only when code refers to
//! something nothing loaded defines, as cppyy users expect missing
//! libraries to be found by themselves; each library is read at most once
//! per process.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use object::{Object, ObjectSymbol};

#[derive(Default)]
pub struct LibraryIndex {
    /// The libraries in search order, once listed.
    libraries: Option<Vec<PathBuf>>,
    /// Exported symbols of the libraries read so far.
    read: HashMap<PathBuf, Vec<String>>,
}

impl LibraryIndex {
    /// For the names of `wanted` that some library defines: the library and
    /// the names it defines, first library first.
    pub fn find(&mut self, wanted: &[String]) -> Vec<(PathBuf, Vec<String>)> {
        let libraries = self.libraries.get_or_insert_with(list_libraries).clone();
        let mut left: Vec<&String> = wanted.iter().collect();
        let mut found = Vec::new();
        for library in libraries {
            if left.is_empty() {
                break;
            }
            let exported = self.read.entry(library.clone()).or_insert_with(|| exported_symbols(&library));
            let defined: Vec<String> = left.iter().filter(|n| exported.binary_search(n).is_ok()).map(|n| (*n).clone()).collect();
            if !defined.is_empty() {
                left.retain(|n| !defined.contains(n));
                found.push((library, defined));
            }
        }
        found
    }
}

fn list_libraries() -> Vec<PathBuf> {
    let mut libraries = Vec::new();
    if let Some(paths) = std::env::var_os("LD_LIBRARY_PATH") {
        for dir in std::env::split_paths(&paths) {
            if let Ok(entries) = std::fs::read_dir(&dir) {
                let mut names: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| is_shared_library(p)).collect();
                names.sort();
                libraries.extend(names);
            }
        }
    }
    for ldconfig in ["/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig"] {
        if let Ok(output) = Command::new(ldconfig).arg("-p").output() {
            if output.status.success() {
                libraries.extend(String::from_utf8_lossy(&output.stdout).lines().filter_map(cache_entry));
                break;
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    libraries.retain(|p| seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())));
    libraries
}

/// `\tlibz.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libz.so.1`: the
/// path, when the entry is for this process's kind of machine.
fn cache_entry(line: &str) -> Option<PathBuf> {
    let (description, path) = line.trim().split_once(" => ")?;
    let flags = description.split_once('(')?.1;
    let native = if cfg!(target_pointer_width = "64") { flags.contains("64") } else { !flags.contains("64") };
    native.then(|| PathBuf::from(path))
}

fn is_shared_library(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(".so") || n.contains(".so."))
}

/// Sorted names of the functions and variables `library` exports.
fn exported_symbols(library: &Path) -> Vec<String> {
    let Ok(file) = std::fs::File::open(library) else { return Vec::new() };
    // Safety: the mapping is read-only and dropped before returning; a
    // library rewritten meanwhile gives wrong names at worst.
    let Ok(map) = (unsafe { memmap2::Mmap::map(&file) }) else { return Vec::new() };
    let Ok(parsed) = object::File::parse(&*map) else { return Vec::new() };
    let mut names: Vec<String> = parsed
        .dynamic_symbols()
        .filter(|s| s.is_definition() && s.is_global())
        .filter_map(|s| s.name().ok().map(|n| n.split('@').next().unwrap_or(n).to_string()))
        .collect();
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_system_library_by_symbol() {
        let mut index = LibraryIndex::default();
        let found = index.find(&["zlibVersion".to_string(), "no_such_symbol_anywhere_42".to_string()]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].0.display().to_string().contains("libz"), "{found:?}");
        assert_eq!(found[0].1, vec!["zlibVersion".to_string()]);
    }

    #[test]
    fn reads_cache_lines() {
        let line = "\tlibz.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libz.so.1";
        assert_eq!(cache_entry(line), Some(PathBuf::from("/lib/x86_64-linux-gnu/libz.so.1")));
        assert_eq!(cache_entry("1234 libs found in cache `/etc/ld.so.cache'"), None);
    }
}
