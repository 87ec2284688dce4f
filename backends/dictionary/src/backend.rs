//! `DictionaryBackend`: answers the `Backend` trait from a dictionary
//! library, with no compiler. The library is opened once and never closed
//! (its thunks and data are used for the rest of the process); the model
//! is read in place from its data symbol, each scope decoded on the first
//! question about it. What only a compiler can do (declare code, include
//! headers, instantiate what was not generated, make dispatchers) is an
//! error naming the dictionary.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cpplive_core::error::{BackendError, Result};
use cpplive_core::model::{Declared, Entity, EnumeratorInfo, FieldInfo, FunctionInfo, FunctionKind, ScopeInfo};
use cpplive_core::thunk::{AddressFn, AssignFn, BitGetFn, BitSetFn, CloneFn, DeleterFn, DynamicTypeFn, FunctionMakerFn, ReleaseExceptionFn, SmartGetFn, StringViewFn, ThunkFn, UpcastFn};
use cpplive_core::thunkgen;
use cpplive_core::{Backend, ScopeId, TypeRef};
use libloading::os::unix::{Library, RTLD_LOCAL, RTLD_NOW};

use crate::format::{self, Model, ScopeBlob};
use crate::remap::{Id, Remap};
use crate::symbols;

pub struct DictionaryBackend {
    path: PathBuf,
    library: Library,
    model: Model<'static>,
    base: u64,
    scopes: HashMap<u64, Arc<Decoded>>,
    types: HashMap<String, TypeRef>,
}

// Used by one thread at a time (the stack is behind the proxy layer's lock).
unsafe impl Send for DictionaryBackend {}

/// One scope's blob, with its ids moved into the dictionary's range.
struct Decoded {
    info: Arc<ScopeInfo>,
    members: HashMap<String, Entity>,
    member_names: Vec<String>,
    methods: Arc<Vec<FunctionInfo>>,
    method_templates: Vec<String>,
    fields: Arc<Vec<FieldInfo>>,
    enumerators: Arc<Vec<EnumeratorInfo>>,
    declarations: Vec<Declared>,
    helpers: format::Helpers,
    instantiations: Vec<format::Instantiation>,
}

/// Whether the library at `path` holds a cpplive dictionary's model
/// (a genreflex library of another tool does not).
pub fn has_model(path: &Path) -> Result<bool> {
    let library = open(path)?;
    let found = unsafe { library.get::<*const u8>(format::MODEL_SYMBOL.as_bytes()) }.is_ok();
    Ok(found)
}

fn open(path: &Path) -> Result<Library> {
    check_extent(path)?;
    unsafe { Library::open(Some(path), RTLD_NOW | RTLD_LOCAL) }.map_err(|e| BackendError::LibraryNotFound {
        name: path.display().to_string(),
        detail: e.to_string(),
        searched: path.display().to_string(),
    })
}

/// Refuses an ELF library shorter than its own headers say: the loader
/// maps such a file without complaint, and the process dies of SIGBUS
/// when it touches the missing pages.
fn check_extent(path: &Path) -> Result<()> {
    let refused = |detail: String| BackendError::NotFound { what: format!("dictionary '{}'", path.display()), detail };
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path).map_err(|e| refused(format!("cannot read it: {e}")))?;
    let len = file.metadata().map_err(|e| refused(format!("cannot read it: {e}")))?.len();
    // The ELF header, and the program headers it points at.
    let mut bytes = vec![0u8; 64];
    if file.read_exact(&mut bytes).is_err() {
        return Err(refused("it is not a 64-bit little-endian ELF library".into()));
    }
    let phoff = u64::from_le_bytes(bytes[0x20..0x28].try_into().unwrap());
    let phtable = u16::from_le_bytes(bytes[0x36..0x38].try_into().unwrap()) as u64 * u16::from_le_bytes(bytes[0x38..0x3a].try_into().unwrap()) as u64;
    if phoff >= 64 && phoff.saturating_add(phtable) <= len && phtable <= 1 << 20 {
        let mut table = vec![0u8; phtable as usize];
        file.seek(SeekFrom::Start(phoff)).and_then(|_| file.read_exact(&mut table)).map_err(|e| refused(format!("cannot read it: {e}")))?;
        bytes.resize(phoff as usize, 0);
        bytes.extend_from_slice(&table);
    }
    let u16_at = |at: usize| bytes.get(at..at + 2).map(|b| u16::from_le_bytes(b.try_into().unwrap()) as u64);
    let u64_at = |at: usize| bytes.get(at..at + 8).map(|b| u64::from_le_bytes(b.try_into().unwrap()));
    if &bytes[..4] != b"\x7fELF" || bytes[4] != 2 || bytes[5] != 1 {
        return Err(refused("it is not a 64-bit little-endian ELF library".into()));
    }
    let truncated = || refused(format!("it is truncated ({len} bytes): generate it again"));
    let (phoff, shoff) = (u64_at(0x20).unwrap(), u64_at(0x28).unwrap());
    let (phsize, phnum, shsize, shnum) = (u16_at(0x36).unwrap(), u16_at(0x38).unwrap(), u16_at(0x3a).unwrap(), u16_at(0x3c).unwrap());
    if phoff.saturating_add(phsize * phnum) > len || shoff.saturating_add(shsize * shnum) > len {
        return Err(truncated());
    }
    for k in 0..phnum {
        let at = (phoff + k * phsize) as usize;
        let (offset, size) = (u64_at(at + 0x08).ok_or_else(truncated)?, u64_at(at + 0x20).ok_or_else(truncated)?);
        if offset.saturating_add(size) > len {
            return Err(truncated());
        }
    }
    Ok(())
}

