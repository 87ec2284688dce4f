//! The library's entry points (`cpplive_core::live`): the proxy layer
//! opens `libcpplive_clang.so` on the first question only clang can
//! answer, checks that both sides were built from the same core, and makes
//! the backend through `cpplive_clang_make_backend`.

use std::ffi::{c_char, CString};
use std::sync::OnceLock;
use std::panic::{catch_unwind, AssertUnwindSafe};

use cpplive_core::error::{BackendError, Result};
use cpplive_core::live::{CompilerOptions, PanicGuarded, CORE_ABI};
use cpplive_core::Backend;

use crate::ClangBackend;

#[no_mangle]
pub extern "C" fn cpplive_clang_core_abi() -> *const c_char {
    static TEXT: OnceLock<CString> = OnceLock::new();
    TEXT.get_or_init(|| CString::new(CORE_ABI).expect("no NUL in a hex fingerprint")).as_ptr()
}

/// # Safety
/// `options` and `out` are valid; the caller was built with the same
/// `CORE_ABI` (checked through `cpplive_clang_core_abi` first).
#[no_mangle]
pub unsafe extern "C" fn cpplive_clang_make_backend(options: *const CompilerOptions, out: *mut Option<Result<Box<dyn Backend>>>) {
    let options = &*options;
    let made = catch_unwind(AssertUnwindSafe(|| ClangBackend::new(options)))
        .unwrap_or_else(|_| Err(BackendError::Internal("the clang backend panicked while starting".into())));
    *out = Some(made.map(|backend| Box::new(PanicGuarded(backend)) as Box<dyn Backend>));
}
