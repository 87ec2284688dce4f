//! The backend the proxy layer talks to: the loaded dictionaries, then the
//! clang backend. It owns the id ranges (a dictionary's scopes and
//! functions carry its range, see `ids::owner`), routes each question to
//! the backend that made the id, and asks global names of the dictionaries
//! first. The clang backend is made on the first question only it can
//! answer, or never, when the stack is dictionary-only
//! (`CPPLIVE_BACKEND=dictionary`): then such a question is an error saying
//! what is not covered and which dictionaries were searched.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::backend::Backend;
use crate::error::{BackendError, Result};
use crate::ids::{owner, Owner, ScopeId};
use crate::model::{Declared, Entity, EnumeratorInfo, FieldInfo, FunctionInfo, ScopeInfo, ScopeKind};
use crate::thunk::{AddressFn, AssignFn, BitGetFn, BitSetFn, CloneFn, DeleterFn, DynamicTypeFn, FunctionMakerFn, ReleaseExceptionFn, SmartGetFn, StringViewFn, ThunkFn, UpcastFn};
use crate::types::TypeRef;

/// Makes the clang backend when it is first needed.
pub type ClangMaker = fn() -> Result<Box<dyn Backend>>;

pub struct Dictionary {
    pub path: PathBuf,
    pub backend: Box<dyn Backend>,
}

pub struct Stack {
    dictionaries: Vec<Dictionary>,
    clang: Option<Box<dyn Backend>>,
    make_clang: Option<ClangMaker>,
    /// Why the clang backend could not be made, once that is known (its
    /// library is missing, or LLVM is): the stack is dictionary-only since.
    unavailable: Option<String>,
    /// Libraries loaded while the clang backend did not exist yet: it
    /// loads them when made (code it compiles may call into them).
    pending_libraries: Vec<PathBuf>,
}

impl Stack {
    /// `make_clang` is `None` for a dictionary-only stack.
    pub const fn new(make_clang: Option<ClangMaker>) -> Stack {
        Stack { dictionaries: Vec::new(), clang: None, make_clang, unavailable: None, pending_libraries: Vec::new() }
    }

    pub fn dictionary_only(&self) -> bool {
        self.make_clang.is_none()
    }

    pub fn has_clang(&self) -> bool {
        self.clang.is_some()
    }

    /// Installs a clang backend made elsewhere (the warm-up thread).
    pub fn set_clang(&mut self, clang: Box<dyn Backend>) {
        self.clang = Some(clang);
    }

    /// Drops the clang backend (compiler options changed before first use).
    pub fn reset_clang(&mut self) {
        self.clang = None;
    }

    /// The id range the next dictionary gets (its base).
    pub fn next_dictionary_base(&self) -> u64 {
        crate::ids::dictionary_base(self.dictionaries.len())
    }

    pub fn add_dictionary(&mut self, path: &Path, backend: Box<dyn Backend>) -> Result<()> {
        if let Some(clang) = self.clang.as_mut() {
            clang.load_library(path)?;
        } else if !self.dictionary_only() {
            self.pending_libraries.push(path.to_path_buf());
        }
        self.dictionaries.push(Dictionary { path: path.to_path_buf(), backend });
        Ok(())
    }

    pub fn dictionary_paths(&self) -> Vec<PathBuf> {
        self.dictionaries.iter().map(|d| d.path.clone()).collect()
    }

    fn searched(&self) -> String {
        if self.dictionaries.is_empty() {
            "no dictionary is loaded".into()
        } else {
            let names: Vec<String> = self.dictionaries.iter().map(|d| d.path.display().to_string()).collect();
            format!("dictionaries searched: {}", names.join(", "))
        }
    }

    /// Why no clang backend answers, for messages.
    fn why_no_clang(&self) -> String {
        match &self.unavailable {
            Some(why) => why.clone(),
            None => "CPPLIVE_BACKEND=dictionary excludes the clang backend".into(),
        }
    }

