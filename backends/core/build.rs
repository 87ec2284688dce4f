//! `CPPLIVE_CORE_ABI`: a fingerprint of this crate's sources and of the
//! compiler. The clang backend is a separate library built with its own
//! copy of this crate; the proxy layer refuses it unless both copies have
//! the same fingerprint, since the `Backend` trait crosses between them
//! with Rust's (unstable) layout.

use std::hash::{Hash, Hasher};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=src");
    let mut files: Vec<_> = std::fs::read_dir("src").expect("src").map(|e| e.expect("entry").path()).collect();
    files.sort();
    // SipHash with fixed keys: the same inputs give the same value in
    // every build made by the same compiler, which is all that is asked.
    #[allow(deprecated)]
    let mut hasher = std::hash::SipHasher::new();
    for file in &files {
        file.file_name().hash(&mut hasher);
        std::fs::read(file).expect("source file").hash(&mut hasher);
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    if let Ok(version) = Command::new(rustc).arg("-vV").output() {
        version.stdout.hash(&mut hasher);
    }
    println!("cargo:rustc-env=CPPLIVE_CORE_ABI={:016x}", hasher.finish());
}
