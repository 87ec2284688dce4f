//! The live backend: clang 19's incremental interpreter in this process.
//! Reflection answers are cached here, so a second question about the same
//! scope never crosses into C++.

mod codecache;
mod entry;
mod ffi;
mod interactive;
mod jit;
mod libindex;
mod link;
mod pch;
mod reflect;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cpplive_core::error::{BackendError, Result};
use cpplive_core::model::{Entity, EnumeratorInfo, FieldInfo, FunctionInfo, ScopeInfo};
use cpplive_core::thunk::{AddressFn, AssignFn, BitGetFn, BitSetFn, CloneFn, DeleterFn, ReleaseExceptionFn, DynamicTypeFn, FunctionMakerFn, SmartGetFn, StringViewFn, ThunkFn, UpcastFn};
use cpplive_core::{Backend, ScopeId, TypeRef};

use ffi::bridge;

/// Where Debian's LLVM lives, found at build time.
const LLVM_LIBDIR: &str = env!("CPPLIVE_LLVM_LIBDIR");
const LLVM_MAJOR: &str = env!("CPPLIVE_LLVM_MAJOR");
const LLVM_VERSION_MM: &str = env!("CPPLIVE_LLVM_VERSION_MM");

/// Options the interpreter is created with.
pub use cpplive_core::live::CompilerOptions as ClangOptions;

pub struct ClangBackend {
    session: cxx::UniquePtr<bridge::Session>,
    /// Objects of earlier runs, reused for modules of the same IR.
    code: codecache::CodeCache,
    include_paths: Vec<PathBuf>,
    scopes: HashMap<ScopeId, Arc<ScopeInfo>>,
    methods: HashMap<ScopeId, Arc<Vec<FunctionInfo>>>,
    fields: HashMap<ScopeId, Arc<Vec<FieldInfo>>>,
    enumerators: HashMap<ScopeId, Arc<Vec<EnumeratorInfo>>>,
    jit: jit::ThunkCache,
    link: link::Linker,
}

// The session is only ever used by one thread at a time (the proxy layer
// serializes access); clang itself has no thread affinity.
unsafe impl Send for ClangBackend {}

impl ClangBackend {
    fn arguments(options: &ClangOptions) -> Vec<String> {
        let resource_dir = Path::new(LLVM_LIBDIR).join("clang").join(LLVM_MAJOR);
        let mut args = vec![
            "-xc++".to_string(),
            format!("-std={}", options.std),
            "-resource-dir".to_string(),
            resource_dir.display().to_string(),
            "-fexceptions".to_string(),
            "-fcxx-exceptions".to_string(),
            "-O2".to_string(),
            // Code made here runs only on this machine: compiled for its
            // CPU, as cppyy does (`__AVX__` where there is AVX); the user's
            // own `-march=` comes later and wins. Virtual CPUs can report
            // feature sets clang warns about on every input.
            "-march=native".to_string(),
            "-Wno-invalid-feature-combination".to_string(),
            "-Wno-unused-value".to_string(),
            // A narrowing conversion in braces is a warning, as in cppyy's
            // interpreter (`C{a * b}` with `C = float` instantiates there).
            "-Wno-error=c++11-narrowing".to_string(),
        ];
        args.extend(options.extra_args.iter().cloned());
        args
    }

    fn with_session(args: &[String]) -> Result<ClangBackend> {
        let mut session = bridge::new_session(args).map_err(|e| BackendError::Internal(e.what().to_string()))?;
        // CPPLIVE_NO_GUARD: parse in this process only (faster, but clang's
        // own failure paths can then end the process; see shim/guard.cpp).
        session
            .pin_mut()
            .allow_guarding(std::env::var_os("CPPLIVE_NO_GUARD").is_none())
            .map_err(|e| BackendError::Internal(e.what().to_string()))?;
        // Inputs a dry run accepted are remembered for the next run of the
        // same program (shim/verdicts.cpp); CPPLIVE_NO_VERDICT_CACHE: not.
        if std::env::var_os("CPPLIVE_NO_VERDICT_CACHE").is_none() {
            if let Some(root) = pch::cache_root() {
                let dir = root.join("verdicts");
                session
                    .pin_mut()
                    .remember_verdicts(&dir.display().to_string())
                    .map_err(|e| BackendError::Internal(e.what().to_string()))?;
            }
        }
        let code = codecache::CodeCache::new(args);
        session.pin_mut().keep_objects(code.enabled()).map_err(|e| BackendError::Internal(e.what().to_string()))?;
        Ok(ClangBackend {
            session,
            code,
            include_paths: Vec::new(),
            scopes: HashMap::new(),
            methods: HashMap::new(),
            fields: HashMap::new(),
            enumerators: HashMap::new(),
            jit: jit::ThunkCache::default(),
            link: link::Linker::default(),
        })
    }

