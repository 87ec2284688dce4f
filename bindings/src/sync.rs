//! How the object model's shared state stays sound when many Python threads
//! call at once. The GIL serializes Python threads, but only between points
//! where Python code can run: a call into Python, an implicit conversion, a
//! decref that runs a finalizer, making an exception object, or releasing
//! the GIL around a blocking wait all let the interpreter switch threads.
//! So state is never borrowed mutably across such a point:
//!
//! - `publish`: state filled once (an overload set's preparation, a
//!   compiled thunk, a data member's accessors) is computed without any
//!   lock held, then published whole; a thread that computed it too drops
//!   its copy. Nothing is ever replaced once published, so a reference to
//!   it stays valid for as long as its owner lives.
//! - `AppendOnly`: a bounded list whose entries, once pushed, never move or
//!   change (the per-set memo of winners).
//! - `GilCell`: tables (proxy identity, class registry) updated in place,
//!   under the GIL, in closures that must not run Python code.
//!
//! No lock here is ever held while waiting for the GIL, nor the GIL while
//! waiting for one of them (see `runtime.rs` for the backend's lock).

use std::cell::{Cell, UnsafeCell};
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use pyo3::Python;

/// The value in `cell`, computed by `make` if the cell is empty. `make`
/// may run Python code and release the GIL (so other threads may be
/// computing the same value meanwhile): the first value published wins and
/// the others are dropped. Unlike `OnceLock::get_or_init`, no thread ever
/// blocks here while holding the GIL, and a re-entrant call (from Python
/// code that `make` runs) computes its own value instead of deadlocking.
#[inline(always)]
pub fn publish<T>(cell: &OnceLock<T>, make: impl FnOnce() -> T) -> &T {
    match cell.get() {
        Some(done) => done,
        None => publish_new(cell, make),
    }
}

#[cold]
#[inline(never)]
fn publish_new<T>(cell: &OnceLock<T>, make: impl FnOnce() -> T) -> &T {
    let value = make();
    // `set` only moves the value in: it runs no Python code, so under the
    // GIL it never waits for another thread.
    if let Err(lost) = cell.set(value) {
        drop(lost);
    }
    cell.get().expect("published")
}

/// Up to `N` entries, each written once and then only read. Readers see
/// every entry pushed before their `as_slice` (the length is published
/// after the entry is written); a full list refuses further entries.
pub struct AppendOnly<T, const N: usize> {
    len: AtomicUsize,
    slots: [UnsafeCell<MaybeUninit<T>>; N],
}

// Entries are written before the length that makes them visible is
// published, and never written again.
unsafe impl<T: Send + Sync, const N: usize> Sync for AppendOnly<T, N> {}

impl<T, const N: usize> AppendOnly<T, N> {
    pub fn new() -> Self {
        AppendOnly { len: AtomicUsize::new(0), slots: std::array::from_fn(|_| UnsafeCell::new(MaybeUninit::uninit())) }
    }

    #[inline(always)]
    pub fn as_slice(&self) -> &[T] {
        let len = self.len.load(Ordering::Acquire);
        // Safety: the first `len` slots are initialized and never change.
        unsafe { std::slice::from_raw_parts(self.slots.as_ptr() as *const T, len) }
    }

    /// Appends `value`; gives it back when the list is full. The GIL
    /// serializes writers: nothing between reading the length and
    /// publishing the new one can switch threads.
    pub fn push(&self, _py: Python<'_>, value: T) -> Result<(), T> {
        let len = self.len.load(Ordering::Relaxed);
        if len == N {
            return Err(value);
        }
        // Safety: slot `len` is not visible to readers yet.
        unsafe { (*self.slots[len].get()).write(value) };
        self.len.store(len + 1, Ordering::Release);
        Ok(())
    }
}

impl<T, const N: usize> Drop for AppendOnly<T, N> {
    fn drop(&mut self) {
        let len = *self.len.get_mut();
        for slot in &mut self.slots[..len] {
            unsafe { slot.get_mut().assume_init_drop() };
        }
    }
}

/// A table the GIL guards. `with` lends it to a closure, which must not run
/// Python code: no calls into Python, no drop of a Python reference (a
/// finalizer could run; hand replaced values out and drop them after), no
/// exception objects. A re-entrant `with` (which would alias the borrow)
/// ends the process instead.
pub struct GilCell<T> {
    value: UnsafeCell<T>,
    lent: Cell<bool>,
}

// Only reached with the GIL held (cpplive declares that it needs the GIL,
// so free-threaded builds run it with the GIL enabled).
unsafe impl<T: Send> Sync for GilCell<T> {}

impl<T> GilCell<T> {
    pub const fn new(value: T) -> Self {
        GilCell { value: UnsafeCell::new(value), lent: Cell::new(false) }
    }

    #[inline(always)]
    pub fn with<R>(&self, _py: Python<'_>, f: impl FnOnce(&mut T) -> R) -> R {
        if self.lent.replace(true) {
            reentered();
        }
        // Safety: the GIL is held, `f` runs no Python code (so no other
        // thread runs meanwhile), and the flag rules out re-entrance.
        let result = f(unsafe { &mut *self.value.get() });
        // Not reset if `f` panicked: the table may be half updated, and
        // the next use stops the process.
        self.lent.set(false);
        result
    }
}

/// A bug in cpplive, not in the program: no unwinding (landing pads on
/// every table access, and most callers are C entry points anyway).
#[cold]
#[inline(never)]
fn reentered() -> ! {
    eprintln!("cpplive: internal error: re-entrant use of a GIL-guarded table");
    std::process::abort()
}
