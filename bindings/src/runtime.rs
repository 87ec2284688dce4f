//! The process-wide backend. The clang interpreter is created on first use,
//! so `import cpplive` does no compiler work.

use std::sync::{Mutex, MutexGuard};

use cpplive_clang::{ClangBackend, ClangOptions};
use cpplive_core::Backend;
use pyo3::prelude::*;

use crate::errors;

static BACKEND: Mutex<Option<Box<dyn Backend>>> = Mutex::new(None);
static OPTIONS: Mutex<Option<ClangOptions>> = Mutex::new(None);

fn lock() -> MutexGuard<'static, Option<Box<dyn Backend>>> {
    BACKEND.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `f` with the backend, creating the interpreter if needed.
pub fn with_backend<R>(f: impl FnOnce(&mut dyn Backend) -> PyResult<R>) -> PyResult<R> {
    let mut guard = lock();
    if guard.is_none() {
        let options = OPTIONS.lock().unwrap_or_else(|e| e.into_inner()).clone().unwrap_or_default();
        let backend = ClangBackend::new(&options).map_err(errors::backend_error)?;
        *guard = Some(Box::new(backend));
    }
    f(guard.as_mut().unwrap().as_mut())
}

/// Extra compiler arguments, honoured only before the interpreter starts.
pub fn set_extra_args(args: Vec<String>) -> bool {
    if lock().is_some() {
        return false;
    }
    let mut options = OPTIONS.lock().unwrap_or_else(|e| e.into_inner());
    options.get_or_insert_with(ClangOptions::default).extra_args.extend(args);
    true
}
