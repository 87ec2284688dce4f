//! The process-wide backend: a `Stack` of the loaded dictionaries and the
//! clang backend (`cpplive_core::stack`), which routes every question to
//! the backend whose id it carries. `import cpplive` starts creating the
//! clang interpreter on a background thread (`warm_up`), so import itself
//! stays cheap and the work overlaps whatever the program does before its
//! first `cppdef`; the first use waits for it (or creates it, when warm-up
//! is off). With `CPPLIVE_BACKEND=dictionary` it is never created.
//!
//! One lock guards the backend, and it is never waited for with the GIL
//! held: the holder may need the GIL (C++ run by the backend, such as a
//! static initializer in `cppdef` code, can call a Python callback), so a
//! waiter first releases it. Python code run by the lock's holder that
//! comes back here (that callback calling into cpplive) raises instead of
//! deadlocking on the lock it already holds.

use std::cell::Cell;
use std::sync::{Mutex, MutexGuard, TryLockError};
use std::thread::JoinHandle;

use cpplive_core::live::CompilerOptions;
use cpplive_core::stack::Stack;
use cpplive_core::Backend;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;


struct State {
    /// The loaded dictionaries, then the clang backend (made on first need).
    stack: Option<Stack>,
    /// Whether user code has used the backend (after that, compiler
    /// arguments can no longer change).
    used: bool,
}

static STATE: Mutex<State> = Mutex::new(State { stack: None, used: false });
static OPTIONS: Mutex<Option<CompilerOptions>> = Mutex::new(None);
static WARM_UP: Mutex<Option<JoinHandle<()>>> = Mutex::new(None);

thread_local! {
    /// Whether this thread holds the backend lock.
    static HOLDING: Cell<bool> = const { Cell::new(false) };
}

/// The backend lock, held by this thread until dropped.
struct Held(MutexGuard<'static, State>);

impl Held {
    fn new(guard: MutexGuard<'static, State>) -> Held {
        HOLDING.set(true);
        Held(guard)
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        HOLDING.set(false);
    }
}

/// Takes the lock without the GIL (the warm-up thread, and calls that
/// released it).
fn lock() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Takes the lock from a thread holding the GIL: at once when it is free,
/// else after releasing the GIL to wait.
fn lock_attached(_py: Python<'_>) -> PyResult<Held> {
    match STATE.try_lock() {
        Ok(guard) => return Ok(Held::new(guard)),
        Err(TryLockError::Poisoned(e)) => return Ok(Held::new(e.into_inner())),
        Err(TryLockError::WouldBlock) => {}
    }
    if HOLDING.get() {
        return Err(reentered());
    }
    // Not `py.detach`: on return it releases references dropped meanwhile,
    // and a finalizer run then, with the lock held, could come back here.
    // Nothing runs on this thread while it waits.
    let saved = unsafe { pyo3::ffi::PyEval_SaveThread() };
    let guard = lock();
    unsafe { pyo3::ffi::PyEval_RestoreThread(saved) };
    Ok(Held::new(guard))
}

#[cold]
fn reentered() -> PyErr {
    PyRuntimeError::new_err(
        "the C++ interpreter is busy on this thread: Python code run by C++ code that cpplive is compiling or declaring \
         (a static initializer calling a Python callback) cannot use cpplive",
    )
}

fn run<R>(mut held: Held, f: impl FnOnce(&mut dyn Backend) -> PyResult<R>) -> PyResult<R> {
    let state = &mut *held.0;
    state.used = true;
    f(stack_of(state))
}

fn stack_of(state: &mut State) -> &mut Stack {
    state.stack.get_or_insert_with(|| Stack::new(if dictionary_only() { None } else { Some(make_clang) }))
}

fn make_clang() -> cpplive_core::error::Result<Box<dyn Backend>> {
    crate::clang_library::make(&options())
}

/// `CPPLIVE_BACKEND=dictionary`: only dictionaries answer; the clang
/// backend is never made.
pub fn dictionary_only() -> bool {
    std::env::var("CPPLIVE_BACKEND").is_ok_and(|v| v == "dictionary")
}

/// Runs `f` with the backend stack itself (registering dictionaries).
pub fn with_stack<R>(f: impl FnOnce(&mut Stack) -> PyResult<R>) -> PyResult<R> {
    let py = unsafe { Python::assume_attached() };
    let mut held = lock_attached(py)?;
    let state = &mut *held.0;
    f(stack_of(state))
}

fn options() -> CompilerOptions {
    OPTIONS.lock().unwrap_or_else(|e| e.into_inner()).clone().unwrap_or_default()
}

/// Runs `f` with the backend, creating the interpreter if needed. The
/// caller holds the GIL (and keeps it while `f` runs, unless the lock is
/// busy: then it is released while waiting, and other Python threads run).
pub fn with_backend<R>(f: impl FnOnce(&mut dyn Backend) -> PyResult<R>) -> PyResult<R> {
    // Safety: every caller holds the GIL (see `with_backend_detached`).
    let py = unsafe { Python::assume_attached() };
    run(lock_attached(py)?, f)
}

/// Runs `f` with the backend and the GIL released (declaring code,
/// loading libraries: long work other Python threads need not wait for).
pub fn with_backend_detached<R: Send>(py: Python<'_>, f: impl FnOnce(&mut dyn Backend) -> PyResult<R> + Send) -> PyResult<R> {
    py.detach(|| {
        if HOLDING.get() {
            return Err(reentered());
        }
        run(Held::new(lock()), f)
    })
}

/// Starts creating the interpreter on a background thread. A failure is
/// not reported here: the first real use tries again and raises.
#[pyfunction]
pub fn warm_up() {
    let mut handle = WARM_UP.lock().unwrap_or_else(|e| e.into_inner());
    // A busy lock means the interpreter is in use (or being made).
    let has_clang = |state: &State| state.stack.as_ref().is_some_and(|s| s.has_clang());
    let made = match STATE.try_lock() {
        Ok(state) => has_clang(&state),
        Err(TryLockError::Poisoned(e)) => has_clang(&e.into_inner()),
        Err(TryLockError::WouldBlock) => true,
    };
    if handle.is_some() || made || dictionary_only() {
        return;
    }
    *handle = Some(std::thread::spawn(|| {
        let mut state = lock();
        let stack = stack_of(&mut state);
        if !stack.has_clang() {
            if let Ok(backend) = crate::clang_library::make(&options()) {
                stack.set_clang(backend);
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
pub fn set_extra_args(py: Python<'_>, args: Vec<String>) -> PyResult<bool> {
    wait_warm_up(py);
    let mut held = lock_attached(py)?;
    let state = &mut *held.0;
    if state.used {
        return Ok(false);
    }
    if let Some(stack) = state.stack.as_mut() {
        stack.reset_clang();
    }
    let mut options = OPTIONS.lock().unwrap_or_else(|e| e.into_inner());
    options.get_or_insert_with(CompilerOptions::default).extra_args.extend(args);
    Ok(true)
}
