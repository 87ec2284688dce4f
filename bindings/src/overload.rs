//! Overload sets: prepared once (thunks compiled in one batch, converters and
//! executors chosen), sorted by rank, resolved in two passes (strict, then
//! implicit), with the winner memoized per tuple of Python argument types.
//! Failure messages are built only when raising.

use std::ffi::{c_int, c_void};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Arc;
use std::sync::OnceLock;

use cpplive_core::model::{Access, FunctionInfo, FunctionKind};
use cpplive_core::thunk::{ArgSlot, DeleterFn, ThunkError, ThunkFn};
use cpplive_core::typename;
use cpplive_core::{BackendError, ScopeId};
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::convert::{Converter, Pass, Rejection, Scratch};
use crate::execute::Executor;
use crate::fastcall::{FastPlan, Outcome};
use crate::instance;
use crate::runtime::with_backend;
use crate::signals;
use crate::sync::{publish, AppendOnly};

const INLINE_ARGS: usize = 8;

/// Winners remembered per set (tuples of argument types). A set called
/// with more kinds of arguments resolves the others on each call.
const MEMO_SIZE: usize = 16;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// A free function or a static method: no receiver.
    Function,
    /// A method: `args[0]` is the receiver.
    Method,
    /// Constructors, bound as `__init__`: `args[0]` is the new proxy.
    Constructor,
}

struct Candidate {
    info: FunctionInfo,
    converters: Vec<Converter>,
    executor: Executor,
    /// Compiled on first use of this candidate: compiling a whole set up
    /// front instantiates every overload of a class template (all of
    /// `std::vector`'s constructors for one `v = vector[int]()`).
    thunk: OnceLock<Result<ThunkFn, BackendError>>,
    /// The thunk for keyword calls that skip a defaulted parameter.
    thunk_with_defaults: OnceLock<Result<ThunkFn, BackendError>>,
    min_args: usize,
    /// Called as its class defines it, not through the vtable (a virtual
    /// method of a set reached through the class, `A.f(obj)`).
    direct: bool,
}

/// True when some argument slot is empty (a defaulted parameter skipped by
/// a keyword call).
fn has_gaps(args: &[*mut ffi::PyObject]) -> bool {
    args.iter().any(|a| a.is_null())
}

/// The memo key: the Python types of up to `INLINE_ARGS` arguments.
///
/// # Safety
/// The arguments are live objects.
unsafe fn type_key(positional: &[*mut ffi::PyObject]) -> [usize; INLINE_ARGS] {
    let mut types = [0usize; INLINE_ARGS];
    for (t, a) in types.iter_mut().zip(positional) {
        *t = ffi::Py_TYPE(*a) as usize;
    }
    types
}

impl Candidate {
    fn thunk_with_defaults(&self) -> Result<ThunkFn, BackendError> {
        Self::published(&self.thunk_with_defaults, || {
            with_backend(|b| Ok(b.call_thunk_with_defaults(&self.info))).unwrap_or_else(|e| Err(BackendError::Internal(e.to_string())))
        })
    }

    #[inline]
    fn thunk(&self) -> Result<ThunkFn, BackendError> {
        Self::published(&self.thunk, || {
            with_backend(|b| {
                Ok(if self.direct {
                    b.direct_call_thunk(&self.info)
                } else {
                    b.call_thunks(&[&self.info]).and_then(|mut list| list.remove(0))
                })
            })
            .unwrap_or_else(|e| Err(BackendError::Internal(e.to_string())))
        })
    }

    /// The compiled thunk in `slot`, compiled by `compile` when there is
    /// none. A link failure is not published: a library loaded later
    /// supplies what was missing, and the next call compiles again.
    #[inline]
    fn published(slot: &OnceLock<Result<ThunkFn, BackendError>>, compile: impl FnOnce() -> Result<ThunkFn, BackendError>) -> Result<ThunkFn, BackendError> {
        if let Some(done) = slot.get() {
            return done.clone();
        }
        let compiled = compile();
        if matches!(compiled, Err(BackendError::Link { .. })) {
            return compiled;
        }
        publish(slot, || compiled).clone()
    }
}

struct MemoEntry {
    types: [usize; INLINE_ARGS],
    len: usize,
    candidate: usize,
    pass: Pass,
    fast: Option<FastPlan>,
}

/// Made on the first call and then only read: published whole (see
/// `sync.rs`), so that threads calling the set for the first time at once
/// never see it half made, nor lose it to another thread's copy.
struct Prepared {
    candidates: Vec<Candidate>,
    deleter: Option<DeleterFn>,
    /// For single-overload sets: the direct path, made after the first
    /// successful call when it applies (`no_fast` when it does not: kept
    /// apart so that the call path checks one state).
    fast: OnceLock<FastPlan>,
    no_fast: AtomicBool,
    /// For sets of several overloads: the winner per tuple of argument
    /// types. Entries never move or change once added.
    memo: Option<Box<AppendOnly<MemoEntry, MEMO_SIZE>>>,
    /// Bit `i` set when some overload takes a class `T&&` as parameter `i`:
    /// whether an object binds there depends on its `std.move` mark, not on
    /// its type, so a call passing an object there is not remembered.
    rvalue_positions: u64,
}

/// What users set on a C++ function or method object.
#[derive(Default)]
pub struct Settings {
    /// Release the GIL while the C++ code runs (`__release_gil__`), so
    /// that other Python threads go on meanwhile.
    pub release_gil: AtomicBool,
    /// The pointer or reference a call returns is a new object Python now
    /// owns (`__creates__`).
    pub creates: AtomicBool,
    /// Calls run as under `signals_as_exception` (`__sig2exc__`).
    pub signals_as_exception: AtomicBool,
    /// cppyy's per-function settings that change nothing here, kept so that
    /// code setting them reads back what it set: `__mempolicy__` (ownership
    /// is decided by `__creates__` and by-value results only) and
    /// `__useffi__` (calls always go through compiled thunks).
    pub memory_policy: AtomicI32,
    pub use_ffi: AtomicBool,
}