    /// A new interpreter with the standard library ready: from the cached
    /// precompiled header when possible, else parsed as text.
    pub fn new(options: &ClangOptions) -> Result<ClangBackend> {
        let args = Self::arguments(options);
        let headers = cpplive_core::thunkgen::STANDARD_HEADERS;
        let pch = if std::env::var_os("CPPLIVE_NO_PCH").is_some() {
            Err("disabled by CPPLIVE_NO_PCH".to_string())
        } else {
            let text = format!("{}{}", cpplive_core::thunkgen::PRELUDE, cpplive_core::thunkgen::PRECOMPILED_INSTANTIATIONS);
            pch::ensure(Path::new(LLVM_LIBDIR), &args, headers, &text)
        };
        let mut backend = match pch {
            Ok(p) => match ClangBackend::with_pch(&args, &p) {
                Ok(b) => Some(b),
                Err(why) => {
                    p.mark_failed(&why);
                    pch_unusable(&why);
                    None
                }
            },
            Err(why) => {
                if std::env::var_os("CPPLIVE_NO_PCH").is_none() {
                    pch_unusable(&why);
                }
                None
            }
        };
        if backend.is_none() {
            let mut b = ClangBackend::with_session(&args)?;
            let includes: String = headers.iter().map(|h| format!("#include <{h}>\n")).collect();
            b.declare_setup(&includes)?;
            b.declare_setup(cpplive_core::thunkgen::PRELUDE)?;
            backend = Some(b);
        }
        Ok(backend.unwrap())
    }

    /// An interpreter on the precompiled header, checked by the probe the
    /// first time this PCH is used.
    fn with_pch(args: &[String], pch: &pch::Pch) -> std::result::Result<ClangBackend, String> {
        let mut with_pch = args.to_vec();
        with_pch.push("-include-pch".into());
        with_pch.push(pch.pch.display().to_string());
        let mut backend = ClangBackend::with_session(&with_pch).map_err(|e| format!("the interpreter rejected it: {e}"))?;
        backend.load_library(&pch.library).map_err(|e| format!("its library did not load: {e}"))?;
        if !pch.verified() {
            backend.declare_setup(pch::PROBE).map_err(|e| format!("the probe did not compile: {e}"))?;
            let address = jit::symbol(&backend, pch::PROBE_SYMBOL).map_err(|e| format!("the probe did not link: {e}"))?;
            let probe: extern "C" fn() -> i32 = unsafe { std::mem::transmute(address) };
            let result = probe();
            if result != pch::PROBE_RESULT {
                return Err(format!("the probe returned {result} instead of {}", pch::PROBE_RESULT));
            }
            pch.mark_verified();
        }
        Ok(backend)
    }

    fn session(&mut self) -> std::pin::Pin<&mut bridge::Session> {
        self.session.pin_mut()
    }

    /// Code this crate generated and expects to compile (thunks and
    /// helpers): parsed without a dry run, see `compile`, and without
    /// access checks: a member reflection offers may name a type the
    /// caller cannot (`typedef Private Public;` as a result type, a
    /// protected member used from a Python subclass).
    pub(crate) fn declare_generated(&mut self, code: &str) -> Result<()> {
        self.session().set_access_checks(false).map_err(|e| BackendError::Internal(e.what().to_string()))?;
        // CPPLIVE_GUARD_GENERATED (set by the dictionary generator, which
        // tries thunks of instantiations nobody compiled before, where clang
        // itself may fail): generated code gets a dry run first, as user
        // input does. The live path parses its own code at once, for speed.
        let guarded = std::env::var_os("CPPLIVE_GUARD_GENERATED").is_some();
        let compiled = self.compile(code, guarded);
        let restored = self.session().set_access_checks(true).map_err(|e| BackendError::Internal(e.what().to_string()));
        self.forget_incomplete();
        compiled.and(restored)
    }

