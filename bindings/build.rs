// Version cfgs (`Py_3_12`, `Py_GIL_DISABLED`, ...) for code that reads
// CPython object layouts directly (see src/smallint.rs), and the C half of
// signals_as_exception (see src/signals.c: sigsetjmp cannot be used from Rust).
fn main() {
    pyo3_build_config::use_pyo3_cfgs();
    println!("cargo:rerun-if-changed=src/signals.c");
    cc::Build::new().file("src/signals.c").warnings(true).extra_warnings(true).compile("cpplive_signals");
}