pub struct OverloadSet {
    pub name: String,
    pub role: Role,
    functions: Vec<FunctionInfo>,
    /// The proxy type of the owning class (methods and constructors).
    class: Option<Py<PyType>>,
    class_id: Option<ScopeId>,
    prepared: OnceLock<Prepared>,
    /// Called with the same arguments when no overload matches (used by
    /// pythonizations, e.g. slices for `vector.__getitem__`).
    fallback: Option<Py<PyAny>>,
    /// The function template sharing this name, if any: subscripting the
    /// callable (`f[int]`) goes to it.
    pub template: Option<Py<PyAny>>,
    /// The per-function settings users write (`__release_gil__` & co.),
    /// shared with the set's direct variant.
    pub settings: Arc<Settings>,
    /// Virtual methods are called as the class defines them (see
    /// `Candidate::direct`).
    direct: bool,
    /// A free function serving as a method (a pythonization's compiled
    /// helper, `v[i]`): its first argument is the object, whose lifeline a
    /// result gets as a method's would.
    pub receiver_first: bool,
}

/// The two rounds of resolution in a set backed by a function template:
/// the ordinary overloads, then (after the template) the greedy ones.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Ordinary,
    Greedy,
}

enum Attempt {
    Done(Py<PyAny>),
    Rejected { param: Option<usize>, why: Rejection },
    /// The call itself raised: a C++ exception, or a Python one from a
    /// callback. Other overloads are still tried, as cppyy tries them.
    Threw(PyErr),
    Failed(PyErr),
}

/// Whether a thunk's return code says the callee raised (as opposed to a
/// fault or an ABI mismatch, which end the search).
pub fn callee_raised(rc: c_int) -> bool {
    rc != 0 && rc != 2 && rc != signals::FAULTED
}

impl OverloadSet {
    pub fn new(
        name: String,
        role: Role,
        functions: Vec<FunctionInfo>,
        class: Option<Py<PyType>>,
        class_id: Option<ScopeId>,
    ) -> OverloadSet {
        OverloadSet {
            name,
            role,
            functions,
            class,
            class_id,
            prepared: OnceLock::new(),
            fallback: None,
            template: None,
            settings: Arc::new(Settings::default()),
            direct: false,
            receiver_first: false,
        }
    }

    /// Whether some overload is a virtual method with a definition of its
    /// own (what a direct call of `direct_variant` changes).
    pub fn has_direct_variant(&self) -> bool {
        !self.direct && self.role == Role::Method && self.functions.iter().any(|f| f.is_virtual && !f.is_pure)
    }

    /// This set calling its virtual methods as its class defines them
    /// (`A.f(obj)` calls `A::f`, not `obj`'s override), as C++'s
    /// `obj.A::f()` does. Pure virtuals stay virtual calls.
    pub fn direct_variant(&self, py: Python<'_>) -> OverloadSet {
        let mut set = self.duplicate(py);
        set.direct = true;
        set.settings = self.settings.clone();
        set.fallback = self.fallback.as_ref().map(|f| f.clone_ref(py));
        set.template = self.template.as_ref().map(|t| t.clone_ref(py));
        set
    }

    /// This set backed by a function template: calls no overload matches go
    /// to `fallback` (which instantiates), subscripts to `template`.
    pub fn with_template(mut self, template: Py<PyAny>, fallback: Py<PyAny>) -> OverloadSet {
        self.template = Some(template);
        self.fallback = Some(fallback);
        self
    }

    pub fn with_fallback(mut self, fallback: Option<Py<PyAny>>) -> OverloadSet {
        self.fallback = fallback;
        self
    }

    /// A copy of this set (same overloads, fresh preparation).
    pub fn duplicate(&self, py: Python<'_>) -> OverloadSet {
        OverloadSet::new(self.name.clone(), self.role, self.functions.clone(), self.class.as_ref().map(|c| c.clone_ref(py)), self.class_id)
    }

    /// How generated code names each overload (`f<int, double>` for a
    /// function template's specialization).
    pub fn qualified_names(&self) -> Vec<String> {
        self.functions.iter().map(|f| f.qualified.clone()).collect()
    }

    pub fn functions(&self) -> &[FunctionInfo] {
        &self.functions
    }

    pub fn doc(&self) -> String {
        self.functions.iter().map(|f| f.signature.clone()).collect::<Vec<_>>().join("\n")
    }

    /// A set of the overloads whose parameter types match `signature`
    /// (types as C++ spells them, parameter names and defaults allowed, as
    /// in `const std::string& name = ""`; `:any:` for every overload), and
    /// when `is_const` is given, only the const (or non-const) methods.
    pub fn select(&self, signature: &str, is_const: Option<bool>) -> Option<OverloadSet> {
        let any = signature.trim() == ":any:";
        let wanted: Vec<_> = if any {
            Vec::new()
        } else {
            typename::split_list(signature).iter().map(|t| typename::parse_user(without_parameter_name(t))).collect()
        };
        let same = |a: &cpplive_core::TypeRef, b: &cpplive_core::TypeRef| {
            a.base == b.base && a.base_const == b.base_const && a.pointers == b.pointers && a.reference == b.reference
        };
        let chosen: Vec<FunctionInfo> = self
            .functions
            .iter()
            .filter(|f| is_const.is_none_or(|c| f.is_const == c))
            .filter(|f| any || (f.params.len() == wanted.len() && f.params.iter().zip(&wanted).all(|(p, w)| same(&p.ty, w))))
            .cloned()
            .collect();
        (!chosen.is_empty()).then(|| {
            let mut set = OverloadSet::new(self.name.clone(), self.role, chosen, self.class.as_ref().map(|c| c.clone_ref(unsafe { Python::assume_attached() })), self.class_id);
            set.direct = self.direct;
            set
        })
    }