    /// The standard headers, the prelude and the probe: generated, but
    /// parsed as C++ says (access checks decide template arguments there).
    fn declare_setup(&mut self, code: &str) -> Result<()> {
        let compiled = self.compile(code, false);
        self.forget_incomplete();
        compiled
    }

    /// Declarations may complete classes that were incomplete before.
    fn forget_incomplete(&mut self) {
        self.scopes.retain(|_, s| s.is_complete);
    }
}

/// Said once per process: the precompiled standard library cannot serve.
fn pch_unusable(why: &str) {
    static SAID: std::sync::Once = std::sync::Once::new();
    SAID.call_once(|| {
        // The command lines are for CPPLIVE_DEBUG.
        let first_line = why.lines().next().unwrap_or(why).split(": \"").next().unwrap_or(why);
        eprintln!(
            "cpplive: the precompiled standard library is not used ({first_line}); the standard headers are parsed as text instead (slower start-up). CPPLIVE_DEBUG=1 shows more; CPPLIVE_NO_PCH=1 silences this."
        );
        debug_note(why);
    });
}

/// Why the fast start-up path was not taken, shown when CPPLIVE_DEBUG is set.
pub(crate) fn debug_note(text: &str) {
    if std::env::var_os("CPPLIVE_DEBUG").is_some() {
        eprintln!("cpplive: {text}");
    }
}

pub(crate) fn parse_error(e: cxx::Exception) -> BackendError {
    // Every input is "included" from the interpreter's own pseudo-file:
    // that line says nothing to a reader.
    let diagnostics: Vec<&str> = e.what().lines().filter(|l| *l != "In file included from <<< inputs >>>:1:").collect();
    BackendError::Parse { diagnostics: diagnostics.join("\n") }
}

impl Backend for ClangBackend {
    fn input_mark(&mut self) -> Result<u64> {
        self.interactive_mark()
    }

    fn shadow(&mut self, namespace: &str) -> Result<Vec<String>> {
        self.interactive_shadow(namespace)
    }

    fn undo(&mut self, mark: u64) -> Result<Vec<String>> {
        self.interactive_undo(mark)
    }

    fn declare(&mut self, code: &str) -> Result<()> {
        let compiled = self.compile(code, true);
        self.forget_incomplete();
        compiled
    }

    fn take_warnings(&mut self) -> Result<String> {
        self.session().take_warnings().map_err(|e| BackendError::Internal(e.what().to_string()))
    }

    fn declare_helper(&mut self, code: &str) -> Result<()> {
        // Set before the dry run forks, so that it sees the same rules.
        self.session().set_access_checks(false).map_err(|e| BackendError::Internal(e.what().to_string()))?;
        let compiled = self.compile(code, true);
        let restored = self.session().set_access_checks(true).map_err(|e| BackendError::Internal(e.what().to_string()));
        self.forget_incomplete();
        compiled.and(restored)
    }

    fn include(&mut self, header: &str, c_linkage: bool) -> Result<()> {
        let directive = if c_linkage {
            format!("extern \"C\" {{\n#include \"{header}\"\n}}\n")
        } else {
            format!("#include \"{header}\"\n")
        };
        match self.declare(&directive) {
            Ok(()) => Ok(()),
            Err(BackendError::Parse { diagnostics }) if diagnostics.contains("file not found") => {
                let mut searched: Vec<String> = self.include_paths.iter().map(|p| p.display().to_string()).collect();
                searched.push("the current directory and the system include paths".into());
                Err(BackendError::HeaderNotFound { header: header.to_string(), diagnostics: diagnostics.trim_end().to_string(), searched: searched.join(", ") })
            }
            Err(e) => Err(e),
        }
    }

    fn add_include_path(&mut self, dir: &Path) -> Result<()> {
        let text = dir.display().to_string();
        self.session().add_include_path(&text).map_err(|e| BackendError::NotFound {
            what: "include directory".into(),
            detail: e.what().to_string(),
        })?;
        self.include_paths.push(dir.to_path_buf());
        Ok(())
    }

