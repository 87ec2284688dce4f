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
use std::time::{Duration, Instant};

pub struct Pch {
    pub pch: PathBuf,
    pub library: PathBuf,
    dir: PathBuf,
}

/// How long building may take before it is given up (clang can hang on
/// some flag combinations, e.g. `-fdelayed-template-parsing`).
fn build_limit() -> Duration {
    let seconds = std::env::var("CPPLIVE_PCH_TIMEOUT").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    Duration::from_secs(seconds)
}

impl Pch {
    /// Whether a process already found this PCH to work (see `probe`).
    pub fn verified(&self) -> bool {
        self.dir.join("verified").exists()
    }

    pub fn mark_verified(&self) {
        let _ = std::fs::write(self.dir.join("verified"), b"");
    }

    /// Recorded so that later processes do not build it again; they say
    /// why and use the headers as text.
    pub fn mark_failed(&self, why: &str) {
        let _ = std::fs::write(self.dir.join("failed"), why.as_bytes());
    }
}

/// C++ that exercises what a precompiled header has been seen to lose
/// (libstdc++'s internal threading helpers, glibc's inline byte swaps,
/// member functions of template instantiations): the PCH is used only
/// once this compiles, links and returns `PROBE_RESULT`.
pub const PROBE: &str = r#"
#include <mutex>
#include <thread>
#include <byteswap.h>
extern "C" int __cpplive_pch_probe() {
  static std::mutex lock;
  std::lock_guard<std::mutex> guard(lock);
  int swapped = 0;
  std::thread worker([&] { swapped = static_cast<int>(bswap_32(0x02000000u)); });
  worker.join();
  std::vector<std::string> words{"a"};
  words.push_back("b");
  std::map<std::string, int> counts;
  counts["x"] += 1;
  return swapped + static_cast<int>(words.size()) + counts["x"];
}
"#;
pub const PROBE_SYMBOL: &str = "__cpplive_pch_probe";
pub const PROBE_RESULT: i32 = 5;

