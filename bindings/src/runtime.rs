//! The process-wide backend. `import cpplive` starts creating the clang
//! interpreter on a background thread (`warm_up`), so import itself stays
//! cheap and the work overlaps whatever the program does before its first
//! `cppdef`; the first use waits for it (or creates it, when warm-up is off).

use std::sync::{Mutex, MutexGuard};
use std::thread::JoinHandle;

use cpplive_clang::{ClangBackend, ClangOptions};
use cpplive_core::Backend;
use pyo3::prelude::*;

use crate::errors;

struct State {
    backend: Option<Box<dyn Backend>>,
    /// Whether user code has used the backend (after that, compiler
    /// arguments can no longer change).
    used: bool,
}

static STATE: Mutex<State> = Mutex::new(State { backend: None, used: false });
static OPTIONS: Mutex<Option<ClangOptions>> = Mutex::new(None);
static WARM_UP: Mutex<Option<JoinHandle<()>>> = Mutex::new(None);

fn lock() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

fn options() -> ClangOptions {
    OPTIONS.lock().unwrap_or_else(|e| e.into_inner()).clone().unwrap_or_default()
}

/// Runs `f` with the backend, creating the interpreter if needed.
pub fn with_backend<R>(f: impl FnOnce(&mut dyn Backend) -> PyResult<R>) -> PyResult<R> {
    let mut state = lock();
    state.used = true;
    if state.backend.is_none() {
        let backend = ClangBackend::new(&options()).map_err(errors::backend_error)?;
        state.backend = Some(Box::new(backend));
    }
    f(state.backend.as_mut().unwrap().as_mut())
}

/// Starts creating the interpreter on a background thread. A failure is
/// not reported here: the first real use tries again and raises.
#[pyfunction]
pub fn warm_up() {
    let mut handle = WARM_UP.lock().unwrap_or_else(|e| e.into_inner());
    if handle.is_some() || lock().backend.is_some() {
        return;
    }
    *handle = Some(std::thread::spawn(|| {
        let mut state = lock();
        if state.backend.is_none() {
            if let Ok(backend) = ClangBackend::new(&options()) {
                state.backend = Some(Box::new(backend));
            }
        }
    }));
}

/// Waits for `warm_up` to finish (at exit, so that no compiler work runs
/// while the process tears down).
#[pyfunction]
pub fn wait_warm_up(py: Python<'_>) {
    let handle = WARM_UP.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(handle) = handle {
        py.detach(|| {
            let _ = handle.join();
        });
    }
}

/// Extra compiler arguments: honoured until user code first uses the
/// interpreter (one made by warm-up is then made again).
pub fn set_extra_args(py: Python<'_>, args: Vec<String>) -> bool {
    wait_warm_up(py);
    let mut state = lock();
    if state.used {
        return false;
    }
    state.backend = None;
    let mut options = OPTIONS.lock().unwrap_or_else(|e| e.into_inner());
    options.get_or_insert_with(ClangOptions::default).extra_args.extend(args);
    true
}