    fn load_library(&mut self, path: &Path) -> Result<()> {
        let text = path.display().to_string();
        self.session().load_library(&text).map_err(|e| BackendError::LibraryNotFound {
            name: text.clone(),
            detail: e.what().to_string(),
            searched: text.clone(),
        })?;
        self.library_loaded()
    }

    fn lookup(&mut self, scope: ScopeId, name: &str) -> Result<Option<Entity>> {
        let records = self.session().lookup(scope.0, name).map_err(|e| BackendError::NotFound {
            what: format!("'{name}'"),
            detail: e.what().to_string(),
        })?;
        if records.is_empty() {
            return Ok(None);
        }
        let is_class = self.scope(scope)?.kind == cpplive_core::model::ScopeKind::Class;
        let class_spelling = if is_class { self.scope(scope)?.qualified.clone() } else { String::new() };
        if is_class && records.iter().all(|r| r.access != 0) {
            return Ok(Some(Entity::NonPublic));
        }
        // A name may stand for functions, function templates or both; any
        // other kind of entity is alone under its name.
        let mut has_functions = false;
        let mut template = None;
        for record in records.iter().filter(|r| r.access == 0) {
            match reflect::entity(record) {
                Some(Entity::Functions(_)) => has_functions = true,
                Some(Entity::FunctionTemplate { qualified, .. }) => template = template.or(Some(qualified)),
                Some(entity) => return Ok(Some(entity)),
                None => {}
            }
        }
        let functions: Vec<FunctionInfo> = if has_functions {
            let found = self.session().functions(scope.0, name).map_err(parse_error)?;
            found
                .iter()
                .filter(|f| f.access == 0)
                .map(|f| reflect::function(f, is_class.then_some(scope), &class_spelling))
                .collect()
        } else {
            Vec::new()
        };
        Ok(match template {
            Some(qualified) => Some(Entity::FunctionTemplate { qualified, overloads: functions }),
            None if functions.is_empty() => None,
            None => Some(Entity::Functions(functions)),
        })
    }

    fn scope(&mut self, scope: ScopeId) -> Result<Arc<ScopeInfo>> {
        if let Some(info) = self.scopes.get(&scope) {
            return Ok(info.clone());
        }
        let record = self.session().scope_info(scope.0).map_err(|e| BackendError::Internal(e.what().to_string()))?;
        let info = Arc::new(reflect::scope(&record));
        self.scopes.insert(scope, info.clone());
        Ok(info)
    }

    fn methods(&mut self, class: ScopeId) -> Result<Arc<Vec<FunctionInfo>>> {
        if let Some(found) = self.methods.get(&class) {
            return Ok(found.clone());
        }
        let spelling = self.scope(class)?.qualified.clone();
        let records = self.session().methods(class.0).map_err(|e| BackendError::Instantiation {
            what: spelling.clone(),
            diagnostics: e.what().to_string(),
        })?;
        let list: Vec<FunctionInfo> = records.iter().map(|r| reflect::function(r, Some(class), &spelling)).collect();
        let list = Arc::new(list);
        self.methods.insert(class, list.clone());
        Ok(list)
    }

    fn method_templates(&mut self, class: ScopeId) -> Result<Vec<String>> {
        let names = self.session().method_templates(class.0).map_err(|e| BackendError::Internal(e.what().to_string()))?;
        Ok(names.into_iter().collect())
    }

    fn fields(&mut self, class: ScopeId) -> Result<Arc<Vec<FieldInfo>>> {
        if let Some(found) = self.fields.get(&class) {
            return Ok(found.clone());
        }
        let records = self.session().fields(class.0).map_err(|e| BackendError::Internal(e.what().to_string()))?;
        let list = Arc::new(records.iter().map(reflect::field).collect::<Vec<_>>());
        self.fields.insert(class, list.clone());
        Ok(list)
    }

    fn enumerators(&mut self, scope: ScopeId) -> Result<Arc<Vec<EnumeratorInfo>>> {
        if let Some(found) = self.enumerators.get(&scope) {
            return Ok(found.clone());
        }
        let records =
            self.session().enumerators(scope.0).map_err(|e| BackendError::Internal(e.what().to_string()))?;
        let list = Arc::new(
            records.iter().map(|r| EnumeratorInfo { name: r.name.clone(), value: r.value }).collect::<Vec<_>>(),
        );
        self.enumerators.insert(scope, list.clone());
        Ok(list)
    }