impl DictionaryBackend {
    /// Opens the dictionary at `path`; its ids start at `base`. Fails,
    /// naming the file, when it is no dictionary or its data is damaged.
    pub fn open(path: &Path, base: u64) -> Result<DictionaryBackend> {
        let refused = |detail: String| BackendError::NotFound { what: format!("dictionary '{}'", path.display()), detail };
        let library = open(path)?;
        let bytes: &'static [u8] = unsafe {
            let start = library.get::<*const u8>(format::MODEL_SYMBOL.as_bytes()).map_err(|_| {
                refused("the library holds no cpplive dictionary model (made by another tool, or without a selection?)".into())
            })?;
            let end = library.get::<*const u8>(format::MODEL_END_SYMBOL.as_bytes()).map_err(|_| refused(format::corrupt("no end of data")))?;
            let (start, end) = (start.into_raw() as *const u8, end.into_raw() as *const u8);
            if end < start {
                return Err(refused(format::corrupt("its data ends before it starts")));
            }
            // The library stays open while `self` lives, and is never
            // closed (see `Drop`): the bytes live as long as the process.
            std::slice::from_raw_parts(start, end.offset_from(start) as usize)
        };
        let model = Model::open(bytes).map_err(refused)?;
        let mut types = HashMap::new();
        let mut remap = Remap(|id: Id| match id {
            Id::Scope(l) | Id::Function(l) => base + l,
        });
        for (key, ty) in &model.index.types {
            let mut ty = ty.clone();
            remap.ty(&mut ty);
            types.insert(key.clone(), ty);
        }
        Ok(DictionaryBackend { path: path.to_path_buf(), library, model, base, scopes: HashMap::new(), types })
    }

    pub fn headers(&self) -> &[String] {
        &self.model.index.headers
    }

    fn name(&self) -> String {
        self.path.display().to_string()
    }

    fn not_covered(&self, what: &str) -> BackendError {
        BackendError::Unsupported(format!("{what}: the dictionary {} cannot do this (it holds only what was generated into it)", self.name()))
    }

    fn local(&self, id: u64) -> Option<u64> {
        if id == ScopeId::GLOBAL.0 {
            return Some(id);
        }
        id.checked_sub(self.base).filter(|l| *l > 1 && *l <= self.model.index.scopes.len() as u64)
    }

    fn decoded(&mut self, scope: ScopeId) -> Result<Arc<Decoded>> {
        let local = self.local(scope.0).ok_or_else(|| BackendError::Internal(format!("scope {} is not in the dictionary {}", scope.0, self.name())))?;
        if let Some(d) = self.scopes.get(&local) {
            return Ok(d.clone());
        }
        let blob = self.model.blob(local).map_err(|e| BackendError::Internal(format!("the dictionary {}: {e}", self.name())))?;
        let decoded = Arc::new(self.decode(local, blob));
        self.scopes.insert(local, decoded.clone());
        Ok(decoded)
    }

    fn decode(&self, local: u64, blob: ScopeBlob) -> Decoded {
        let base = self.base;
        let mut remap = Remap(|id: Id| match id {
            Id::Scope(l) | Id::Function(l) => base + l,
        });
        let entry = &self.model.index.scopes[(local - 1) as usize];
        let mut info = blob.info.unwrap_or_else(|| ScopeInfo {
            id: ScopeId(local),
            kind: entry.kind,
            name: entry.qualified.rsplit("::").next().unwrap_or("").to_string(),
            qualified: entry.qualified.clone(),
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
        });
        remap.scope(&mut info);
        let mut members = HashMap::new();
        for (name, mut entity) in blob.members {
            remap.entity(&mut entity);
            members.insert(name, entity);
        }
        let mut methods = blob.methods;
        methods.iter_mut().for_each(|f| remap.function(f));
        let mut fields = blob.fields;
        fields.iter_mut().for_each(|f| remap.field(f));
        let mut instantiations = blob.instantiations;
        instantiations.iter_mut().flat_map(|i| i.functions.iter_mut()).for_each(|f| remap.function(f));
        Decoded {
            info: Arc::new(info),
            members,
            member_names: blob.member_names,
            methods: Arc::new(methods),
            method_templates: blob.method_templates,
            fields: Arc::new(fields),
            enumerators: Arc::new(blob.enumerators),
            declarations: blob.declarations,
            helpers: blob.helpers,
            instantiations,
        }
    }

    /// The address of generated function `name`.
    fn symbol(&self, name: &str, what: &str) -> Result<usize> {
        unsafe { self.library.get::<unsafe extern "C" fn()>(name.as_bytes()) }
            .map(|s| s.into_raw() as usize)
            .map_err(|_| self.not_covered(&format!("{what} was not generated into it")))
    }

    fn prefix(&self) -> &str {
        &self.model.index.symbol_prefix
    }

    /// A helper of class `class` that the generator marked as made.
    fn class_helper(&mut self, class: ScopeId, made: impl Fn(&format::Helpers) -> bool, kind: &str, what: &str) -> Result<usize> {
        let decoded = self.decoded(class)?;
        if !made(&decoded.helpers) {
            return Err(self.not_covered(&format!("{what} of '{}'", decoded.info.qualified)));
        }
        let local = self.local(class.0).unwrap_or(0);
        self.symbol(&symbols::class_helper(self.prefix(), kind, local), what)
    }
}