    #[inline]
    fn prepared(&self, py: Python<'_>) -> PyResult<&Prepared> {
        if let Some(done) = self.prepared.get() {
            return Ok(done);
        }
        // Preparing makes proxy classes and compiles (Python code runs, and
        // other threads may prepare this set meanwhile): the first one
        // finished is kept.
        let made = self.prepare(py)?;
        Ok(publish(&self.prepared, || made))
    }

    fn prepare(&self, py: Python<'_>) -> PyResult<Prepared> {
        let usable: Vec<&FunctionInfo> = self.functions.iter().filter(|f| !f.is_deleted && f.access == Access::Public).collect();
        let mut candidates: Vec<Candidate> = usable
            .iter()
            .map(|info| Candidate {
                converters: info.params.iter().map(|p| Converter::for_type(py, &p.ty)).collect(),
                executor: if matches!(info.kind, FunctionKind::Constructor | FunctionKind::AggregateInit) {
                    Executor::Void
                } else {
                    Executor::for_type(py, &info.ret)
                },
                thunk: OnceLock::new(),
                thunk_with_defaults: OnceLock::new(),
                min_args: info.min_args(),
                direct: self.direct && info.is_virtual && !info.is_pure,
                info: (*info).clone(),
            })
            .collect();
        // Between equals, `T&&` first: it takes only moved objects and
        // temporaries, which C++ binds there rather than to `const T&`; and
        // deeper parameter classes first: an object that is a `C` takes
        // `f(const C&)` over `f(const B&)` (for `C : B`), as in C++, while
        // a plain `B` is refused by the first. Pointers to builtins come
        // before pointers to classes (only a null pointer, `0` or `None`,
        // goes to both, and cppyy gives it to the first), so the depth of
        // a class is compared only among overloads with as many of them.
        candidates.sort_by_key(|c| {
            let rank = c.converters.iter().map(|k| k.rank()).sum::<u32>();
            let rvalues = c.converters.iter().filter(|k| k.takes_rvalue()).count();
            let depth: usize = c.converters.iter().map(|k| k.class_depth(py)).sum();
            let object_pointers = c.converters.iter().filter(|k| k.is_object_pointer()).count();
            (rank, std::cmp::Reverse(rvalues), c.converters.iter().filter(|k| k.adds_const()).count(), object_pointers, std::cmp::Reverse(depth))
        });
        let mut rvalue_positions = 0u64;
        for c in &candidates {
            for (i, k) in c.converters.iter().enumerate().take(64) {
                if k.takes_rvalue() {
                    rvalue_positions |= 1 << i;
                }
            }
        }
        let deleter = match (self.role, self.class_id) {
            (Role::Constructor, Some(id)) => {
                Some(with_backend(|b| b.deleter(id).map_err(crate::errors::backend_error))?)
            }
            _ => None,
        };
        let memo = (candidates.len() > 1).then(|| Box::new(AppendOnly::new()));
        Ok(Prepared { candidates, deleter, fast: OnceLock::new(), no_fast: AtomicBool::new(false), memo, rvalue_positions })
    }