    fn member_names(&mut self, scope: ScopeId) -> Result<Vec<String>> {
        if !self.scope(scope)?.is_complete {
            return Ok(Vec::new());
        }
        let records = self.session().member_names(scope.0).map_err(|e| BackendError::Internal(e.what().to_string()))?;
        let global = scope == ScopeId::GLOBAL;
        let mut names: Vec<String> =
            records.into_iter().filter(|r| r.is_public && !reflect::is_reserved(&r.name, global)).map(|r| r.name).collect();
        names.sort();
        Ok(names)
    }

    fn declarations(&mut self, scope: ScopeId) -> Result<Vec<cpplive_core::model::Declared>> {
        let records = self.session().declarations(scope.0).map_err(|e| BackendError::Internal(e.what().to_string()))?;
        Ok(records
            .into_iter()
            .filter_map(|r| {
                let kind = cpplive_core::model::DeclaredKind::from_code(r.kind)?;
                Some(cpplive_core::model::Declared { name: r.name, qualified: r.qualified, kind, file: r.file })
            })
            .collect())
    }

    fn resolve_type(&mut self, spelling: &str) -> Result<TypeRef> {
        let record = self.session().resolve_type(spelling).map_err(|e| BackendError::Instantiation {
            what: spelling.to_string(),
            diagnostics: e.what().to_string(),
        })?;
        self.forget_incomplete();
        Ok(reflect::type_ref(&record))
    }

    fn instantiate_function(
        &mut self,
        scope: ScopeId,
        name: &str,
        explicit_args: &[String],
        arg_types: &[String],
    ) -> Result<Vec<FunctionInfo>> {
        let records = self
            .session()
            .instantiate_function(scope.0, name, explicit_args, arg_types)
            .map_err(|e| BackendError::Instantiation { what: format!("function template '{name}'"), diagnostics: e.what().to_string() })?;
        self.forget_incomplete();
        let is_class = self.scope(scope)?.kind == cpplive_core::model::ScopeKind::Class;
        let class_spelling = if is_class { self.scope(scope)?.qualified.clone() } else { String::new() };
        Ok(records.iter().map(|r| reflect::function(r, is_class.then_some(scope), &class_spelling)).collect())
    }

    fn call_thunks(&mut self, functions: &[&FunctionInfo]) -> Result<Vec<Result<ThunkFn>>> {
        jit::call_thunks(self, functions)
    }

    fn call_thunk_with_defaults(&mut self, function: &FunctionInfo) -> Result<ThunkFn> {
        jit::call_thunk_with_defaults(self, function)
    }

    fn direct_call_thunk(&mut self, function: &FunctionInfo) -> Result<ThunkFn> {
        jit::direct_call_thunk(self, function)
    }

    fn deleter(&mut self, class: ScopeId) -> Result<DeleterFn> {
        let spelling = self.scope(class)?.qualified.clone();
        jit::deleter(self, class, &spelling)
    }

    fn dynamic_type(&mut self, class: ScopeId) -> Result<DynamicTypeFn> {
        let spelling = self.scope(class)?.qualified.clone();
        jit::dynamic_type(self, class, &spelling)
    }

    fn declare_dispatcher(&mut self, class: ScopeId, constructors: &[&FunctionInfo], virtuals: &[&FunctionInfo]) -> Result<ScopeId> {
        let base = self.scope(class)?.qualified.clone();
        let name = self.jit.next_symbol("dispatch");
        self.declare(&cpplive_core::thunkgen::dispatcher(&name, &base, constructors, virtuals))?;
        match self.lookup(ScopeId::GLOBAL, &name)? {
            Some(Entity::Class(id)) => Ok(id),
            _ => Err(BackendError::Internal(format!("dispatcher class '{name}' not found after declaring it"))),
        }
    }

