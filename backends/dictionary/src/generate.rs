//! The generator's recording step: asks a live backend (clang) everything
//! the proxy layer will ask about the selected entities, and about the
//! classes their signatures, members and bases name, moves the answers
//! into the dictionary's own ids, and writes the C++ of every thunk and
//! helper they need with `thunkgen` (the code the clang backend would
//! compile on the fly), under the names `symbols.rs` derives from those ids.
//! Nothing is compiled here: the generator compiles the units (with the
//! clang++ of LLVM 19 when installed, else the project's compiler), leaves out the generated functions it refuses or whose
//! link finds them calling what nothing defines (a member of a class
//! template whose body does not instantiate for these arguments), and then
//! asks the `Draft` for the model, which takes back what those functions
//! stood for.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use cpplive_core::error::BackendError;
use cpplive_core::model::{Access, Entity, FunctionInfo, ScopeKind};
use cpplive_core::thunkgen;
use cpplive_core::types::{TypeBase, TypeRef};
use cpplive_core::{Backend, ScopeId};

use crate::format::{self, Helpers, Index, ScopeBlob, ScopeEntry};
use crate::remap::{Id, Remap};
use crate::symbols;

/// Classes named by a selected entity's signatures (depth 1) are recorded
/// in full; those further out only as far as holding and deleting their
/// objects goes.
const FULL_DEPTH: u32 = 1;

/// What the proxy layer asks a function template for, from Python: the
/// types Python values deduce to (`deduction_type`: int, float, bool, str)
/// and the template arguments Python types and common names give
/// (`template_argument`). Each that instantiates is made ahead of time, so
/// that `node["key"]` and `node.as[int]()` work without a compiler.
const DEDUCED_PROBES: &[&str] = &["int", "double", "bool", "std::string&&"];
const EXPLICIT_PROBES: &[&str] = &[
    "int", "float", "double", "bool", "std::string", "long", "long long", "unsigned int", "unsigned long",
    "unsigned long long", "short", "unsigned short", "char", "unsigned char", "signed char", "long double",
];

pub struct Generated {
    /// The dictionary's data (`format.rs`), once told which generated
    /// functions were left out.
    pub draft: Draft,
    /// Translation units of thunks, each complete (includes first).
    pub sources: Vec<String>,
    /// What was recorded, for the generator's report.
    pub scopes: usize,
    pub thunks: usize,
}

/// What the model says because a generated function exists, so that it
/// can be taken back when the function is left out.
#[derive(Clone, Copy, Debug)]
enum Provided {
    /// The call thunk of function `local` (the dictionary's id), which the
    /// function-template instantiations recorded with it name.
    Call { local: u64 },
    /// A helper of class `local` (the dictionary's id) that its `Helpers`
    /// mark as made.
    Helper { local: u64, helper: HelperKind },
}

#[derive(Clone, Copy, Debug)]
enum HelperKind {
    Deleter,
    Cloner,
    DynamicType,
    SmartGet,
    FunctionMaker,
    Upcast { base: u64 },
}

/// The recorded model before the thunks are compiled: `model` writes it
/// without what the left-out generated functions stood for.
pub struct Draft {
    index: Index,
    /// `blobs[k]` is scope `k + 1`'s (the global namespace first).
    blobs: Vec<ScopeBlob>,
    /// By generated function's symbol.
    provided: HashMap<String, Provided>,
}

impl Draft {
    /// The dictionary's data, `left_out` being the symbols of the generated
    /// functions the library does not hold: an instantiation keeps only the
    /// functions whose thunks are there (none left, it is not recorded, as
    /// when clang refuses it), and a class helper left out is not marked
    /// as made. Members whose call thunk is left out stay recorded: calling
    /// one is an error naming it.
    pub fn model(&self, left_out: &[String]) -> Result<Vec<u8>, String> {
        let mut blobs = self.blobs.clone();
        let mut calls_left_out = HashSet::new();
        for symbol in left_out {
            match self.provided.get(symbol) {
                Some(Provided::Call { local }) => {
                    calls_left_out.insert(*local);
                }
                Some(Provided::Helper { local, helper }) => {
                    let Some(helpers) = usize::try_from(*local - 1).ok().and_then(|k| blobs.get_mut(k)).map(|b| &mut b.helpers) else {
                        continue;
                    };
                    match helper {
                        HelperKind::Deleter => helpers.deleter = false,
                        HelperKind::Cloner => helpers.cloner = false,
                        HelperKind::DynamicType => helpers.dynamic_type = false,
                        HelperKind::SmartGet => helpers.smart_get = false,
                        HelperKind::FunctionMaker => helpers.function_maker = false,
                        HelperKind::Upcast { base } => helpers.upcasts.retain(|b| b != base),
                    }
                }
                None => {}
            }
        }
        if !calls_left_out.is_empty() {
            for blob in &mut blobs {
                for instantiation in &mut blob.instantiations {
                    instantiation.functions.retain(|f| !calls_left_out.contains(&f.id.0));
                }
                blob.instantiations.retain(|i| !i.functions.is_empty());
            }
        }
        format::encode(self.index.clone(), &blobs)
    }
}

