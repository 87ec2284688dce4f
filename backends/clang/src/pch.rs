//! The precompiled header of the standard library, built once per clang
//! installation, flag set and header list, and cached in the user's cache
//! directory. Parsing `<vector>`, `<string>`, `<map>`... costs ~0.4 s per
//! process; loading the PCH costs a few milliseconds.
//!
//! Two facts shape this (docs/design.md, "start-up"): the PCH must be built
//! with the interpreter's own language options (`-fincremental-extensions`,
//! same `-std`, `-O`, exception and PIE settings), and function templates
//! instantiated inside it are not emitted again by the incremental code
//! generator, so the PCH is also compiled into a shared library
//! (`-fpch-codegen`) that the interpreter loads before running anything.
//! The thunk prelude is part of the header too, so its helpers come
//! precompiled rather than JIT-compiled in every process.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Pch {
    pub pch: PathBuf,
    pub library: PathBuf,
}

/// The cached PCH for `args` and `headers`, built if missing. `Err` says why
/// none could be had (the caller then includes the headers as text).
pub fn ensure(llvm_libdir: &Path, args: &[String], headers: &[&str], prelude: &str) -> Result<Pch, String> {
    let compiler = llvm_libdir.join("..").join("bin").join("clang++");
    if !compiler.exists() {
        return Err(format!("{} not found (install clang-19)", compiler.display()));
    }
    let root = match std::env::var_os("CPPLIVE_CACHE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => dirs::cache_dir().ok_or("no cache directory")?.join("cpplive"),
    };
    let dir = root.join(format!("std-pch-{:016x}", key(&compiler, llvm_libdir, args, headers, prelude)));
    let pch = Pch { pch: dir.join("std.pch"), library: dir.join("libstdpch.so") };
    if pch.pch.exists() && pch.library.exists() && dir.join("std.h").exists() {
        return Ok(pch);
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    build(&compiler, &dir, args, headers, prelude)?;
    if pch.pch.exists() && pch.library.exists() {
        Ok(pch)
    } else {
        Err(format!("the precompiled header did not appear in {}", dir.display()))
    }
}

fn key(compiler: &Path, llvm_libdir: &Path, args: &[String], headers: &[&str], prelude: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    args.hash(&mut hasher);
    headers.hash(&mut hasher);
    prelude.hash(&mut hasher);
    // A reinstalled or upgraded clang changes these.
    for file in [compiler.to_path_buf(), llvm_libdir.join(format!("libclang-cpp.so.{}", crate::LLVM_VERSION_MM))] {
        if let Ok(meta) = std::fs::metadata(&file) {
            meta.len().hash(&mut hasher);
            if let Ok(modified) = meta.modified() {
                modified.hash(&mut hasher);
            }
        }
    }
    hasher.finish()
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command.output().map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed:\n{}", String::from_utf8_lossy(&output.stderr)))
    }
}

/// Builds into `dir`. The PCH records the absolute path of its header, so
/// the header is written at its final place; the outputs are made under
/// names of this process's own and renamed into place, so that concurrent
/// first runs never see half-written files.
fn build(compiler: &Path, dir: &Path, args: &[String], headers: &[&str], prelude: &str) -> Result<(), String> {
    let header = dir.join("std.h");
    let mut text: String = headers.iter().map(|h| format!("#include <{h}>\n")).collect();
    text.push_str(prelude);
    let mut staged = tempfile::NamedTempFile::new_in(dir).map_err(|e| e.to_string())?;
    std::io::Write::write_all(&mut staged, text.as_bytes()).map_err(|e| e.to_string())?;
    staged.persist(&header).map_err(|e| e.to_string())?;

    let scratch = tempfile::Builder::new().prefix(".build-").tempdir_in(dir).map_err(|e| e.to_string())?;
    let pch = scratch.path().join("std.pch");
    let object = scratch.path().join("std_pch.o");
    let library = scratch.path().join("libstdpch.so");
    // The interpreter's arguments, minus the input language it sets itself.
    let language_args: Vec<&String> = args.iter().filter(|a| a.as_str() != "-xc++").collect();
    run(Command::new(compiler)
        .arg("-x")
        .arg("c++-header")
        .args(&language_args)
        .args(["-Xclang", "-fincremental-extensions", "-fpch-codegen", "-fpch-instantiate-templates"])
        .arg(&header)
        .arg("-o")
        .arg(&pch))?;
    run(Command::new(compiler).args(["-c", "-fPIC", "-O2"]).arg(&pch).arg("-o").arg(&object))?;
    run(Command::new(compiler).arg("-shared").arg(&object).arg("-o").arg(&library))?;
    std::fs::rename(&library, dir.join("libstdpch.so")).map_err(|e| e.to_string())?;
    std::fs::rename(&pch, dir.join("std.pch")).map_err(|e| e.to_string())?;
    Ok(())
}