    /// The clang backend, made now if needed.
    pub fn clang(&mut self, what: &str) -> Result<&mut dyn Backend> {
        if self.clang.is_none() {
            let Some(make) = self.make_clang else {
                return Err(BackendError::Unsupported(format!(
                    "{what} is not covered by the loaded dictionaries, and {} ({})",
                    self.why_no_clang(),
                    self.searched()
                )));
            };
            let mut clang = match make() {
                Ok(clang) => clang,
                Err(BackendError::Unavailable(why)) => {
                    self.make_clang = None;
                    self.unavailable = Some(why);
                    return self.clang(what);
                }
                Err(e) => return Err(e),
            };
            for library in std::mem::take(&mut self.pending_libraries) {
                clang.load_library(&library)?;
            }
            self.clang = Some(clang);
        }
        Ok(self.clang.as_mut().unwrap().as_mut())
    }

    /// The clang backend, or `None` when the stack is dictionary-only
    /// (or has just become so, its library not loading).
    fn clang_if_any(&mut self, what: &str) -> Result<Option<&mut dyn Backend>> {
        if self.clang.is_none() && self.dictionary_only() {
            return Ok(None);
        }
        if let Err(e) = self.clang(what) {
            return if self.dictionary_only() { Ok(None) } else { Err(e) };
        }
        Ok(Some(self.clang.as_mut().unwrap().as_mut()))
    }

    fn backend_of(&mut self, id: u64, what: &str) -> Result<&mut dyn Backend> {
        match owner(id) {
            Owner::Clang => self.clang(what),
            Owner::Dictionary(k) => match self.dictionaries.get_mut(k) {
                Some(d) => Ok(d.backend.as_mut()),
                None => Err(BackendError::Internal(format!("id {id} names no loaded dictionary"))),
            },
        }
    }

    fn of_scope(&mut self, scope: ScopeId) -> Result<&mut dyn Backend> {
        self.backend_of(scope.0, "this scope")
    }

    /// A member goes where its class does: cpplive's own functions (the
    /// aggregate initializer) have ids of no backend.
    fn of_function(&mut self, function: &FunctionInfo) -> Result<&mut dyn Backend> {
        let id = function.class.map_or(function.id.0, |c| c.0);
        self.backend_of(id, &format!("'{}'", function.signature))
    }

    /// A namespace (by qualified name) in `backend`, walked from the
    /// global one: namespaces have no template arguments, so `::` splits.
    fn namespace_in(backend: &mut dyn Backend, qualified: &str) -> Result<Option<ScopeId>> {
        let mut scope = ScopeId::GLOBAL;
        for part in qualified.trim_start_matches("::").split("::").filter(|p| !p.is_empty()) {
            match backend.lookup(scope, part)? {
                Some(Entity::Namespace(id)) => scope = id,
                _ => return Ok(None),
            }
        }
        Ok(Some(scope))
    }

    /// `name` in the namespace `qualified` of every backend but `skip`:
    /// the dictionaries in load order, then clang.
    fn lookup_elsewhere(&mut self, qualified: &str, name: &str, skip: Owner) -> Result<Option<Entity>> {
        for k in 0..self.dictionaries.len() {
            if skip == Owner::Dictionary(k) {
                continue;
            }
            let backend = self.dictionaries[k].backend.as_mut();
            if let Some(ns) = Self::namespace_in(backend, qualified)? {
                if let Some(found) = backend.lookup(ns, name)? {
                    return Ok(Some(found));
                }
            }
        }
        if skip == Owner::Clang {
            return Ok(None);
        }
        let Some(clang) = self.clang_if_any(&format!("'{name}'"))? else {
            return Ok(None);
        };
        match Self::namespace_in(clang, qualified)? {
            Some(ns) => clang.lookup(ns, name),
            None => Ok(None),
        }
    }

    /// Answers a question of the clang backend's when it exists, else of
    /// the first dictionary (the process-wide helpers every dictionary holds).
    fn any(&mut self, what: &str) -> Result<&mut dyn Backend> {
        if self.clang.is_none() && !self.dictionaries.is_empty() {
            return Ok(self.dictionaries[0].backend.as_mut());
        }
        self.clang(what)
    }
}

fn same_owner(functions: &[&FunctionInfo]) -> bool {
    let home = |f: &FunctionInfo| owner(f.class.map_or(f.id.0, |c| c.0));
    functions.windows(2).all(|w| home(w[0]) == home(w[1]))
}