    /// Calls the set with vectorcall-style arguments.
    ///
    /// # Safety
    /// `args` holds `nargs` positional objects followed by one per keyword
    /// in `kwnames`; the GIL is held.
    pub unsafe fn call(
        &self,
        py: Python<'_>,
        args: *const *mut ffi::PyObject,
        nargs: usize,
        kwnames: *mut ffi::PyObject,
    ) -> PyResult<Py<PyAny>> {
        let prepared = self.prepared(py)?;
        let all = std::slice::from_raw_parts(args, nargs + if kwnames.is_null() { 0 } else { ffi::PyTuple_GET_SIZE(kwnames) as usize });
        let (receiver, positional) = match self.role {
            Role::Function => (std::ptr::null_mut(), &all[..nargs]),
            Role::Method | Role::Constructor => {
                if nargs == 0 {
                    return Err(PyTypeError::new_err(format!("{}() needs a '{}' object as first argument", self.name, self.class_name(py))));
                }
                (all[0], &all[1..nargs])
            }
        };
        let keywords = &all[nargs..];
        if self.role == Role::Constructor {
            if let Some(redirected) = self.dispatcher_init(py, receiver, all, nargs, kwnames) {
                return redirected;
            }
            // Constructing over a live object would leak or double-destroy
            // it: only an empty proxy (new, destructed, or bound to null)
            // takes a new object, as in cppyy.
            if crate::instance::is_proxy(py, receiver) && !crate::instance::state(receiver).address().is_null() {
                return Err(pyo3::exceptions::PyReferenceError::new_err(format!(
                    "this '{}' object is already constructed: __init__ runs once (use __assign__ to copy into it)",
                    self.class_name(py)
                )));
            }
        }

        // Overloads whose call raised, with what they raised.
        let mut thrown: Vec<(usize, PyErr)> = Vec::new();
        // The direct path keeps the GIL; releasing it takes the general one.
        let direct = !self.settings.release_gil.load(Ordering::Relaxed) && !self.settings.signals_as_exception.load(Ordering::Relaxed);
        // An implicit conversion's temporary: `explicit` constructors are
        // left out, so the remembered choices do not apply (rare).
        let implicit_construction = self.role == Role::Constructor && crate::convert::in_implicit_construction();
        if implicit_construction {
            // Falls through to the full search below.
        } else if kwnames.is_null() && prepared.candidates.len() == 1 && !self.defers(&prepared.candidates[0]) {
            if let (Some(plan), true) = (prepared.fast.get(), direct) {
                match plan.call(py, receiver, positional) {
                    Outcome::Done(result) => return Py::from_owned_ptr_or_err(py, result),
                    Outcome::Raised(err) | Outcome::Threw(err) => return Err(err),
                    Outcome::Declined => {}
                }
            }
            for pass in [Pass::Strict, Pass::Implicit] {
                match self.attempt(py, prepared, 0, receiver, positional, pass) {
                    Attempt::Done(result) => {
                        if prepared.fast.get().is_none() && !prepared.no_fast.load(Ordering::Relaxed) {
                            // Once made, a plan is only read (`set` keeps the
                            // first one if another thread made one too).
                            match self.fast_plan(py, prepared, &prepared.candidates[0]) {
                                Some(plan) => drop(prepared.fast.set(plan)),
                                None => prepared.no_fast.store(true, Ordering::Relaxed),
                            }
                        }
                        return Ok(result);
                    }
                    Attempt::Failed(err) | Attempt::Threw(err) => return Err(err),
                    Attempt::Rejected { .. } => {}
                }
            }
        } else if let (true, true, Some(memo)) = (kwnames.is_null(), positional.len() <= INLINE_ARGS, &prepared.memo) {
            let types = type_key(positional);
            for entry in memo.as_slice() {
                // Element-wise: a slice comparison calls memcmp, which costs more
                // than the usual zero to three keys.
                if entry.len == positional.len() && entry.types.iter().zip(&types).take(entry.len).all(|(a, b)| a == b) {
                    if let (Some(plan), true) = (&entry.fast, direct) {
                        match plan.call(py, receiver, positional) {
                            Outcome::Done(result) => return Py::from_owned_ptr_or_err(py, result),
                            Outcome::Raised(err) => return Err(err),
                            Outcome::Threw(err) => {
                                thrown.push((entry.candidate, err));
                                break;
                            }
                            Outcome::Declined => {}
                        }
                    }
                    match self.attempt(py, prepared, entry.candidate, receiver, positional, entry.pass) {
                        Attempt::Done(result) => return Ok(result),
                        Attempt::Failed(err) => return Err(err),
                        // The remembered winner raised: the others are
                        // tried as on a first call (it is not called again).
                        Attempt::Threw(err) => thrown.push((entry.candidate, err)),
                        Attempt::Rejected { .. } => {}
                    }
                    break;
                }
            }
        }

        let mut rejections: Vec<(usize, Option<usize>, Rejection)> = Vec::new();
        // Overloads that take any object through `void*` come after the
        // template (see `defers`); the others before it, as in cppyy.
        let deferred = prepared.candidates.iter().any(|c| self.defers(c));
        let mut template_error = None;
        for stage in [Stage::Ordinary, Stage::Greedy] {
            if stage == Stage::Greedy {
                if !deferred {
                    break;
                }
                if let Some(fallback) = &self.fallback {
                    match self.call_fallback(py, fallback, all, nargs, keywords, kwnames) {
                        Err(e) if e.is_instance_of::<pyo3::exceptions::PyTypeError>(py) => template_error = Some(e),
                        done => return done,
                    }
                }
            }
            for pass in [Pass::Strict, Pass::Implicit] {
                for index in 0..prepared.candidates.len() {
                    if self.defers(&prepared.candidates[index]) != (stage == Stage::Greedy) {
                        continue;
                    }
                    if thrown.iter().any(|(i, _)| *i == index) {
                        continue;
                    }
                    if implicit_construction && prepared.candidates[index].info.is_explicit {
                        if pass == Pass::Implicit {
                            rejections.push((index, None, Rejection::Unsupported("explicit: not used in implicit conversions".into())));
                        }
                        continue;
                    }
                    let merged;
                    let arguments: &[*mut ffi::PyObject] = if kwnames.is_null() {
                        positional
                    } else {
                        match self.merge_keywords(py, &prepared.candidates[index].info, positional, keywords, kwnames) {
                            Ok(list) => {
                                merged = list;
                                &merged
                            }
                            Err(why) => {
                                if pass == Pass::Implicit {
                                    rejections.push((index, None, why));
                                }
                                continue;
                            }
                        }
                    };
                    match self.attempt(py, prepared, index, receiver, arguments, pass) {
                        Attempt::Done(result) => {
                            // A winner found after another overload raised won
                            // by the values, not the types: not remembered.
                            if kwnames.is_null() && positional.len() <= INLINE_ARGS && !implicit_construction && thrown.is_empty() {
                                self.remember(py, prepared, positional, index, pass);
                            }
                            return Ok(result);
                        }
                        Attempt::Failed(err) => return Err(err),
                        Attempt::Threw(err) => thrown.push((index, err)),
                        Attempt::Rejected { param, why } => {
                            if pass == Pass::Implicit {
                                rejections.push((index, param, why));
                            }
                        }
                    }
                }
            }
        }
        if let Some(raised) = self.raised_instead(py, &mut thrown, &rejections) {
            return Err(raised);
        }
        for (index, error) in thrown {
            rejections.push((index, None, Rejection::Raised(released(py, error))));
        }
        if let (Some(fallback), false) = (&self.fallback, deferred) {
            return self.call_fallback(py, fallback, all, nargs, keywords, kwnames);
        }
        if let Some(e) = template_error {
            // The template's message also lists the overloads.
            return Err(e);
        }
        Err(self.no_match(py, prepared, positional, keywords, kwnames, rejections))
    }

    /// Whether `candidate` waits until the function template has had its
    /// try: an overload taking `void*` or `void**` accepts any object, and
    /// would otherwise hide `template<class T> f(T*)` from every call
    /// (cppyy's rule; C++ would prefer the template's exact match).
    fn defers(&self, candidate: &Candidate) -> bool {
        self.template.is_some() && candidate.converters.iter().any(|k| k.takes_any_object())
    }

