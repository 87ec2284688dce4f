// Version cfgs (`Py_3_12`, `Py_GIL_DISABLED`, ...) for code that reads
// CPython object layouts directly (see src/smallint.rs).
fn main() {
    pyo3_build_config::use_pyo3_cfgs();
}