impl Drop for DictionaryBackend {
    fn drop(&mut self) {
        // Objects made by its code may outlive the backend: keep the
        // library mapped.
        let library = std::mem::replace(&mut self.library, Library::this());
        std::mem::forget(library);
    }
}

impl Backend for DictionaryBackend {
    fn declare(&mut self, _code: &str) -> Result<()> {
        Err(self.not_covered("declaring C++ code"))
    }

    fn include(&mut self, header: &str, _c_linkage: bool) -> Result<()> {
        Err(self.not_covered(&format!("including '{header}'")))
    }

    fn add_include_path(&mut self, _dir: &Path) -> Result<()> {
        Err(self.not_covered("an include path"))
    }

    fn load_library(&mut self, path: &Path) -> Result<()> {
        cpplive_core::library_search::load_global(path)
    }

    fn lookup(&mut self, scope: ScopeId, name: &str) -> Result<Option<Entity>> {
        if self.local(scope.0).is_none() {
            return Ok(None);
        }
        Ok(self.decoded(scope)?.members.get(name).cloned())
    }

    fn scope(&mut self, scope: ScopeId) -> Result<Arc<ScopeInfo>> {
        Ok(self.decoded(scope)?.info.clone())
    }

    fn methods(&mut self, class: ScopeId) -> Result<Arc<Vec<FunctionInfo>>> {
        Ok(self.decoded(class)?.methods.clone())
    }

    fn method_templates(&mut self, class: ScopeId) -> Result<Vec<String>> {
        Ok(self.decoded(class)?.method_templates.clone())
    }

    fn fields(&mut self, class: ScopeId) -> Result<Arc<Vec<FieldInfo>>> {
        Ok(self.decoded(class)?.fields.clone())
    }

    fn enumerators(&mut self, scope: ScopeId) -> Result<Arc<Vec<EnumeratorInfo>>> {
        Ok(self.decoded(scope)?.enumerators.clone())
    }

    fn member_names(&mut self, scope: ScopeId) -> Result<Vec<String>> {
        Ok(self.decoded(scope)?.member_names.clone())
    }

    fn declarations(&mut self, scope: ScopeId) -> Result<Vec<Declared>> {
        Ok(self.decoded(scope)?.declarations.clone())
    }