/// The dictionary's own numbering, made as ids are met.
#[derive(Default)]
struct Ids {
    /// Clang scope id → own id; `order[k]` has own id `k + 2` (1 is the
    /// global namespace).
    locals: HashMap<u64, u64>,
    order: Vec<u64>,
    depth: HashMap<u64, u32>,
    queue: Vec<u64>,
    functions: HashMap<u64, u64>,
}

impl Ids {
    fn scope(&mut self, clang: u64, depth: u32) -> u64 {
        if clang == ScopeId::GLOBAL.0 {
            return clang;
        }
        if let Some(l) = self.locals.get(&clang).copied() {
            if depth < self.depth[&clang] {
                // Reached closer to the selection: recorded further.
                self.depth.insert(clang, depth);
                self.queue.push(clang);
            }
            return l;
        }
        self.order.push(clang);
        let local = self.order.len() as u64 + 1;
        self.locals.insert(clang, local);
        self.depth.insert(clang, depth);
        self.queue.push(clang);
        local
    }

    fn function(&mut self, clang: u64) -> u64 {
        let next = self.functions.len() as u64 + 1;
        *self.functions.entry(clang).or_insert(next)
    }

    /// A remapper into own ids that queues the classes met at `depth`.
    fn at(&mut self, depth: u32) -> Remap<impl FnMut(Id) -> u64 + '_> {
        Remap(move |id| match id {
            Id::Scope(c) => self.scope(c, depth),
            Id::Function(c) => self.function(c),
        })
    }
}

struct Recorder<'a> {
    backend: &'a mut dyn Backend,
    prefix: String,
    ids: Ids,
    /// What each scope holds (by clang id; the global namespace is 1).
    blobs: HashMap<u64, ScopeBlob>,
    /// Scopes recorded in full already, and at which depth.
    done: HashMap<u64, u32>,
    types: Vec<(String, TypeRef)>,
    variables: Vec<String>,
    assigners: Vec<String>,
    code: Vec<String>,
    /// What the generated functions stand for in the model, by symbol.
    provided: HashMap<String, Provided>,
    /// Class definitions every translation unit holds (dispatchers).
    definitions: Vec<String>,
    /// The dispatchers made (clang ids).
    dispatchers: HashSet<u64>,
    thunks: usize,
    /// Functions (clang ids) whose thunks were written.
    thunked: HashSet<u64>,
    /// Function templates (parent, name) whose instantiations were made.
    probed: HashSet<(u64, String)>,
    /// Classes whose members are recorded.
    full: HashSet<u64>,
}

/// Splits `a::b<c::d>::e` at the `::` outside template arguments.
fn split_qualified(qualified: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut current = String::new();
    let chars: Vec<char> = qualified.trim_start_matches("::").chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '<' | '(' => depth += 1,
            '>' | ')' => depth -= 1,
            _ => {}
        }
        if depth == 0 && c == ':' && chars.get(i + 1) == Some(&':') {
            parts.push(std::mem::take(&mut current));
            i += 2;
            continue;
        }
        current.push(c);
        i += 1;
    }
    parts.push(current);
    parts
}

fn be(e: BackendError) -> String {
    e.to_string()
}

impl<'a> Recorder<'a> {
    fn blob(&mut self, clang: u64) -> &mut ScopeBlob {
        self.blobs.entry(clang).or_default()
    }

    /// Records `name` in scope `parent` (clang ids) as the backend answers it.
    fn member(&mut self, parent: u64, name: &str, depth: u32) -> Result<Option<Entity>, String> {
        let Some(entity) = self.backend.lookup(ScopeId(parent), name).map_err(be)? else {
            return Ok(None);
        };
        self.entity_code(&entity, depth)?;
        // Instantiations are made for the templates of what was selected
        // (not for every class its signatures name, such as the standard
        // library's).
        if self.probes_templates_of(parent, name) && matches!(entity, Entity::FunctionTemplate { .. }) {
            self.instantiations(parent, name, depth)?;
        }
        let mut copy = entity.clone();
        self.ids.at(depth).entity(&mut copy);
        let blob = self.blob(parent);
        if !blob.members.iter().any(|(n, _)| n == name) {
            blob.members.push((name.to_string(), copy));
            blob.member_names.push(name.to_string());
        }
        Ok(Some(entity))
    }