    /// Calls the function template behind this set with the call's own
    /// arguments.
    ///
    /// # Safety
    /// As for `call`: `all` holds the positional arguments, then one per keyword.
    unsafe fn call_fallback(
        &self,
        py: Python<'_>,
        fallback: &Py<PyAny>,
        all: &[*mut ffi::PyObject],
        nargs: usize,
        keywords: &[*mut ffi::PyObject],
        kwnames: *mut ffi::PyObject,
    ) -> PyResult<Py<PyAny>> {
        let args = pyo3::types::PyTuple::new(py, all[..nargs].iter().map(|o| Bound::from_borrowed_ptr(py, *o)))?;
        let kwargs = if kwnames.is_null() {
            None
        } else {
            let names = Bound::from_borrowed_ptr(py, kwnames).cast_into_unchecked::<pyo3::types::PyTuple>();
            let dict = pyo3::types::PyDict::new(py);
            for (i, value) in keywords.iter().enumerate() {
                dict.set_item(names.get_item(i)?, Bound::from_borrowed_ptr(py, *value))?;
            }
            Some(dict)
        };
        fallback.bind(py).call(args, kwargs.as_ref()).map(|r| r.unbind())
    }

    /// `Base.__init__(self, ...)` called from a Python class deriving from
    /// `Base` through a dispatcher: the dispatcher is what must be
    /// constructed (else C++ never reaches the Python overrides), so the
    /// call goes to the Python class's `__cpp_dispatch_init__` when `Base`
    /// is one of the dispatcher's C++ bases. Instances of the class itself
    /// never get here.
    ///
    /// # Safety
    /// As for `call`.
    unsafe fn dispatcher_init(
        &self,
        py: Python<'_>,
        receiver: *mut ffi::PyObject,
        all: &[*mut ffi::PyObject],
        nargs: usize,
        kwnames: *mut ffi::PyObject,
    ) -> Option<PyResult<Py<PyAny>>> {
        let own_type = ffi::Py_TYPE(receiver);
        if self.class.as_ref().is_none_or(|c| c.as_ptr() as *mut ffi::PyTypeObject == own_type) {
            return None;
        }
        let id = self.class_id?;
        // A type-dict lookup along the MRO: no exception when absent (most
        // Python subclasses have no dispatcher).
        let bases = crate::typelookup::on_type(own_type, pyo3::intern!(py, "__cpp_dispatch_bases__").as_ptr());
        if bases.is_null() || !Bound::from_borrowed_ptr(py, bases).contains(id.0).unwrap_or(false) {
            return None;
        }
        let init = crate::typelookup::on_type(own_type, pyo3::intern!(py, "__cpp_dispatch_init__").as_ptr());
        if init.is_null() {
            return None;
        }
        let result = ffi::PyObject_Vectorcall(init, all.as_ptr(), nargs, kwnames);
        Some(Py::from_owned_ptr_or_err(py, result))
    }

    fn fast_plan(&self, py: Python<'_>, prepared: &Prepared, candidate: &Candidate) -> Option<FastPlan> {
        let receiver_type = match self.role {
            Role::Function => std::ptr::null_mut(),
            Role::Method | Role::Constructor => self.class.as_ref()?.bind(py).as_ptr() as *mut ffi::PyTypeObject,
        };
        let construct = match self.role {
            Role::Constructor => Some(prepared.deleter?),
            _ => None,
        };
        let thunk = candidate.thunk().ok()?;
        FastPlan::build(thunk, &candidate.converters, &candidate.executor, receiver_type, construct)
    }

    fn remember(&self, py: Python<'_>, prepared: &Prepared, positional: &[*mut ffi::PyObject], candidate: usize, pass: Pass) {
        let Some(memo) = prepared.memo.as_ref().filter(|m| m.as_slice().len() < MEMO_SIZE) else { return };
        if prepared.rvalue_positions != 0
            && positional.iter().enumerate().any(|(i, o)| i < 64 && prepared.rvalue_positions & (1 << i) != 0 && unsafe { crate::instance::is_proxy(py, *o) })
        {
            return;
        }
        let types = unsafe { type_key(positional) };
        // Exact-type checks in the plan make it safe for this type tuple only
        // in the strict pass (implicit conversions need the general path).
        let fast = if pass == Pass::Strict { self.fast_plan(py, prepared, &prepared.candidates[candidate]) } else { None };
        // Another thread may have remembered the same tuple meanwhile (the
        // plan above can wait for the backend). From here to the push no
        // Python code runs.
        let len = positional.len();
        if memo.as_slice().iter().any(|e| e.len == len && e.types == types) {
            return;
        }
        let _ = memo.push(py, MemoEntry { types, len, candidate, pass, fast });
    }

    unsafe fn merge_keywords(
        &self,
        py: Python<'_>,
        info: &FunctionInfo,
        positional: &[*mut ffi::PyObject],
        keywords: &[*mut ffi::PyObject],
        kwnames: *mut ffi::PyObject,
    ) -> Result<Vec<*mut ffi::PyObject>, Rejection> {
        let mut slots: Vec<*mut ffi::PyObject> = vec![std::ptr::null_mut(); info.params.len()];
        if positional.len() > slots.len() {
            return Err(Rejection::Unsupported(format!("takes at most {} arguments", info.params.len())));
        }
        slots[..positional.len()].copy_from_slice(positional);
        let names = Bound::from_borrowed_ptr(py, kwnames).cast_into_unchecked::<pyo3::types::PyTuple>();
        for (i, value) in keywords.iter().enumerate() {
            let name: String = names.get_item(i).and_then(|n| n.extract()).unwrap_or_default();
            let Some(index) = info.params.iter().position(|p| p.name == name) else {
                return Err(Rejection::Unsupported(format!("unexpected keyword argument '{name}'")));
            };
            if !slots[index].is_null() {
                return Err(Rejection::Unsupported(format!("got multiple values for argument '{name}'")));
            }
            slots[index] = *value;
        }
        let count = slots.iter().rposition(|s| !s.is_null()).map_or(0, |i| i + 1);
        if let Some(missing) = slots.iter().zip(&info.params).position(|(s, p)| s.is_null() && !p.has_default) {
            return Err(Rejection::Unsupported(format!("missing argument for parameter '{}'", info.params[missing].name)));
        }
        // Without a gap the ordinary thunk takes the given prefix; with one,
        // every parameter is passed and null slots mean "use the default".
        if slots[..count].iter().all(|s| !s.is_null()) {
            slots.truncate(count);
        }
        Ok(slots)
    }