    fn resolve_type(&mut self, spelling: &str) -> Result<TypeRef> {
        if let Some(found) = self.types.get(&format::normalize(spelling)) {
            return Ok(found.clone());
        }
        // Builtin types, and pointers and references to what is known.
        let parsed = cpplive_core::typename::parse_user(spelling);
        match &parsed.base {
            cpplive_core::TypeBase::Builtin(b) => {
                let mut ty = parsed.clone();
                if ty.pointers.is_empty() && ty.array.is_empty() {
                    ty.size = b.size();
                } else if ty.array.is_empty() {
                    ty.size = 8;
                }
                Ok(ty)
            }
            cpplive_core::TypeBase::Named(name) | cpplive_core::TypeBase::FunctionPointer(name) | cpplive_core::TypeBase::Other(name) => match self.types.get(&format::normalize(name)) {
                Some(known) if parsed.array.is_empty() => {
                    if parsed.pointers.is_empty() && parsed.reference == cpplive_core::RefKind::None && !parsed.base_const {
                        return Ok(known.clone());
                    }
                    // The known type with the spelling's qualifiers.
                    let mut ty = parsed.clone();
                    ty.base = known.base.clone();
                    ty.decl = known.decl;
                    let mut text = format!("{}{}", if parsed.base_const { "const " } else { "" }, known.value_spelling());
                    for is_const in &parsed.pointers {
                        text.push_str(if *is_const { "* const" } else { "*" });
                    }
                    text.push_str(match parsed.reference {
                        cpplive_core::RefKind::None => "",
                        cpplive_core::RefKind::LValue => "&",
                        cpplive_core::RefKind::RValue => "&&",
                    });
                    ty.spelling = text;
                    ty.size = if parsed.pointers.is_empty() { known.size } else { 8 };
                    Ok(ty)
                }
                _ => Err(BackendError::NotFound {
                    what: format!("type '{spelling}'"),
                    detail: format!("the dictionary {} does not hold it", self.name()),
                }),
            },
            cpplive_core::TypeBase::StdString => Err(BackendError::NotFound {
                what: format!("type '{spelling}'"),
                detail: format!("the dictionary {} does not hold it", self.name()),
            }),
        }
    }

    fn instantiate_function(&mut self, scope: ScopeId, name: &str, explicit: &[String], types: &[String]) -> Result<Vec<FunctionInfo>> {
        let decoded = self.decoded(scope)?;
        let normalized = |list: &[String]| list.iter().map(|s| format::normalize(s)).collect::<Vec<_>>();
        let (explicit, types) = (normalized(explicit), normalized(types));
        let mut made = decoded.instantiations.iter().filter(|i| i.name == name).peekable();
        if made.peek().is_none() {
            return Err(self.not_covered(&format!("instantiating the function template '{name}'")));
        }
        // None of those made fits: no match, as when deduction fails (the
        // caller may try other arguments, then says what it tried).
        Ok(made.find(|i| i.explicit == explicit && i.types == types).map(|i| i.functions.clone()).unwrap_or_default())
    }

    fn call_thunks(&mut self, functions: &[&FunctionInfo]) -> Result<Vec<Result<ThunkFn>>> {
        Ok(functions
            .iter()
            .map(|f| {
                let name = match (f.kind, f.class) {
                    (FunctionKind::AggregateInit, Some(class)) => {
                        symbols::class_helper(self.prefix(), "aggregate", self.local(class.0).unwrap_or(0))
                    }
                    _ => symbols::thunk(self.prefix(), f.id.0.checked_sub(self.base).unwrap_or(0)),
                };
                self.symbol(&name, &format!("a call of '{}'", f.signature))
                    .map(|a| unsafe { std::mem::transmute::<usize, ThunkFn>(a) })
            })
            .collect())
    }

    fn call_thunk_with_defaults(&mut self, function: &FunctionInfo) -> Result<ThunkFn> {
        let local = function.id.0.checked_sub(self.base).unwrap_or(0);
        let name = symbols::defaults(self.prefix(), local);
        let address = self.symbol(&name, &format!("a call of '{}' that skips a default argument", function.signature))?;
        Ok(unsafe { std::mem::transmute::<usize, ThunkFn>(address) })
    }

    fn deleter(&mut self, class: ScopeId) -> Result<DeleterFn> {
        let a = self.class_helper(class, |h| h.deleter, "delete", "the deleter")?;
        Ok(unsafe { std::mem::transmute::<usize, DeleterFn>(a) })
    }

    fn dynamic_type(&mut self, class: ScopeId) -> Result<DynamicTypeFn> {
        let a = self.class_helper(class, |h| h.dynamic_type, "dyntype", "the dynamic type reader")?;
        Ok(unsafe { std::mem::transmute::<usize, DynamicTypeFn>(a) })
    }

    fn declare_dispatcher(&mut self, class: ScopeId, _c: &[&FunctionInfo], _v: &[&FunctionInfo]) -> Result<ScopeId> {
        // Made by the generator from the same `dispatch::plan` the proxy
        // layer follows, so the constructors and virtuals are these.
        let decoded = self.decoded(class)?;
        match decoded.helpers.dispatcher {
            Some(local) => Ok(ScopeId(self.base + local)),
            None => Err(self.not_covered(&format!(
                "a Python class derived from '{}' that overrides its virtual functions (only selected classes get one)",
                decoded.info.qualified
            ))),
        }
    }