    fn declare_multi_dispatcher(
        &mut self,
        bases: &[(ScopeId, Vec<&FunctionInfo>, Vec<cpplive_core::thunkgen::BaseConstruction<'_>>)],
        constructible: bool,
    ) -> Result<(ScopeId, String)> {
        let mut spelled = Vec::new();
        for (class, _, _) in bases {
            spelled.push(self.scope(*class)?.qualified.clone());
        }
        let borrowed: Vec<(&str, Vec<&FunctionInfo>, Vec<cpplive_core::thunkgen::BaseConstruction<'_>>)> =
            spelled.iter().zip(bases).map(|(s, (_, v, w))| (s.as_str(), v.clone(), w.clone())).collect();
        let name = self.jit.next_symbol("dispatch");
        self.declare(&cpplive_core::thunkgen::multi_dispatcher(&name, &borrowed, constructible))?;
        match self.lookup(ScopeId::GLOBAL, &name)? {
            Some(Entity::Class(id)) => Ok((id, name)),
            _ => Err(BackendError::Internal(format!("dispatcher class '{name}' not found after declaring it"))),
        }
    }

    fn function_maker(&mut self, class: ScopeId) -> Result<FunctionMakerFn> {
        let info = self.scope(class)?;
        let signature = info.std_function.clone().ok_or_else(|| BackendError::Internal(format!("'{}' is not a std::function", info.qualified)))?;
        jit::function_maker(self, class, &info.qualified, &signature)
    }

    fn function_pointer(&mut self, class: ScopeId, target: usize) -> Result<usize> {
        let info = self.scope(class)?;
        let signature = info.std_function.clone().ok_or_else(|| BackendError::Internal(format!("'{}' is not a std::function", info.qualified)))?;
        jit::function_pointer(self, &info.qualified, &signature, target)
    }

    fn function_from_pointer(&mut self, class: ScopeId) -> Result<CloneFn> {
        let info = self.scope(class)?;
        let signature = info.std_function.clone().ok_or_else(|| BackendError::Internal(format!("'{}' is not a std::function", info.qualified)))?;
        jit::function_from_pointer(self, class, &info.qualified, &signature)
    }

    fn function_address(&mut self, function: &FunctionInfo) -> Result<usize> {
        jit::function_address(self, function)
    }

    fn smart_get(&mut self, smart: ScopeId) -> Result<SmartGetFn> {
        let spelling = self.scope(smart)?.qualified.clone();
        jit::smart_get(self, smart, &spelling)
    }

    fn upcast(&mut self, derived: ScopeId, base: ScopeId) -> Result<UpcastFn> {
        let from = self.scope(derived)?.qualified.clone();
        let to = self.scope(base)?.qualified.clone();
        jit::upcast(self, &from, &to)
    }

    fn variable_address(&mut self, qualified: &str) -> Result<AddressFn> {
        jit::variable_address(self, qualified)
    }

    fn assigner(&mut self, ty: &TypeRef) -> Result<AssignFn> {
        jit::assigner(self, ty)
    }

    fn string_view(&mut self) -> Result<StringViewFn> {
        let address = jit::symbol(self, cpplive_core::thunkgen::STRING_VIEW_SYMBOL)?;
        Ok(unsafe { std::mem::transmute::<usize, StringViewFn>(address) })
    }

    fn exception_releaser(&mut self) -> Result<ReleaseExceptionFn> {
        let address = jit::symbol(self, cpplive_core::thunkgen::RELEASE_EXCEPTION_SYMBOL)?;
        Ok(unsafe { std::mem::transmute::<usize, ReleaseExceptionFn>(address) })
    }

    fn bitfield(&mut self, class: ScopeId, field: &str) -> Result<(BitGetFn, BitSetFn)> {
        let spelling = self.scope(class)?.qualified.clone();
        jit::bitfield(self, class, &spelling, field)
    }

    fn cloner(&mut self, class: ScopeId) -> Result<CloneFn> {
        let spelling = self.scope(class)?.qualified.clone();
        jit::cloner(self, class, &spelling)
    }

    fn string_deleter(&mut self) -> Result<DeleterFn> {
        let address = jit::symbol(self, cpplive_core::thunkgen::STRING_DELETE_SYMBOL)?;
        Ok(unsafe { std::mem::transmute::<usize, DeleterFn>(address) })
    }
}

#[cfg(test)]
mod tests;