    unsafe fn attempt(
        &self,
        py: Python<'_>,
        prepared: &Prepared,
        index: usize,
        receiver: *mut ffi::PyObject,
        args: &[*mut ffi::PyObject],
        pass: Pass,
    ) -> Attempt {
        let candidate = &prepared.candidates[index];
        let n = args.len();
        let with_gaps = has_gaps(args);
        if n < candidate.min_args || n > candidate.converters.len() {
            return Attempt::Rejected {
                param: None,
                // Worded as Python words its own arity errors (and cppyy its).
                why: Rejection::Unsupported(if n > candidate.converters.len() {
                    format!("takes at most {} arguments ({n} given)", candidate.converters.len())
                } else {
                    format!("takes at least {} arguments ({n} given)", candidate.min_args)
                }),
            };
        }

        let this: *mut c_void = match self.role {
            Role::Method => {
                let cls = self.class.as_ref().map_or(std::ptr::null_mut(), |c| c.as_ptr() as *mut ffi::PyTypeObject);
                match instance::receiver(py, receiver, cls) {
                    Ok(address) => address,
                    Err(e) => return Attempt::Failed(e),
                }
            }
            _ => std::ptr::null_mut(),
        };

        // Each converter writes the bytes its thunk reads; nothing reads the rest.
        let mut inline_slots: [std::mem::MaybeUninit<ArgSlot>; INLINE_ARGS] = [std::mem::MaybeUninit::uninit(); INLINE_ARGS];
        let mut inline_argv: [std::mem::MaybeUninit<*mut c_void>; INLINE_ARGS] = [std::mem::MaybeUninit::uninit(); INLINE_ARGS];
        let mut heap_slots;
        let mut heap_argv;
        let (slots, argv): (&mut [ArgSlot], &mut [*mut c_void]) = if n <= INLINE_ARGS {
            (
                std::slice::from_raw_parts_mut(inline_slots.as_mut_ptr() as *mut ArgSlot, n),
                std::slice::from_raw_parts_mut(inline_argv.as_mut_ptr() as *mut *mut c_void, n),
            )
        } else {
            heap_slots = vec![ArgSlot::default(); n];
            heap_argv = vec![std::ptr::null_mut::<c_void>(); n];
            (&mut heap_slots[..], &mut heap_argv[..])
        };
        if let Executor::Unsupported(why) = &candidate.executor {
            // Refused before calling: nothing could take the result.
            return Attempt::Failed(pyo3::exceptions::PyNotImplementedError::new_err(why.clone()));
        }
        let mut scratch = Scratch::default();
        for i in 0..n {
            if with_gaps && args[i].is_null() {
                argv[i] = std::ptr::null_mut();
                continue;
            }
            match candidate.converters[i].convert(py, args[i], &mut slots[i], pass, &mut scratch) {
                Ok(p) => argv[i] = p,
                Err(why) => return Attempt::Rejected { param: Some(i), why },
            }
        }

        let thunk = if with_gaps {
            candidate.thunk_with_defaults()
        } else {
            candidate.thunk()
        };
        let thunk = match thunk {
            Ok(t) => t,
            // The overload matched; what it needs is not there: that is the
            // error, not a reason to try other overloads.
            Err(link @ BackendError::Link { .. }) => return Attempt::Failed(crate::errors::backend_error(link)),
            Err(why) => return Attempt::Rejected { param: None, why: Rejection::Unsupported(why.to_string()) },
        };
        let mut ret = ArgSlot::default();
        let mut err = ThunkError::default();
        let guard = self.settings.signals_as_exception.load(Ordering::Relaxed).then(signals::Enabled::new);
        let rc = if self.settings.release_gil.load(Ordering::Relaxed) {
            // Arguments are converted and held: the C++ code touches no
            // Python object (callbacks into Python take the GIL again).
            // Through pyo3's `detach`, so that a callback on this thread
            // knows the GIL is no longer held even when this call is nested
            // inside another callback.
            let call = Detached { thunk, this, n: n as c_int, argv: argv.as_mut_ptr(), ret: &mut ret as *mut ArgSlot as *mut c_void, err: &mut err };
            py.detach(move || call.run())
        } else {
            signals::call(thunk, this, n as c_int, argv.as_mut_ptr(), &mut ret as *mut ArgSlot as *mut c_void, &mut err)
        };
        drop(guard);
        if rc != 0 {
            let error = thunk_error(py, &mut err, rc);
            return if callee_raised(rc) { Attempt::Threw(error) } else { Attempt::Failed(error) };
        }
        if self.role == Role::Constructor {
            let address = ret.ptr;
            if !crate::instance::is_proxy(py, receiver) {
                return Attempt::Failed(PyTypeError::new_err("a C++ constructor needs a C++ class proxy to construct into"));
            }
            let object = crate::instance::state(receiver);
            object.adopt(address, prepared.deleter);
            object.register(py, receiver);
            // The object may keep pointers into the buffers it was given
            // (`Info(np.array(...), n)` of an aggregate `{double* data; int n;}`).
            for (i, converter) in candidate.converters.iter().enumerate().take(n) {
                let arg = args[i];
                if matches!(converter, Converter::BufferPointer(_)) && !arg.is_null() && ffi::PyObject_CheckBuffer(arg) != 0 {
                    object.keep(Py::from_borrowed_ptr(py, arg));
                }
            }
            return Attempt::Done(py.None());
        }
        let result = candidate.executor.execute(py, &ret as *const ArgSlot as *const c_void);
        // What the arguments were made into (a `str`'s `wchar_t` copy, a
        // temporary object) lives until the result is read, as C++'s
        // temporaries live to the end of the full expression: the result
        // may point into them (`const wchar_t* echo(const wchar_t* s)`).
        drop(scratch);
        let owner = match self.role {
            Role::Method => receiver,
            _ if self.receiver_first && n > 0 => args[0],
            _ => std::ptr::null_mut(),
        };
        if let (Ok(result), false) = (&result, owner.is_null()) {
            let receiver = owner;
            // A method's result may refer into its object: a lifeline, for
            // a proxy made for this result only (one already known may be
            // what keeps the receiver, and a cycle would never be freed).
            // Cheapest test first: most results (numbers, shared objects)
            // are not a proxy made for this call.
            if ffi::Py_REFCNT(result.as_ptr()) == 1
                && result.as_ptr() != receiver
                && crate::instance::is_proxy(py, result.as_ptr())
                && crate::instance::is_proxy(py, receiver)
            {
                crate::instance::state(result.as_ptr()).keep_alive(Py::from_borrowed_ptr(py, receiver));
            }
        }
        match result {
            Ok(result) if self.settings.creates.load(Ordering::Relaxed) && crate::instance::is_proxy(py, result.as_ptr()) => {
                match result.bind(py).setattr("__python_owns__", true) {
                    Ok(()) => Attempt::Done(result),
                    Err(e) => Attempt::Failed(e),
                }
            }
            Ok(result) => Attempt::Done(result),
            Err(e) => Attempt::Failed(e),
        }
    }