impl Backend for Stack {
    fn declare(&mut self, code: &str) -> Result<()> {
        self.clang("declaring C++ code")?.declare(code)
    }

    fn declare_helper(&mut self, code: &str) -> Result<()> {
        self.clang("declaring C++ code")?.declare_helper(code)
    }

    fn take_warnings(&mut self) -> Result<String> {
        // Dictionaries compile nothing: only the clang backend, if made, warns.
        match self.clang.as_mut() {
            Some(clang) => clang.take_warnings(),
            None => Ok(String::new()),
        }
    }

    fn include(&mut self, header: &str, c_linkage: bool) -> Result<()> {
        self.clang(&format!("including '{header}'"))?.include(header, c_linkage)
    }

    fn add_include_path(&mut self, dir: &Path) -> Result<()> {
        self.clang("an include path")?.add_include_path(dir)
    }

    fn load_library(&mut self, path: &Path) -> Result<()> {
        match self.clang_if_any("loading a library")? {
            Some(clang) => clang.load_library(path),
            None => crate::library_search::load_global(path),
        }
    }

    fn input_mark(&mut self) -> Result<u64> {
        // No inputs are counted where no compiler takes them: the input
        // that asks is refused next, naming itself.
        match self.clang_if_any("interactive redefinition")? {
            Some(clang) => clang.input_mark(),
            None => Ok(0),
        }
    }

    fn shadow(&mut self, namespace: &str) -> Result<Vec<String>> {
        self.clang("interactive redefinition")?.shadow(namespace)
    }

    fn undo(&mut self, mark: u64) -> Result<Vec<String>> {
        self.clang("undo")?.undo(mark)
    }

    fn lookup(&mut self, scope: ScopeId, name: &str) -> Result<Option<Entity>> {
        if scope == ScopeId::GLOBAL {
            for d in &mut self.dictionaries {
                if let Some(found) = d.backend.lookup(scope, name)? {
                    return Ok(Some(found));
                }
            }
            return match self.clang_if_any(&format!("'{name}'"))? {
                Some(clang) => clang.lookup(scope, name),
                None => Ok(None),
            };
        }
        let home = owner(scope.0);
        let info = self.of_scope(scope)?.scope(scope)?;
        if let Some(found) = self.of_scope(scope)?.lookup(scope, name)? {
            return Ok(Some(found));
        }
        // A namespace may be reopened in several dictionaries and in code
        // clang declared.
        if info.kind == ScopeKind::Namespace {
            return self.lookup_elsewhere(&info.qualified, name, home);
        }
        Ok(None)
    }

    fn scope(&mut self, scope: ScopeId) -> Result<Arc<ScopeInfo>> {
        if scope == ScopeId::GLOBAL {
            return self.any("the global namespace")?.scope(scope);
        }
        self.of_scope(scope)?.scope(scope)
    }

    fn methods(&mut self, class: ScopeId) -> Result<Arc<Vec<FunctionInfo>>> {
        self.of_scope(class)?.methods(class)
    }

    fn method_templates(&mut self, class: ScopeId) -> Result<Vec<String>> {
        self.of_scope(class)?.method_templates(class)
    }

    fn fields(&mut self, class: ScopeId) -> Result<Arc<Vec<FieldInfo>>> {
        self.of_scope(class)?.fields(class)
    }

    fn enumerators(&mut self, scope: ScopeId) -> Result<Arc<Vec<EnumeratorInfo>>> {
        self.of_scope(scope)?.enumerators(scope)
    }

    fn member_names(&mut self, scope: ScopeId) -> Result<Vec<String>> {
        let info = self.scope(scope)?;
        let home = owner(scope.0);
        let mut names = if scope == ScopeId::GLOBAL { Vec::new() } else { self.of_scope(scope)?.member_names(scope)? };
        if info.kind == ScopeKind::Namespace {
            let qualified = info.qualified.clone();
            for k in 0..self.dictionaries.len() {
                if home == Owner::Dictionary(k) && scope != ScopeId::GLOBAL {
                    continue;
                }
                let backend = self.dictionaries[k].backend.as_mut();
                if let Some(ns) = Self::namespace_in(backend, &qualified)? {
                    names.extend(backend.member_names(ns)?);
                }
            }
            if let Some(clang) = self.clang.as_mut() {
                if home != Owner::Clang || scope == ScopeId::GLOBAL {
                    if let Some(ns) = Self::namespace_in(clang.as_mut(), &qualified)? {
                        names.extend(clang.member_names(ns)?);
                    }
                }
            }
        }
        names.sort();
        names.dedup();
        Ok(names)
    }

