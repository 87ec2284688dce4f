//! Opens the clang backend's library (`libcpplive_clang.so`, see
//! `cpplive_core::live`) on the first question only clang can answer. It
//! lies beside this extension module; `CPPLIVE_CLANG_LIBRARY` names
//! another file. Once opened it stays open: the backend's code and every
//! thunk it compiled live in it.

use std::ffi::CStr;
use std::path::PathBuf;
use std::sync::OnceLock;

use cpplive_core::error::{BackendError, Result};
use cpplive_core::live::{AbiFn, CompilerOptions, MakeFn, ABI_SYMBOL, CORE_ABI, LIBRARY_FILE, MAKE_SYMBOL};
use cpplive_core::Backend;

struct Opened {
    make: MakeFn,
    // Never dropped: unloading would unmap code still in use.
    _library: libloading::Library,
}

// A failure is final too: the library does not appear while a process runs.
static OPENED: OnceLock<Result<Opened>> = OnceLock::new();

/// The file of this extension module itself.
fn own_file() -> Option<PathBuf> {
    let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
    let found = unsafe { libc::dladdr(own_file as *const libc::c_void, &mut info) };
    if found == 0 || info.dli_fname.is_null() {
        return None;
    }
    let name = unsafe { CStr::from_ptr(info.dli_fname) };
    Some(PathBuf::from(name.to_string_lossy().into_owned()))
}

pub fn library_path() -> PathBuf {
    if let Some(path) = std::env::var_os("CPPLIVE_CLANG_LIBRARY") {
        return PathBuf::from(path);
    }
    match own_file().and_then(|f| f.parent().map(|d| d.join(LIBRARY_FILE))) {
        Some(path) => path,
        None => PathBuf::from(LIBRARY_FILE),
    }
}

fn unavailable(path: &std::path::Path, why: impl std::fmt::Display) -> BackendError {
    BackendError::Unavailable(format!("the clang backend cannot be loaded from {}: {why}", path.display()))
}

fn open() -> Result<&'static Opened> {
    OPENED.get_or_init(open_now).as_ref().map_err(Clone::clone)
}

fn open_now() -> Result<Opened> {
    let path = library_path();
    if !path.exists() {
        return Err(unavailable(&path, "no such file (cpplive was installed without it; only dictionaries can answer)"));
    }
    // Safety: the library's initializers are LLVM's and Rust's own.
    let library = unsafe { libloading::Library::new(&path) }.map_err(|e| unavailable(&path, e))?;
    let abi: AbiFn = *unsafe { library.get::<AbiFn>(ABI_SYMBOL) }.map_err(|e| unavailable(&path, e))?;
    let theirs = unsafe { CStr::from_ptr(abi()) }.to_string_lossy().into_owned();
    if theirs != CORE_ABI {
        return Err(unavailable(&path, format!("it was built from other sources than this module (core {theirs}, here {CORE_ABI}): rebuild both")));
    }
    let make: MakeFn = *unsafe { library.get::<MakeFn>(MAKE_SYMBOL) }.map_err(|e| unavailable(&path, e))?;
    Ok(Opened { make, _library: library })
}

/// Why the clang backend cannot be had in this process, if it cannot
/// (opening its library the first time).
pub fn unavailable_reason() -> Option<String> {
    open().err().map(|e| e.to_string())
}

/// Makes a clang backend (opening the library the first time).
pub fn make(options: &CompilerOptions) -> Result<Box<dyn Backend>> {
    let opened = open()?;
    let mut out = None;
    // Safety: the fingerprints matched, so both sides agree on the layout
    // of what crosses.
    unsafe { (opened.make)(options, &mut out) };
    out.unwrap_or_else(|| Err(BackendError::Internal("the clang backend gave no answer".into())))
}