    /// What a search in which some overloads raised reports: an exception
    /// raised by the only overload that raised is the error (the others did
    /// not take the arguments), as in cppyy; exceptions of one type from
    /// several are that exception (the first) unless a conversion raised
    /// too; anything else is the `TypeError` listing every overload. (cppyy
    /// makes a `TypeError` also when another overload merely refused the
    /// argument types: `YAML::Load("a: [")` would then not raise
    /// `YAML::ParserException`, as its `std::istream&` overload refuses a
    /// `str`.)
    #[cold]
    fn raised_instead(&self, py: Python<'_>, thrown: &mut Vec<(usize, PyErr)>, rejections: &[(usize, Option<usize>, Rejection)]) -> Option<PyErr> {
        match thrown.len() {
            0 => None,
            1 => thrown.pop().map(|(_, e)| e),
            _ => {
                let first = thrown[0].1.get_type(py);
                let conversion_raised = rejections.iter().any(|(_, _, r)| matches!(r, Rejection::ConstructionFailed(_)));
                if conversion_raised || !thrown.iter().all(|(_, e)| e.get_type(py).is(&first)) {
                    return None;
                }
                let chosen = thrown.remove(0).1;
                for (_, other) in thrown.drain(..) {
                    released(py, other);
                }
                Some(chosen)
            }
        }
    }

    fn class_name(&self, py: Python<'_>) -> String {
        self.class
            .as_ref()
            .and_then(|c| c.bind(py).name().ok().map(|n| n.to_string()))
            .unwrap_or_else(|| "C++".into())
    }

    #[cold]
    unsafe fn no_match(
        &self,
        py: Python<'_>,
        prepared: &Prepared,
        positional: &[*mut ffi::PyObject],
        keywords: &[*mut ffi::PyObject],
        kwnames: *mut ffi::PyObject,
        rejections: Vec<(usize, Option<usize>, Rejection)>,
    ) -> PyErr {
        let type_name = |o: *mut ffi::PyObject| {
            Bound::from_borrowed_ptr(py, o).get_type().name().map(|n| n.to_string()).unwrap_or_default()
        };
        let mut given: Vec<String> = positional.iter().map(|o| type_name(*o)).collect();
        if !kwnames.is_null() {
            let names = Bound::from_borrowed_ptr(py, kwnames).cast_into_unchecked::<pyo3::types::PyTuple>();
            for (i, o) in keywords.iter().enumerate() {
                let name: String = names.get_item(i).and_then(|n| n.extract()).unwrap_or_default();
                given.push(format!("{name}={}", type_name(*o)));
            }
        }
        let mut lines = Vec::new();
        let all_range = !rejections.is_empty() && rejections.iter().all(|(_, _, r)| matches!(r, Rejection::OutOfRange));
        let all_not_moved = !rejections.is_empty() && rejections.iter().all(|(_, _, r)| matches!(r, Rejection::NotMoved));
        for (index, param, why) in &rejections {
            let info = &prepared.candidates[*index].info;
            // Each reason is named by the Python exception it stands for, as
            // cppyy words them ("TypeError: takes at most 0 arguments (1 given)").
            let kind = match why {
                Rejection::Raised(_) => "",
                Rejection::OutOfRange => "ValueError: ",
                _ => "TypeError: ",
            };
            let reason = match (param, why) {
                (_, Rejection::Unsupported(text)) => text.clone(),
                (_, Rejection::Raised(text)) => format!("raised {text}"),
                (Some(i), r) => {
                    let p = &info.params[*i];
                    let pname = if p.name.is_empty() { String::new() } else { format!(" '{}'", p.name) };
                    let got = positional.get(*i).map_or_else(|| "keyword argument".to_string(), |o| type_name(*o));
                    match (r, r.explain_pointer(&p.ty, &got)) {
                        (_, Some(text)) => format!("argument {}{pname}: {text}", i + 1),
                        (Rejection::OutOfRange, _) => format!("argument {}{pname}: value out of range for '{}'", i + 1, typename::readable(&p.ty.spelling)),
                        (Rejection::NullObject, _) => format!("argument {}{pname}: the '{got}' object is null", i + 1),
                        (Rejection::NotMoved, _) => format!(
                            "argument {}{pname}: '{}' takes a temporary or a moved object: pass std.move(x)",
                            i + 1,
                            typename::readable(&p.ty.spelling)
                        ),
                        (Rejection::ConstructionFailed(e), _) => format!("argument {}{pname}: cannot make a '{}' from '{got}': {e}", i + 1, typename::readable(&p.ty.spelling)),
                        _ => format!("argument {}{pname}: expected '{}', got '{got}'", i + 1, typename::readable(&p.ty.spelling)),
                    }
                }
                (None, _) => "not applicable".into(),
            };
            lines.push(format!("  {} =>\n    {kind}{reason}", info.signature));
        }
        for info in self.functions.iter().filter(|f| f.is_deleted || f.access != Access::Public) {
            let why = if info.is_deleted { "deleted" } else { "not public" };
            lines.push(format!("  {} =>\n    TypeError: {why}", info.signature));
        }
        let what = match self.role {
            Role::Constructor => format!("constructor of '{}'", self.class_name(py)),
            _ => format!("'{}'", self.name),
        };
        let message = if lines.is_empty() {
            format!("{what} has no callable overload")
        } else {
            format!("no overload of {what} matches the arguments ({}):\n{}", given.join(", "), lines.join("\n"))
        };
        if all_range {
            crate::errors::out_of_range(message)
        } else if all_not_moved {
            crate::errors::not_moved(message)
        } else {
            PyTypeError::new_err(message)
        }
    }
}