    /// The thunks and helpers an entity's use needs.
    fn entity_code(&mut self, entity: &Entity, depth: u32) -> Result<(), String> {
        match entity {
            Entity::Functions(fs) => self.function_thunks(fs, depth),
            Entity::FunctionTemplate { overloads, .. } => self.function_thunks(overloads, depth),
            Entity::Variable { qualified, ty } => {
                self.variable(qualified, ty);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn variable(&mut self, qualified: &str, ty: &TypeRef) {
        if self.variables.iter().any(|v| v == qualified) {
            return;
        }
        self.closure_name(qualified, &ty.spelling);
        let symbol = symbols::variable(&self.prefix, self.variables.len());
        // A const scalar as the live path reads it: a copy of its value.
        let by_value = ty.is_const_scalar();
        self.code.push(thunkgen::address(&symbol, qualified, by_value));
        self.variables.push(qualified.to_string());
        self.assigner(ty);
    }

    fn assigner(&mut self, ty: &TypeRef) {
        let assignable = matches!(ty.base, TypeBase::StdString | TypeBase::Named(_)) && ty.enum_id().is_none() && ty.is_plain() && !ty.base_const;
        let key = ty.value_spelling();
        if !assignable || self.assigners.contains(&key) {
            return;
        }
        let symbol = symbols::assigner(&self.prefix, self.assigners.len());
        self.code.push(thunkgen::assigner(&symbol, ty));
        self.assigners.push(key);
    }

    /// Call thunks (and default-argument variants) of `functions`; the
    /// classes their signatures name are queued one level further out.
    fn function_thunks(&mut self, functions: &[FunctionInfo], depth: u32) -> Result<(), String> {
        for f in functions.iter().filter(|f| f.access == Access::Public && !f.is_deleted && !f.is_pure) {
            if !self.thunked.insert(f.id.0) {
                continue;
            }
            let mut copy = f.clone();
            self.ids.at(depth + 1).function(&mut copy);
            let local = copy.id.0;
            let symbol = symbols::thunk(&self.prefix, local);
            self.code.push(thunkgen::call_thunk(&symbol, f));
            self.provided.insert(symbol, Provided::Call { local });
            self.thunks += 1;
            if f.params.iter().any(|p| p.has_default) {
                if let Some(source) = thunkgen::call_thunk_with_defaults(&symbols::defaults(&self.prefix, local), f) {
                    self.code.push(source);
                }
            }
        }
        Ok(())
    }

    /// Whether the function template `name` of scope `clang` gets
    /// instantiations made ahead of time: those of what was selected, and
    /// the operators of the classes its signatures name (an iterator's
    /// `operator!=` template), not every template of every class met,
    /// and never the standard library's.
    fn probes_templates_of(&mut self, clang: u64, name: &str) -> bool {
        let depth = self.ids.depth.get(&clang).copied().unwrap_or(0);
        if depth > FULL_DEPTH || (depth == FULL_DEPTH && !name.starts_with("operator")) {
            return false;
        }
        if clang == ScopeId::GLOBAL.0 {
            return true;
        }
        match self.backend.scope(ScopeId(clang)) {
            Ok(info) => {
                let q = info.qualified.trim_start_matches("::");
                !(q.starts_with("std::") || q.starts_with("__gnu_cxx::") || q == "std")
            }
            Err(_) => false,
        }
    }

    /// Instantiations of the function template `name` of scope `parent`
    /// for what Python callers give (`DEDUCED_PROBES`, `EXPLICIT_PROBES`),
    /// with their thunks: the answers `instantiate_function` will give.
    fn instantiations(&mut self, parent: u64, name: &str, depth: u32) -> Result<(), String> {
        if !self.probed.insert((parent, name.to_string())) {
            return Ok(());
        }
        // A class's templates are also called with its own objects
        // (`it != end` through `template<class W> operator!=(const It<W>&)`).
        let own = match self.backend.scope(ScopeId(parent)) {
            Ok(info) if info.kind == ScopeKind::Class => Some(info.qualified.trim_start_matches("::").to_string()),
            _ => None,
        };
        let probes: Vec<(Vec<String>, Vec<String>)> = DEDUCED_PROBES.iter().map(|t| t.to_string()).chain(own)
            .map(|t| (Vec::new(), vec![t]))
            .chain(EXPLICIT_PROBES.iter().map(|t| (vec![t.to_string()], Vec::new())))
            .collect();
        for (explicit, types) in probes {
            self.probe(parent, name, explicit, types, depth)?;
        }
        Ok(())
    }

    /// One instantiation of the function template `name` of `parent`, with
    /// its thunks, recorded when clang makes it.
    fn probe(&mut self, parent: u64, name: &str, explicit: Vec<String>, types: Vec<String>, depth: u32) -> Result<(), String> {
        {
            // A template these arguments do not fit is no error here.
            let Ok(found) = self.backend.instantiate_function(ScopeId(parent), name, &explicit, &types) else {
                return Ok(());
            };
            if std::env::var_os("CPPLIVE_DEBUG").is_some() {
                eprintln!("cpplive-genreflex: instantiation of {parent}::{name} {explicit:?} {types:?}: {}", found.iter().map(|f| f.signature.clone()).collect::<Vec<_>>().join(" | "));
            }
            self.function_thunks(&found, depth)?;
            let mut made: Vec<FunctionInfo> = found.into_iter().filter(|f| self.thunked.contains(&f.id.0)).collect();
            if made.is_empty() {
                return Ok(());
            }
            for f in &mut made {
                self.ids.at(depth + 1).function(f);
            }
            let normalized = |list: &[String]| list.iter().map(|s| format::normalize(s)).collect::<Vec<_>>();
            let record = format::Instantiation { name: name.to_string(), explicit: normalized(&explicit), types: normalized(&types), functions: made };
            self.blob(parent).instantiations.push(record);
        }
        Ok(())
    }

    /// The live backend names a lambda's closure type `__cpplive_closure_N`
    /// (a typedef it adds to clang's AST, which no header has): the
    /// dictionary's units define that name from the variable holding the
    /// lambda, so that the thunks of its members compile.
    fn closure_name(&mut self, variable: &str, spelling: &str) {
        const PREFIX: &str = "__cpplive_closure_";
        let Some(at) = spelling.find(PREFIX) else { return };
        let digits = spelling[at + PREFIX.len()..].chars().take_while(|c| c.is_ascii_digit()).count();
        let name = &spelling[at..at + PREFIX.len() + digits];
        let definition = format!("using {name} = std::remove_cv_t<decltype({variable})>;\n");
        if self.definitions.iter().any(|d| d.starts_with(&format!("using {name} ="))) {
            return;
        }
        self.definitions.push(definition);
    }

    /// The constructor templates of the smart pointers recorded in full
    /// that Python calls make: a Python-owned object handed to a
    /// `std::shared_ptr<T>` parameter is taken over through
    /// `shared_ptr<Y>(Y*)`, and a smart pointer to a derived class converts
    /// through `shared_ptr<Y>(const shared_ptr<Y>&)`; both are instantiated
    /// for `T` and the classes recorded here that derive from it.
    fn smart_pointer_constructors(&mut self) -> Result<(), String> {
        let recorded = self.ids.order.clone();
        let mut selected = Vec::new();
        for &c in &recorded {
            if self.ids.depth.get(&c).is_some_and(|d| *d <= FULL_DEPTH)
                && self.backend.scope(ScopeId(c)).is_ok_and(|i| i.kind == ScopeKind::Class)
            {
                selected.push(c);
            }
        }
        for clang in recorded {
            let depth = self.ids.depth.get(&clang).copied().unwrap_or(0);
            if depth > FULL_DEPTH {
                continue;
            }
            let info = self.backend.scope(ScopeId(clang)).map_err(be)?;
            let Some(pointee) = info.smart_pointee else { continue };
            let Some(template) = split_qualified(&info.qualified).last().and_then(|last| last.split('<').next().map(str::to_string)) else {
                continue;
            };
            if !self.backend.method_templates(ScopeId(clang)).map_err(be)?.contains(&template) {
                continue;
            }
            let mut sources = vec![pointee.0];
            for &c in &selected {
                if c != pointee.0 && self.derives_from(c, pointee.0)? {
                    sources.push(c);
                }
            }
            let smart = info.qualified.trim_start_matches("::");
            let smart = smart[..smart.find('<').unwrap_or(smart.len())].to_string();
            for source in sources {
                let q = self.backend.scope(ScopeId(source)).map_err(be)?.qualified.trim_start_matches("::").to_string();
                self.probe(clang, &template, Vec::new(), vec![format!("{q}*")], depth + 1)?;
                if source != pointee.0 {
                    self.probe(clang, &template, Vec::new(), vec![format!("{smart}<{q}>")], depth + 1)?;
                }
            }
        }
        Ok(())
    }

    fn derives_from(&mut self, class: u64, base: u64) -> Result<bool, String> {
        let mut pending = vec![class];
        let mut seen = HashSet::new();
        while let Some(c) = pending.pop() {
            if !seen.insert(c) {
                continue;
            }
            let Ok(info) = self.backend.scope(ScopeId(c)) else { continue };
            for b in &info.bases {
                if b.scope.0 == base {
                    return Ok(true);
                }
                pending.push(b.scope.0);
            }
        }
        Ok(false)
    }

    /// Records class or enum `clang` as far as its depth asks.
    fn scope(&mut self, clang: u64) -> Result<(), String> {
        let depth = self.ids.depth.get(&clang).copied().unwrap_or(0);
        if self.done.get(&clang).is_some_and(|d| *d <= depth) {
            return Ok(());
        }
        let first = !self.done.contains_key(&clang);
        self.done.insert(clang, depth);
        let id = ScopeId(clang);
        let info = self.backend.scope(id).map_err(be)?;
        let is_string = info.qualified.trim_start_matches("::").starts_with("std::basic_string<char");
        let full = depth <= FULL_DEPTH && !is_string;
        if first {
            let mut copy = (*info).clone();
            // Bases are as near the selection as the class itself.
            for b in &copy.bases {
                self.ids.scope(b.scope.0, depth);
            }
            self.ids.at(depth + 1).scope(&mut copy);
            self.blob(clang).info = Some(copy);
            if let Ok(ty) = self.backend.resolve_type(&info.qualified) {
                let mut ty = ty;
                self.ids.at(depth + 1).ty(&mut ty);
                self.types.push((format::normalize(&info.qualified), ty));
            }
        }
        match info.kind {
            ScopeKind::Enum => {
                if first {
                    let list = self.backend.enumerators(id).map_err(be)?;
                    self.blob(clang).enumerators = (*list).clone();
                }
                return Ok(());
            }
            ScopeKind::Namespace => return Ok(()),
            ScopeKind::Class => {}
        }
        if !info.is_complete {
            return Ok(());
        }
        let local = self.ids.locals[&clang];
        if first {
            self.helpers(clang, local, &info)?;
        }
        if !full || !self.full.insert(clang) {
            return Ok(());
        }
        if depth == 0 && !self.dispatchers.contains(&clang) {
            self.dispatcher(clang, local, &info.qualified)?;
        }
        let methods = self.backend.methods(id).map_err(be)?;
        self.function_thunks(&methods, depth)?;
        let mut copies = (*methods).clone();
        for f in &mut copies {
            self.ids.at(depth + 1).function(f);
        }
        self.blob(clang).methods = copies;
        let templates = self.backend.method_templates(id).map_err(be)?;
        // Operators and constructor templates are not among the names
        // `member_names` lists.
        for name in &templates {
            if self.probes_templates_of(clang, name) {
                self.instantiations(clang, name, depth + 1)?;
            }
        }
        self.blob(clang).method_templates = templates;
        let fields = self.backend.fields(id).map_err(be)?;
        let mut copies = (*fields).clone();
        let mut bitfields = Vec::new();
        for (f, copy) in fields.iter().zip(copies.iter_mut()) {
            self.ids.at(depth + 1).field(copy);
            if f.access != Access::Public {
                continue;
            }
            if f.is_static {
                self.variable(&f.qualified, &f.ty);
            } else if f.bit_width > 0 {
                let symbol = symbols::bitfield(&self.prefix, local, bitfields.len());
                self.code.push(thunkgen::bitfield_accessors(&symbol, &info.qualified, &f.name));
                bitfields.push(f.name.clone());
            } else {
                self.assigner(&f.ty);
            }
        }
        if let Some(aggregate) = cpplive_core::model::aggregate_init(&info, &fields) {
            self.code.push(thunkgen::call_thunk(&symbols::class_helper(&self.prefix, "aggregate", local), &aggregate));
        }
        self.blob(clang).fields = copies;
        self.blob(clang).helpers.bitfields = bitfields;
        for name in self.backend.member_names(id).map_err(be)? {
            self.member(clang, &name, depth + 1)?;
        }
        Ok(())
    }

    fn helper(&mut self, local: u64, helper: HelperKind, symbol: &str, source: String) {
        self.code.push(source);
        self.provided.insert(symbol.to_string(), Provided::Helper { local, helper });
    }

    /// The class Python subclasses of a selected class derive from in C++
    /// (`thunkgen::dispatcher`), declared in the live backend under this
    /// dictionary's name for it and recorded like a selected class; its
    /// definition goes into every translation unit (its members' thunks
    /// name it).
    fn dispatcher(&mut self, clang: u64, local: u64, qualified: &str) -> Result<(), String> {
        let Some(plan) = cpplive_core::dispatch::plan(self.backend, ScopeId(clang)).map_err(be)? else {
            return Ok(());
        };
        let name = symbols::class_helper(&self.prefix, "dispatch", local);
        let constructors: Vec<&FunctionInfo> = plan.constructors.iter().collect();
        let virtuals: Vec<&FunctionInfo> = plan.virtuals.iter().collect();
        let source = thunkgen::dispatcher(&name, qualified, &constructors, &virtuals);
        // A class that cannot be derived from (final, a private
        // destructor) has none, as in the live backend.
        if self.backend.declare(&source).is_err() {
            return Ok(());
        }
        let Some(Entity::Class(made)) = self.backend.lookup(ScopeId::GLOBAL, &name).map_err(be)? else {
            return Ok(());
        };
        // Recorded in full, but gets no dispatcher of its own.
        self.dispatchers.insert(made.0);
        let made_local = self.ids.scope(made.0, 0);
        self.definitions.push(source);
        self.blob(clang).helpers.dispatcher = Some(made_local);
        Ok(())
    }

    /// Deleter, copy, RTTI, smart-pointer reader, callback maker and
    /// virtual-base upcasts of a complete class, marked as made (`Draft`
    /// takes back those the system compiler refuses).
    fn helpers(&mut self, clang: u64, local: u64, info: &cpplive_core::model::ScopeInfo) -> Result<(), String> {
        let q = info.qualified.clone();
        let mut h = Helpers::default();
        let deleter = symbols::class_helper(&self.prefix, "delete", local);
        self.helper(local, HelperKind::Deleter, &deleter, thunkgen::deleter(&deleter, &q));
        h.deleter = true;
        if !info.is_abstract {
            let clone = symbols::class_helper(&self.prefix, "clone", local);
            self.helper(local, HelperKind::Cloner, &clone, thunkgen::clone(&clone, &q));
            h.cloner = true;
        }
        if info.is_polymorphic {
            let reader = symbols::class_helper(&self.prefix, "dyntype", local);
            self.helper(local, HelperKind::DynamicType, &reader, thunkgen::dynamic_type(&reader, &q));
            h.dynamic_type = true;
        }
        if info.smart_pointee.is_some() {
            let reader = symbols::class_helper(&self.prefix, "smartget", local);
            self.helper(local, HelperKind::SmartGet, &reader, thunkgen::smart_get(&reader, &q));
            h.smart_get = true;
        }
        if let Some(signature) = &info.std_function {
            let maker = symbols::class_helper(&self.prefix, "fnmaker", local);
            self.helper(local, HelperKind::FunctionMaker, &maker, thunkgen::function_maker(&maker, &q, signature));
            h.function_maker = true;
        }
        // Every base reached through a virtual one needs the object's help.
        let mut stack: Vec<(u64, bool)> = info.bases.iter().map(|b| (b.scope.0, b.is_virtual)).collect();
        let mut seen = HashSet::new();
        while let Some((base, through_virtual)) = stack.pop() {
            if !seen.insert((base, through_virtual)) {
                continue;
            }
            let base_info = self.backend.scope(ScopeId(base)).map_err(be)?;
            if through_virtual {
                let base_local = self.ids.scope(base, self.ids.depth[&clang]);
                if !h.upcasts.contains(&base_local) {
                    let upcast = symbols::upcast(&self.prefix, local, base_local);
                    self.helper(local, HelperKind::Upcast { base: base_local }, &upcast, thunkgen::upcast(&upcast, &q, &base_info.qualified));
                    h.upcasts.push(base_local);
                }
            }
            for b in &base_info.bases {
                stack.push((b.scope.0, through_virtual || b.is_virtual));
            }
        }
        self.blob(clang).helpers = h;
        Ok(())
    }

    /// Records one selected entity: its name in its scope, and the scopes
    /// leading to it.
    fn select(&mut self, qualified: &str) -> Result<(), String> {
        let parts = split_qualified(qualified);
        let mut parent = ScopeId::GLOBAL.0;
        for (i, part) in parts.iter().enumerate() {
            let last = i + 1 == parts.len();
            if let Some(open) = part.find('<') {
                // A template instantiation: its template under its name,
                // the instantiation itself found by its spelling.
                let template = &part[..open];
                self.member(parent, template, 0)?;
                let spelling = parts[..=i].join("::");
                let ty = self.backend.resolve_type(&spelling).map_err(be)?;
                let Some(class) = ty.class_id() else {
                    return Err(format!("'{spelling}' is not a class"));
                };
                let mut copy = ty.clone();
                self.ids.at(0).ty(&mut copy);
                self.types.push((format::normalize(&spelling), copy));
                self.ids.scope(class, 0);
                parent = class;
                continue;
            }
            let depth = if last { 0 } else { FULL_DEPTH + 1 };
            let entity = self.member(parent, part, depth)?.ok_or_else(|| format!("'{qualified}' is not declared ('{part}' is not found)"))?;
            match entity {
                Entity::Namespace(id) => {
                    self.ids.scope(id.0, if last { 0 } else { FULL_DEPTH + 1 });
                    parent = id.0;
                }
                Entity::Class(id) | Entity::Enum(id) => {
                    self.ids.scope(id.0, depth);
                    if last {
                        self.unscoped_enumerators(parent, id.0)?;
                        // Typedef'd or not, the selection's spelling finds it.
                        if let Ok(ty) = self.backend.resolve_type(qualified) {
                            let mut ty = ty;
                            self.ids.at(0).ty(&mut ty);
                            self.types.push((format::normalize(qualified), ty));
                        }
                    }
                    parent = id.0;
                }
                Entity::Typedef(ty) => {
                    if let Some(class) = ty.class_id().or(ty.enum_id()) {
                        self.ids.scope(class, 0);
                    }
                    let mut copy = ty.clone();
                    self.ids.at(0).ty(&mut copy);
                    self.types.push((format::normalize(qualified), copy));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The free operators of the namespaces the selected classes are in:
    /// C++ finds them by argument-dependent lookup, and Python's operators
    /// reach them there when no compiler makes a helper.
    fn free_operators(&mut self) -> Result<(), String> {
        const OPERATORS: &[&str] = &[
            "+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&", "|", "^", "<<", ">>", "~", "!", "<=>",
        ];
        let mut namespaces: Vec<u64> = vec![ScopeId::GLOBAL.0];
        for clang in self.ids.order.clone() {
            if self.backend.scope(ScopeId(clang)).map_err(be)?.kind == ScopeKind::Namespace && self.blobs.contains_key(&clang) {
                namespaces.push(clang);
            }
        }
        for ns in namespaces {
            for op in OPERATORS {
                self.member(ns, &format!("operator{op}"), 1)?;
            }
        }
        Ok(())
    }

    /// An unscoped enum's enumerators are names of the enclosing scope too.
    fn unscoped_enumerators(&mut self, parent: u64, id: u64) -> Result<(), String> {
        let info = self.backend.scope(ScopeId(id)).map_err(be)?;
        if info.kind != ScopeKind::Enum || info.is_scoped_enum {
            return Ok(());
        }
        for e in self.backend.enumerators(ScopeId(id)).map_err(be)?.iter() {
            self.member(parent, &e.name, 0)?;
        }
        Ok(())
    }
}

/// Records the entities named by `selected` (qualified names) through
/// `backend` and writes their thunks; `headers` are what the thunks'
/// translation units include, `stem` names the library (symbol prefix).
pub fn generate(backend: &mut dyn Backend, selected: &[String], headers: &[String], stem: &str, units: usize) -> Result<Generated, String> {
    let prefix = symbols::prefix_for(stem);
    let mut r = Recorder {
        backend,
        prefix: prefix.clone(),
        ids: Ids::default(),
        blobs: HashMap::new(),
        done: HashMap::new(),
        types: Vec::new(),
        variables: Vec::new(),
        assigners: Vec::new(),
        code: Vec::new(),
        provided: HashMap::new(),
        definitions: Vec::new(),
        dispatchers: HashSet::new(),
        thunks: 0,
        thunked: HashSet::new(),
        probed: HashSet::new(),
        full: HashSet::new(),
    };
    for q in selected {
        r.select(q)?;
    }
    while let Some(next) = r.ids.queue.pop() {
        r.scope(next)?;
    }
    r.free_operators()?;
    while let Some(next) = r.ids.queue.pop() {
        r.scope(next)?;
    }
    r.smart_pointer_constructors()?;
    while let Some(next) = r.ids.queue.pop() {
        r.scope(next)?;
    }
    // Namespaces' own answers (`scope`) are recorded as well.
    for clang in r.ids.order.clone() {
        if !r.blobs.get(&clang).is_some_and(|b| b.info.is_some()) {
            let info = r.backend.scope(ScopeId(clang)).map_err(be)?;
            let mut copy = (*info).clone();
            r.ids.at(FULL_DEPTH + 1).scope(&mut copy);
            r.blob(clang).info = Some(copy);
        }
    }
    // Shallow classes met last may have queued more.
    while let Some(next) = r.ids.queue.pop() {
        r.scope(next)?;
    }
    let mut entries = vec![ScopeEntry { qualified: String::new(), kind: ScopeKind::Namespace, offset: 0, len: 0, checksum: 0 }];
    let mut blobs = vec![r.blobs.remove(&ScopeId::GLOBAL.0).unwrap_or_default()];
    for clang in &r.ids.order {
        let mut blob = r.blobs.remove(clang).unwrap_or_default();
        let (qualified, kind) = blob.info.as_ref().map(|i| (i.qualified.clone(), i.kind)).unwrap_or((String::new(), ScopeKind::Namespace));
        blob.member_names.sort();
        entries.push(ScopeEntry { qualified, kind, offset: 0, len: 0, checksum: 0 });
        blobs.push(blob);
    }
    blobs[0].member_names.sort();
    let scopes = entries.len();
    let index = Index { symbol_prefix: prefix, headers: headers.to_vec(), scopes: entries, types: r.types, variables: r.variables, assigners: r.assigners };
    let draft = Draft { index, blobs, provided: r.provided };
    Ok(Generated { draft, sources: units_of(&r.code, &r.definitions, headers, units), scopes, thunks: r.thunks })
}

/// Splits the generated code into `units` translation units of about the
/// same size (compiled in parallel); the first also defines the prelude's
/// `extern "C"` helpers.
fn units_of(code: &[String], definitions: &[String], headers: &[String], units: usize) -> Vec<String> {
    let units = units.max(1).min(code.len().max(1));
    let mut head = String::new();
    for h in thunkgen::STANDARD_HEADERS {
        let _ = writeln!(head, "#include <{h}>");
    }
    head.push_str(thunkgen::PRELUDE_DECLARATIONS);
    for h in headers {
        let _ = writeln!(head, "#include \"{h}\"");
    }
    for d in definitions {
        head.push_str(d);
    }
    let mut out: Vec<String> = (0..units).map(|_| head.clone()).collect();
    out[0].push_str(thunkgen::PRELUDE_DEFINITIONS);
    let total: usize = code.iter().map(|c| c.len()).sum();
    let per_unit = total / units + 1;
    let mut k = 0;
    let mut size = 0;
    for c in code {
        if size >= per_unit && k + 1 < units {
            k += 1;
            size = 0;
        }
        out[k].push_str(c);
        size += c.len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{split_qualified, Draft, HelperKind, Provided};
    use crate::format::{Helpers, Index, Model, ScopeBlob, ScopeEntry};
    use cpplive_core::model::ScopeKind;
    use std::collections::HashMap;

    #[test]
    fn a_left_out_helper_is_not_marked_as_made() {
        let entry = |qualified: &str| ScopeEntry { qualified: qualified.into(), kind: ScopeKind::Class, offset: 0, len: 0, checksum: 0 };
        let made = Helpers { deleter: true, cloner: true, upcasts: vec![3, 4], ..Helpers::default() };
        let class = ScopeBlob { helpers: made, ..ScopeBlob::default() };
        let index = Index { scopes: vec![entry(""), entry("A")], ..Index::default() };
        let provided = HashMap::from([
            ("clone".to_string(), Provided::Helper { local: 2, helper: HelperKind::Cloner }),
            ("up".to_string(), Provided::Helper { local: 2, helper: HelperKind::Upcast { base: 3 } }),
            ("delete".to_string(), Provided::Helper { local: 2, helper: HelperKind::Deleter }),
        ]);
        let draft = Draft { index, blobs: vec![ScopeBlob::default(), class], provided };
        let bytes = draft.model(&["clone".to_string(), "up".to_string()]).unwrap();
        let helpers = Model::open(&bytes).unwrap().blob(2).unwrap().helpers;
        assert!(helpers.deleter && !helpers.cloner);
        assert_eq!(helpers.upcasts, vec![4]);
        let untouched = draft.model(&[]).unwrap();
        assert!(Model::open(&untouched).unwrap().blob(2).unwrap().helpers.cloner);
    }

    #[test]
    fn qualified_names_split_outside_template_arguments() {
        assert_eq!(split_qualified("::std::vector<ns::Foo>::iterator"), vec!["std", "vector<ns::Foo>", "iterator"]);
    }
}