/// The cached PCH for `args` and `headers`, built if missing. `Err` says why
/// none could be had (the caller then includes the headers as text).
pub fn ensure(llvm_libdir: &Path, args: &[String], headers: &[&str], prelude: &str) -> Result<Pch, String> {
    let compiler = llvm_libdir.join("..").join("bin").join("clang++");
    if !compiler.exists() {
        return Err(format!("{} not found (install clang-19)", compiler.display()));
    }
    let root = cache_root().ok_or("no cache directory")?;
    let dir = root.join(format!("std-pch-{:016x}", key(&compiler, llvm_libdir, args, headers, prelude)));
    let pch = Pch { pch: dir.join("std.pch"), library: dir.join("libstdpch.so"), dir: dir.clone() };
    if let Ok(why) = std::fs::read_to_string(dir.join("failed")) {
        return Err(why);
    }
    if let Some(why) = recently_cut_short(&dir) {
        return Err(why);
    }
    if pch.pch.exists() && pch.library.exists() && dir.join("std.h").exists() {
        return Ok(pch);
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    if let Err(failure) = build(&compiler, &dir, args, headers, prelude) {
        // A build cut short by a busy machine, or a full disk, is tried
        // again by the next process; only the compiler's refusal lasts.
        let marker = if failure.lasting { "failed" } else { "cut-short" };
        let _ = std::fs::write(dir.join(marker), failure.why.as_bytes());
        return Err(failure.why);
    }
    if pch.pch.exists() && pch.library.exists() {
        Ok(pch)
    } else {
        Err(format!("the precompiled header did not appear in {}", dir.display()))
    }
}

/// A build cut short (by time, on a busy machine) is not tried again by
/// every process start, each paying the time limit, but again after a
/// while: a load spike must not leave start-up slow for good.
const RETRY_CUT_SHORT_AFTER: Duration = Duration::from_secs(3600);

fn recently_cut_short(dir: &Path) -> Option<String> {
    let marker = dir.join("cut-short");
    let why = std::fs::read_to_string(&marker).ok()?;
    let age = std::fs::metadata(&marker).ok()?.modified().ok()?.elapsed().unwrap_or_default();
    if age < RETRY_CUT_SHORT_AFTER {
        Some(why)
    } else {
        let _ = std::fs::remove_file(&marker);
        None
    }
}

fn key(compiler: &Path, llvm_libdir: &Path, args: &[String], headers: &[&str], prelude: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    args.hash(&mut hasher);
    // `-march=native` means another header on another CPU (a cache
    // directory shared between machines).
    if args.iter().any(|a| a == "-march=native") {
        host_cpu().hash(&mut hasher);
    }
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

/// What identifies this machine's CPU for `-march=native`: its model and
/// feature flags as the kernel reports them (empty where it does not).
fn host_cpu() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let first = info.split("\n\n").next().unwrap_or_default();
    first.lines().filter(|l| l.starts_with("model name") || l.starts_with("flags") || l.starts_with("Features") || l.starts_with("CPU part")).collect::<Vec<_>>().join("\n")
}

/// Why a build gave no precompiled header; `lasting` when the same inputs
/// would fail again (the compiler refused them).
struct BuildFailure {
    why: String,
    lasting: bool,
}

impl From<String> for BuildFailure {
    fn from(why: String) -> Self {
        BuildFailure { why, lasting: false }
    }
}

fn run(command: &mut Command) -> Result<(), BuildFailure> {
    // Its own process group: the driver runs the compiler proper as a
    // child of its own, which a timeout must stop too.
    let mut child = std::os::unix::process::CommandExt::process_group(command, 0)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    // Read stderr on the side, so a chatty compiler never blocks on a full pipe.
    let mut stderr = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(pipe) = stderr.as_mut() {
            let _ = std::io::Read::read_to_string(pipe, &mut text);
        }
        text
    });
    let deadline = Instant::now() + build_limit();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                // Safety: a plain signal to the group made above.
                unsafe { libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL) };
                let _ = child.wait();
                break None;
            }
        }
    };
    let errors = reader.join().unwrap_or_default();
    match status {
        Some(status) if status.success() => Ok(()),
        Some(_) => Err(BuildFailure { why: format!("building it failed: {command:?}\n{errors}"), lasting: true }),
        None => Err(BuildFailure::from(format!(
            "building it did not finish within {} s (CPPLIVE_PCH_TIMEOUT allows longer): {command:?}",
            build_limit().as_secs()
        ))),
    }
}

/// Builds into `dir`. The PCH records the absolute path of its header, so
/// the header is written at its final place; the outputs are made under
/// names of this process's own and renamed into place, so that concurrent
/// first runs never see half-written files.
fn build(compiler: &Path, dir: &Path, args: &[String], headers: &[&str], prelude: &str) -> Result<(), BuildFailure> {
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
    // The object is made for the CPU the header was (clang refuses a
    // header of other target features).
    let target_args: Vec<&String> = args.iter().filter(|a| a.starts_with("-march=") || a.starts_with("-mcpu=") || a.starts_with("-mtune=") || a.as_str() == "-Wno-invalid-feature-combination").collect();
    run(Command::new(compiler).args(["-c", "-fPIC", "-O2"]).args(&target_args).arg(&pch).arg("-o").arg(&object))?;
    run(Command::new(compiler).arg("-shared").arg(&object).arg("-o").arg(&library))?;
    std::fs::rename(&library, dir.join("libstdpch.so")).map_err(|e| e.to_string())?;
    std::fs::rename(&pch, dir.join("std.pch")).map_err(|e| e.to_string())?;
    Ok(())
}

/// Where cpplive keeps what it makes once for many processes
/// (`CPPLIVE_CACHE_DIR`, else the user's cache directory).
pub fn cache_root() -> Option<PathBuf> {
    match std::env::var_os("CPPLIVE_CACHE_DIR") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => dirs::cache_dir().map(|d| d.join("cpplive")),
    }
}