    fn declarations(&mut self, scope: ScopeId) -> Result<Vec<Declared>> {
        if scope == ScopeId::GLOBAL {
            if let Some(clang) = self.clang_if_any("listing declarations")? {
                return clang.declarations(scope);
            }
            let mut all = Vec::new();
            for d in &mut self.dictionaries {
                all.extend(d.backend.declarations(scope)?);
            }
            return Ok(all);
        }
        self.of_scope(scope)?.declarations(scope)
    }

    fn resolve_type(&mut self, spelling: &str) -> Result<TypeRef> {
        let mut refused = Vec::new();
        for d in &mut self.dictionaries {
            match d.backend.resolve_type(spelling) {
                Ok(ty) => return Ok(ty),
                Err(e) => refused.push(e),
            }
        }
        if let Some(clang) = self.clang_if_any(&format!("type '{spelling}'"))? {
            return clang.resolve_type(spelling);
        }
        Err(BackendError::NotFound {
            what: format!("type '{spelling}'"),
            detail: format!("no loaded dictionary knows it, and {} ({})", self.why_no_clang(), self.searched()),
        })
    }

    fn instantiate_function(&mut self, scope: ScopeId, name: &str, explicit_args: &[String], arg_types: &[String]) -> Result<Vec<FunctionInfo>> {
        let what = format!("instantiating '{name}'");
        if scope == ScopeId::GLOBAL {
            return self.clang(&what)?.instantiate_function(scope, name, explicit_args, arg_types);
        }
        self.backend_of(scope.0, &what)?.instantiate_function(scope, name, explicit_args, arg_types)
    }

    fn call_thunks(&mut self, functions: &[&FunctionInfo]) -> Result<Vec<Result<ThunkFn>>> {
        if functions.is_empty() {
            return Ok(Vec::new());
        }
        if same_owner(functions) {
            return self.of_function(functions[0])?.call_thunks(functions);
        }
        let mut out = Vec::with_capacity(functions.len());
        for f in functions {
            out.extend(self.of_function(f)?.call_thunks(&[f])?);
        }
        Ok(out)
    }

    fn call_thunk_with_defaults(&mut self, function: &FunctionInfo) -> Result<ThunkFn> {
        self.of_function(function)?.call_thunk_with_defaults(function)
    }

    fn direct_call_thunk(&mut self, function: &FunctionInfo) -> Result<ThunkFn> {
        self.of_function(function)?.direct_call_thunk(function)
    }

    fn deleter(&mut self, class: ScopeId) -> Result<DeleterFn> {
        self.of_scope(class)?.deleter(class)
    }

    fn dynamic_type(&mut self, class: ScopeId) -> Result<DynamicTypeFn> {
        self.of_scope(class)?.dynamic_type(class)
    }

    fn declare_dispatcher(&mut self, class: ScopeId, constructors: &[&FunctionInfo], virtuals: &[&FunctionInfo]) -> Result<ScopeId> {
        self.of_scope(class)?.declare_dispatcher(class, constructors, virtuals)
    }