    fn function_maker(&mut self, class: ScopeId) -> Result<FunctionMakerFn> {
        let a = self.class_helper(class, |h| h.function_maker, "fnmaker", "the maker of callbacks")?;
        Ok(unsafe { std::mem::transmute::<usize, FunctionMakerFn>(a) })
    }

    fn function_pointer(&mut self, class: ScopeId, _target: usize) -> Result<usize> {
        let name = self.scope(class)?.qualified.clone();
        Err(self.not_covered(&format!("a function pointer for a Python callable ('{name}')")))
    }

    fn smart_get(&mut self, smart: ScopeId) -> Result<SmartGetFn> {
        let a = self.class_helper(smart, |h| h.smart_get, "smartget", "the smart pointer reader")?;
        Ok(unsafe { std::mem::transmute::<usize, SmartGetFn>(a) })
    }

    fn upcast(&mut self, derived: ScopeId, base: ScopeId) -> Result<UpcastFn> {
        let decoded = self.decoded(derived)?;
        let (Some(d), Some(b)) = (self.local(derived.0), self.local(base.0)) else {
            return Err(self.not_covered("an upcast to a class of another backend"));
        };
        if !decoded.helpers.upcasts.contains(&b) {
            return Err(self.not_covered(&format!("an upcast of '{}'", decoded.info.qualified)));
        }
        let a = self.symbol(&symbols::upcast(self.prefix(), d, b), "the upcast")?;
        Ok(unsafe { std::mem::transmute::<usize, UpcastFn>(a) })
    }

    fn variable_address(&mut self, qualified: &str) -> Result<AddressFn> {
        let wanted = qualified.trim_start_matches("::");
        let Some(i) = self.model.index.variables.iter().position(|v| v.trim_start_matches("::") == wanted) else {
            return Err(self.not_covered(&format!("the variable '{qualified}'")));
        };
        let a = self.symbol(&symbols::variable(self.prefix(), i), "the variable's address")?;
        Ok(unsafe { std::mem::transmute::<usize, AddressFn>(a) })
    }

    fn assigner(&mut self, ty: &TypeRef) -> Result<AssignFn> {
        let wanted = format::normalize(&ty.value_spelling());
        let Some(i) = self.model.index.assigners.iter().position(|v| format::normalize(v) == wanted) else {
            return Err(self.not_covered(&format!("assigning a '{ty}'")));
        };
        let a = self.symbol(&symbols::assigner(self.prefix(), i), "the assignment")?;
        Ok(unsafe { std::mem::transmute::<usize, AssignFn>(a) })
    }

    fn string_view(&mut self) -> Result<StringViewFn> {
        let a = self.symbol(thunkgen::STRING_VIEW_SYMBOL, "std::string's reader")?;
        Ok(unsafe { std::mem::transmute::<usize, StringViewFn>(a) })
    }

    fn string_deleter(&mut self) -> Result<DeleterFn> {
        let a = self.symbol(thunkgen::STRING_DELETE_SYMBOL, "std::string's deleter")?;
        Ok(unsafe { std::mem::transmute::<usize, DeleterFn>(a) })
    }

    fn exception_releaser(&mut self) -> Result<ReleaseExceptionFn> {
        let a = self.symbol(thunkgen::RELEASE_EXCEPTION_SYMBOL, "the exception releaser")?;
        Ok(unsafe { std::mem::transmute::<usize, ReleaseExceptionFn>(a) })
    }

    fn bitfield(&mut self, class: ScopeId, field: &str) -> Result<(BitGetFn, BitSetFn)> {
        let decoded = self.decoded(class)?;
        let Some(i) = decoded.helpers.bitfields.iter().position(|f| f == field) else {
            return Err(self.not_covered(&format!("the bit-field '{field}' of '{}'", decoded.info.qualified)));
        };
        let local = self.local(class.0).unwrap_or(0);
        let name = symbols::bitfield(self.prefix(), local, i);
        let get = self.symbol(&name, "the bit-field reader")?;
        let set = self.symbol(&format!("{name}_set"), "the bit-field writer")?;
        Ok(unsafe { (std::mem::transmute::<usize, BitGetFn>(get), std::mem::transmute::<usize, BitSetFn>(set)) })
    }

    fn cloner(&mut self, class: ScopeId) -> Result<CloneFn> {
        let a = self.class_helper(class, |h| h.cloner, "clone", "the copy")?;
        Ok(unsafe { std::mem::transmute::<usize, CloneFn>(a) })
    }
}