/// One parameter of a signature string without its name and default
/// (`const std::string& name = "x"` → `const std::string&`). A last word is
/// a name when something other than a qualifier or a builtin type word
/// precedes it.
fn without_parameter_name(param: &str) -> &str {
    let param = param.split('=').next().unwrap_or(param).trim();
    let Some(start) = param.rfind(|c: char| !(c.is_alphanumeric() || c == '_')) else { return param };
    let (head, last) = (param[..=start].trim_end(), &param[start + 1..]);
    const TYPE_WORDS: &[&str] = &["const", "volatile", "unsigned", "signed", "short", "long", "int", "char", "double", "float", "bool", "void"];
    let head_words: Vec<&str> = head.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| !w.is_empty()).collect();
    let only_qualifiers = head_words.iter().all(|w| *w == "const" || *w == "volatile" || *w == "struct" || *w == "class" || *w == "enum");
    if last.is_empty() || TYPE_WORDS.contains(&last) || head.is_empty() || head.ends_with("::") || (only_qualifiers && !head.ends_with(['*', '&'])) {
        return param;
    }
    head
}


/// A thunk call made with the GIL released.
struct Detached {
    thunk: ThunkFn,
    this: *mut c_void,
    n: c_int,
    argv: *mut *mut c_void,
    ret: *mut c_void,
    err: *mut ThunkError,
}

// The pointers are to the calling thread's stack, which waits for the call.
unsafe impl Send for Detached {}

impl Detached {
    fn run(self) -> c_int {
        unsafe { signals::call(self.thunk, self.this, self.n, self.argv, self.ret, self.err) }
    }
}

/// The text of an error the search moves past (`ExcType: message`),
/// released at once: the call runs outside pyo3's entry points, where
/// dropping the error would only queue its references.
fn released(py: Python<'_>, error: PyErr) -> String {
    let kind = error.get_type(py).name().map(|n| n.to_string()).unwrap_or_default();
    let text = format!("{kind}: {error}");
    error.restore(py);
    unsafe { ffi::PyErr_Clear() };
    text
}

/// Frees what a thunk kept of a thrown exception.
fn release_exception(keep: *mut c_void) {
    static RELEASE: OnceLock<Option<cpplive_core::thunk::ReleaseExceptionFn>> = OnceLock::new();
    let release = publish(&RELEASE, || with_backend(|b| b.exception_releaser().map_err(crate::errors::backend_error)).ok());
    if let Some(release) = release {
        unsafe { release(keep) };
    }
}

/// Turns a failed call's result (a thunk's error report, or a fatal signal
/// under `signals_as_exception`) into the Python exception.
pub fn thunk_error(py: Python<'_>, err: &mut ThunkError, rc: c_int) -> PyErr {
    let take = |p: *mut std::ffi::c_char| -> String {
        if p.is_null() {
            return String::new();
        }
        let text = unsafe { std::ffi::CStr::from_ptr(p) }.to_string_lossy().into_owned();
        unsafe { libc::free(p as *mut c_void) };
        text
    };
    if rc == 2 {
        return PyTypeError::new_err("wrong number of arguments for the C++ call");
    }
    if rc == signals::FAULTED {
        return crate::errors::fault(py, &signals::last_fault());
    }
    let type_name = take(err.type_name);
    let what = take(err.what);
    if type_name == cpplive_core::thunk::PYTHON_ERROR_TYPE {
        if !err.keep.is_null() {
            release_exception(err.keep);
            err.keep = std::ptr::null_mut();
        }
        // A callback's exception; else one C++ threw itself after setting
        // Python's error indicator (as code written for cppyy does).
        // Otherwise it carries one raised on another thread (`what()` is
        // its traceback).
        return crate::callback::take_pending().or_else(|| PyErr::take(py)).unwrap_or_else(|| {
            PyRuntimeError::new_err(format!("a Python callback called by C++ on another thread raised (its traceback was printed there):\n{what}"))
        });
    }
    if !err.keep.is_null() {
        let object = if err.object.is_null() { None } else { crate::errors::cpp_exception_object(py, &type_name, &what, err.object) };
        release_exception(err.keep);
        err.keep = std::ptr::null_mut();
        if let Some(raised) = object {
            return raised;
        }
    }
    crate::errors::cpp_exception(py, &type_name, &what)
}
