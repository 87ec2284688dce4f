//! Builds the C++ shim against Debian's LLVM 19 (found with llvm-config) and
//! links libclang-cpp and libLLVM.

use std::process::Command;

fn llvm_config(arg: &str) -> String {
    let tool = std::env::var("LLVM_CONFIG").unwrap_or_else(|_| "llvm-config-19".into());
    let out = Command::new(&tool)
        .arg(arg)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool} (install llvm-19-dev): {e}"));
    assert!(out.status.success(), "{tool} {arg} failed");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn main() {
    let include_dir = llvm_config("--includedir");
    let lib_dir = llvm_config("--libdir");
    let version = llvm_config("--version");
    let major = version.split('.').next().unwrap().to_string();

    cxx_build::bridge("src/ffi.rs")
        .file("shim/session.cpp")
        .file("shim/reflect.cpp")
        .file("shim/names.cpp")
        .file("shim/guard.cpp")
        .file("shim/link.cpp")
        .file("shim/faults.cpp")
        .file("shim/verdicts.cpp")
        .file("shim/redefine.cpp")
        .file("shim/codecache.cpp")
        .include(&include_dir)
        .std("c++17")
        .flag("-D_GNU_SOURCE")
        .flag("-D__STDC_CONSTANT_MACROS")
        .flag("-D__STDC_FORMAT_MACROS")
        .flag("-D__STDC_LIMIT_MACROS")
        .flag("-Wno-unused-parameter")
        // LLVM's ORC headers trip this one.
        .flag("-Wno-redundant-move")
        .opt_level(1)
        .compile("cpplive_clang_shim");

    println!("cargo:rustc-link-search=native={lib_dir}");
    // Debian ships no unversioned libclang-cpp.so: name the file itself.
    println!("cargo:rustc-link-lib=dylib:+verbatim=libclang-cpp.so.{version_mm}", version_mm = {
        let mut parts = version.split('.');
        format!("{}.{}", parts.next().unwrap(), parts.next().unwrap())
    });
    println!("cargo:rustc-link-lib=dylib=LLVM-{major}");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{lib_dir}");
    println!("cargo:rustc-env=CPPLIVE_LLVM_LIBDIR={lib_dir}");
    println!("cargo:rustc-env=CPPLIVE_LLVM_MAJOR={major}");
    let mut parts = version.split('.');
    println!("cargo:rustc-env=CPPLIVE_LLVM_VERSION_MM={}.{}", parts.next().unwrap(), parts.next().unwrap());
    println!("cargo:llvm_libdir={lib_dir}");
    for file in ["src/ffi.rs", "shim/session.h", "shim/impl.h", "shim/session.cpp", "shim/reflect.cpp", "shim/names.cpp", "shim/guard.cpp", "shim/link.cpp", "shim/faults.cpp", "shim/verdicts.cpp", "shim/redefine.cpp", "shim/codecache.cpp"] {
        println!("cargo:rerun-if-changed={file}");
    }
    println!("cargo:rerun-if-env-changed=LLVM_CONFIG");
}