    fn declare_multi_dispatcher(
        &mut self,
        bases: &[(ScopeId, Vec<&FunctionInfo>, Vec<crate::thunkgen::BaseConstruction<'_>>)],
        constructible: bool,
    ) -> Result<(ScopeId, String)> {
        // Made where the first base is; the others must be known there too.
        let first = bases.first().map_or(ScopeId::GLOBAL, |(b, _, _)| *b);
        self.of_scope(first)?.declare_multi_dispatcher(bases, constructible)
    }

    fn function_maker(&mut self, class: ScopeId) -> Result<FunctionMakerFn> {
        self.of_scope(class)?.function_maker(class)
    }

    fn function_pointer(&mut self, class: ScopeId, target: usize) -> Result<usize> {
        self.of_scope(class)?.function_pointer(class, target)
    }

    fn function_from_pointer(&mut self, class: ScopeId) -> Result<CloneFn> {
        self.of_scope(class)?.function_from_pointer(class)
    }

    fn function_address(&mut self, function: &FunctionInfo) -> Result<usize> {
        self.of_function(function)?.function_address(function)
    }

    fn smart_get(&mut self, smart: ScopeId) -> Result<SmartGetFn> {
        self.of_scope(smart)?.smart_get(smart)
    }

    fn upcast(&mut self, derived: ScopeId, base: ScopeId) -> Result<UpcastFn> {
        self.of_scope(derived)?.upcast(derived, base)
    }

    fn variable_address(&mut self, qualified: &str) -> Result<AddressFn> {
        for d in &mut self.dictionaries {
            if let Ok(found) = d.backend.variable_address(qualified) {
                return Ok(found);
            }
        }
        self.clang(&format!("the variable '{qualified}'"))?.variable_address(qualified)
    }

    fn assigner(&mut self, ty: &TypeRef) -> Result<AssignFn> {
        if let Some(class) = ty.class_id() {
            if owner(class) != Owner::Clang {
                return self.backend_of(class, &format!("assigning a '{ty}'"))?.assigner(ty);
            }
        }
        for d in &mut self.dictionaries {
            if let Ok(found) = d.backend.assigner(ty) {
                return Ok(found);
            }
        }
        self.clang(&format!("assigning a '{ty}'"))?.assigner(ty)
    }

    fn string_view(&mut self) -> Result<StringViewFn> {
        self.any("std::string")?.string_view()
    }

    fn string_deleter(&mut self) -> Result<DeleterFn> {
        self.any("std::string")?.string_deleter()
    }

    fn exception_releaser(&mut self) -> Result<ReleaseExceptionFn> {
        self.any("C++ exceptions")?.exception_releaser()
    }

    fn bitfield(&mut self, class: ScopeId, field: &str) -> Result<(BitGetFn, BitSetFn)> {
        self.of_scope(class)?.bitfield(class, field)
    }

    fn cloner(&mut self, class: ScopeId) -> Result<CloneFn> {
        self.of_scope(class)?.cloner(class)
    }
}


#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::dictionary_base;

    /// A backend holding one namespace-level name, `name`, as class `class`.
    struct Fake {
        name: &'static str,
        class: u64,
    }

    fn refused<T>() -> Result<T> {
        Err(BackendError::Unsupported("fake".into()))
    }

    impl Backend for Fake {
        fn declare(&mut self, _: &str) -> Result<()> { refused() }
        fn include(&mut self, _: &str, _: bool) -> Result<()> { refused() }
        fn add_include_path(&mut self, _: &Path) -> Result<()> { refused() }
        fn load_library(&mut self, _: &Path) -> Result<()> { Ok(()) }
        fn lookup(&mut self, scope: ScopeId, name: &str) -> Result<Option<Entity>> {
            Ok((scope == ScopeId::GLOBAL && name == self.name).then_some(Entity::Class(ScopeId(self.class))))
        }
        fn scope(&mut self, scope: ScopeId) -> Result<Arc<ScopeInfo>> {
            Ok(Arc::new(ScopeInfo {
                id: scope,
                kind: if scope == ScopeId::GLOBAL { ScopeKind::Namespace } else { ScopeKind::Class },
                name: self.name.into(),
                qualified: if scope == ScopeId::GLOBAL { String::new() } else { self.name.into() },
                size: 0,
                is_complete: true,
                is_abstract: false,
                is_polymorphic: false,
                is_aggregate: false,
                bases: Vec::new(),
                underlying: None,
                is_scoped_enum: false,
                smart_pointee: None,
                std_function: None,
                complex_part: None,
            }))
        }
        fn methods(&mut self, _: ScopeId) -> Result<Arc<Vec<FunctionInfo>>> { refused() }
        fn method_templates(&mut self, _: ScopeId) -> Result<Vec<String>> { refused() }
        fn fields(&mut self, _: ScopeId) -> Result<Arc<Vec<FieldInfo>>> { refused() }
        fn enumerators(&mut self, _: ScopeId) -> Result<Arc<Vec<EnumeratorInfo>>> { refused() }
        fn member_names(&mut self, _: ScopeId) -> Result<Vec<String>> { Ok(vec![self.name.into()]) }
        fn declarations(&mut self, _: ScopeId) -> Result<Vec<Declared>> { refused() }
        fn resolve_type(&mut self, _: &str) -> Result<TypeRef> { refused() }
        fn instantiate_function(&mut self, _: ScopeId, _: &str, _: &[String], _: &[String]) -> Result<Vec<FunctionInfo>> { refused() }
        fn call_thunks(&mut self, _: &[&FunctionInfo]) -> Result<Vec<Result<ThunkFn>>> { refused() }
        fn call_thunk_with_defaults(&mut self, _: &FunctionInfo) -> Result<ThunkFn> { refused() }
        fn deleter(&mut self, _: ScopeId) -> Result<DeleterFn> { refused() }
        fn dynamic_type(&mut self, _: ScopeId) -> Result<DynamicTypeFn> { refused() }
        fn declare_dispatcher(&mut self, _: ScopeId, _: &[&FunctionInfo], _: &[&FunctionInfo]) -> Result<ScopeId> { refused() }
        fn function_maker(&mut self, _: ScopeId) -> Result<FunctionMakerFn> { refused() }
        fn function_pointer(&mut self, _: ScopeId, _: usize) -> Result<usize> { refused() }
        fn smart_get(&mut self, _: ScopeId) -> Result<SmartGetFn> { refused() }
        fn upcast(&mut self, _: ScopeId, _: ScopeId) -> Result<UpcastFn> { refused() }
        fn variable_address(&mut self, _: &str) -> Result<AddressFn> { refused() }
        fn assigner(&mut self, _: &TypeRef) -> Result<AssignFn> { refused() }
        fn string_view(&mut self) -> Result<StringViewFn> { refused() }
        fn string_deleter(&mut self) -> Result<DeleterFn> { refused() }
        fn exception_releaser(&mut self) -> Result<ReleaseExceptionFn> { refused() }
        fn bitfield(&mut self, _: ScopeId, _: &str) -> Result<(BitGetFn, BitSetFn)> { refused() }
        fn cloner(&mut self, _: ScopeId) -> Result<CloneFn> { refused() }
    }

    fn clang() -> Result<Box<dyn Backend>> {
        Ok(Box::new(Fake { name: "Live", class: 7 }))
    }

    #[test]
    fn global_names_ask_dictionaries_first_and_ids_route_home() {
        let mut stack = Stack::new(Some(clang));
        let base = stack.next_dictionary_base();
        assert_eq!(base, dictionary_base(0));
        stack.add_dictionary(Path::new("libA.so"), Box::new(Fake { name: "Dict", class: base + 2 })).unwrap();
        assert!(!stack.has_clang());
        assert!(matches!(stack.lookup(ScopeId::GLOBAL, "Dict").unwrap(), Some(Entity::Class(ScopeId(id))) if id == base + 2));
        assert_eq!(stack.scope(ScopeId(base + 2)).unwrap().name, "Dict");
        // Only a name no dictionary holds makes the clang backend.
        assert!(!stack.has_clang());
        assert!(matches!(stack.lookup(ScopeId::GLOBAL, "Live").unwrap(), Some(Entity::Class(ScopeId(7)))));
        assert!(stack.has_clang());
        assert_eq!(stack.scope(ScopeId(7)).unwrap().name, "Live");
        assert_eq!(stack.member_names(ScopeId::GLOBAL).unwrap(), vec!["Dict".to_string(), "Live".to_string()]);
    }

    #[test]
    fn a_dictionary_only_stack_names_what_it_searched() {
        let mut stack = Stack::new(None);
        let base = stack.next_dictionary_base();
        stack.add_dictionary(Path::new("libA.so"), Box::new(Fake { name: "Dict", class: base + 2 })).unwrap();
        assert!(stack.lookup(ScopeId::GLOBAL, "Live").unwrap().is_none());
        let refused = stack.declare("int x;").unwrap_err().to_string();
        assert!(refused.contains("CPPLIVE_BACKEND=dictionary") && refused.contains("libA.so"), "{refused}");
        assert!(!stack.has_clang());
    }
}
