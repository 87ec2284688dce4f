//! Admission of parsed modules to the JIT. A module goes in only when every
//! symbol it refers to can be found, so a link failure never happens inside
//! the JIT (where it would poison the symbols it defines for the rest of
//! the process). Before a module waits, what is missing is looked for:
//! definitions clang holds but never emitted (inline and internal
//! functions of the precompiled header), thread_locals of loaded
//! libraries, and libraries on the system's library path (loaded, and said
//! once on stderr). A module still missing symbols waits: its own symbols
//! raise `BackendError::Link` when asked for, and it is tried again after
//! every library load and every admitted module, so that
//! `load_library` (or a later definition) makes the same function work.

use std::collections::{HashMap, HashSet};

use cpplive_core::error::{BackendError, Result};

use crate::ffi::bridge::ModuleSymbols;
use crate::ClangBackend;

/// How deep definitions emitted on request may pull in further ones.
const EMIT_DEPTH: usize = 8;

const THREAD_LOCAL_PREFIX: &str = "__emutls_v.";

struct Waiting {
    ptu: u64,
    missing: Vec<String>,
}

#[derive(Default)]
pub struct Linker {
    waiting: Vec<Waiting>,
    /// Symbol → index into `waiting` of the module defining it.
    waiting_defined: HashMap<String, usize>,
    /// Names no definition or library was found for (not searched again
    /// until a library is loaded).
    unfindable: HashSet<String>,
    libraries: crate::libindex::LibraryIndex,
    /// Symbols of modules never linked because they define or use a
    /// template specialization whose instantiation failed, with the error.
    refused: HashMap<String, BackendError>,
}

impl ClangBackend {
    /// Parses `code` and links it (or lets it wait for missing symbols).
    /// `guarded`: the code may well be rejected (user input, probes), so it
    /// is tried in a forked child first; generated code that is expected
    /// to compile is parsed here directly.
    pub(crate) fn compile(&mut self, code: &str, guarded: bool) -> Result<()> {
        if let Some(report) = self.unclosed(code)? {
            return Err(BackendError::Parse { diagnostics: report });
        }
        let ptu = self.session().parse(code, guarded).map_err(crate::parse_error)?;
        let symbols = self.settle(ptu)?;
        if guarded {
            self.refuse_second_definitions(&symbols)?;
        }
        self.admit(ptu, symbols, 0)?;
        self.retry_waiting()
    }

    /// An input whose brackets do not close makes clang 19's parser loop:
    /// it is refused before clang sees it.
    fn unclosed(&self, code: &str) -> Result<Option<String>> {
        let found = self.session.unclosed_bracket(code).map_err(|e| BackendError::Internal(e.what().to_string()))?;
        let mut parts = found.splitn(3, ':');
        let (Some(line), Some(column), Some(bracket)) = (parts.next(), parts.next(), parts.next()) else {
            return Ok(None);
        };
        let line_number: usize = line.parse().unwrap_or(1);
        let column_number: usize = column.parse().unwrap_or(1);
        let text = code.lines().nth(line_number.saturating_sub(1)).unwrap_or("");
        Ok(Some(format!(
            "input_line:{line}:{column}: error: '{bracket}' is never closed: the input ends first\n{text}\n{caret:>width$}",
            caret = "^",
            width = column_number
        )))
    }

    /// A user's definition of a symbol that a loaded library (or an
    /// earlier input) already defines parses, since clang saw only a
    /// declaration, but the JIT would refuse the whole module (and name only
    /// the mangled symbol). Generated code is not checked: its names are
    /// its own, and each lookup costs.
    fn refuse_second_definitions(&self, symbols: &ModuleSymbols) -> Result<()> {
        let clashes: Vec<String> = symbols
            .unique
            .iter()
            .filter(|n| self.link.waiting_defined.contains_key(*n) || self.resolvable(n))
            .map(|n| format!("'{}'", self.demangled(n)))
            .collect();
        if clashes.is_empty() {
            return Ok(());
        }
        Err(BackendError::Parse {
            diagnostics: format!(
                "error: redefinition of {}: already defined by a loaded library or an earlier input, and a symbol is defined once (the input is not linked)",
                clashes.join(", ")
            ),
        })
    }

    fn resolvable(&self, name: &str) -> bool {
        self.session.symbol_address(name).is_ok()
    }

    /// What of `undefined` cannot be found now (waiting modules' symbols
    /// count as missing).
    fn still_missing(&self, undefined: &[String]) -> Vec<String> {
        undefined.iter().filter(|n| self.link.waiting_defined.contains_key(*n) || !self.resolvable(n)).cloned().collect()
    }

    /// Makes a parsed module ready for admission: definitions that may not
    /// link go, then either the object an earlier run compiled from the
    /// same IR is taken for it, or it is optimized (and its object is to be
    /// kept). Returns the symbols `admit` decides on.
    fn settle(&mut self, ptu: u64) -> Result<ModuleSymbols> {
        let internal = |e: cxx::Exception| BackendError::Internal(e.what().to_string());
        self.session().strip_refused(ptu).map_err(internal)?;
        let key = if self.code.enabled() { self.session.code_key(ptu, self.code.salt()).map_err(internal)? } else { String::new() };
        if !key.is_empty() {
            let reusable = self.code.reusable(&key).filter(|r| {
                let applies = self.still_missing(&r.requires).is_empty();
                if !applies {
                    crate::debug_note(&format!("compiled code in {} not reused: earlier modules differ", r.path.display()));
                }
                applies
            });
            if let Some(reusable) = reusable {
                crate::debug_note(&format!("compiled code reused from {} ({} bytes)", reusable.path.display(), reusable.object.len()));
                self.session().reuse_object(ptu, &reusable.object).map_err(internal)?;
                return Ok(reusable.symbols);
            }
        }
        let symbols = self.session.module_symbols(ptu).map_err(internal)?;
        if !key.is_empty() {
            self.code.expect(self.session.module_name(ptu).map_err(internal)?, key, symbols.clone());
        }
        Ok(symbols)
    }

    /// Objects the JIT compiled since the last call, kept when expected.
    pub(crate) fn keep_compiled(&self) {
        if self.code.enabled() {
            if let Ok(compiled) = self.session.take_compiled() {
                self.code.keep(compiled);
            }
        }
    }

    fn execute(&mut self, ptu: u64) -> Result<()> {
        let executed = self.session().execute(ptu).map_err(execute_error);
        self.keep_compiled();
        executed
    }

    fn admit(&mut self, ptu: u64, symbols: ModuleSymbols, depth: usize) -> Result<()> {
        // clang reports a failed instantiation once: a later input using the
        // same specialization parses without a word, and must not link.
        let refusal = symbols.undefined.iter().find_map(|name| self.refusal(name));
        if let Some(error) = refusal {
            crate::debug_note(&format!("module {ptu} refused: {error}"));
            for name in &symbols.defined {
                self.link.refused.insert(name.clone(), error.clone());
            }
            return Ok(());
        }
        let mut missing = self.still_missing(&symbols.undefined);
        if !missing.is_empty() {
            crate::debug_note(&format!("module {ptu} needs: {}", missing.join(" ")));
            self.supply(&missing, depth)?;
            missing = self.still_missing(&missing);
        }
        if missing.is_empty() {
            return self.execute(ptu);
        }
        crate::debug_note(&format!("module {ptu} waits for: {}", missing.join(" ")));
        let index = self.link.waiting.len();
        for name in &symbols.defined {
            self.link.waiting_defined.insert(name.clone(), index);
        }
        self.link.waiting.push(Waiting { ptu, missing });
        Ok(())
    }

    /// Looks for what `missing` names, in the order of cost.
    fn supply(&mut self, missing: &[String], depth: usize) -> Result<()> {
        let searchable: Vec<String> = missing
            .iter()
            .filter(|n| !self.link.waiting_defined.contains_key(*n) && !self.link.unfindable.contains(*n))
            .cloned()
            .collect();
        if searchable.is_empty() {
            return Ok(());
        }
        let mut rest = Vec::new();
        for name in &searchable {
            match name.strip_prefix(THREAD_LOCAL_PREFIX) {
                Some(native) if self.session().bridge_thread_local(native).is_ok() => {}
                _ => rest.push(name.clone()),
            }
        }
        if depth < EMIT_DEPTH && !rest.is_empty() {
            let emitted = self.session().emit_definitions(&rest).map_err(|e| BackendError::Internal(e.what().to_string()))?;
            if emitted.ptu != 0 {
                let symbols = self.settle(emitted.ptu)?;
                self.admit(emitted.ptu, symbols, depth + 1)?;
                rest.retain(|n| !emitted.names.contains(n));
            }
        }
        if !rest.is_empty() {
            for (library, names) in self.link.libraries.find(&rest) {
                let text = library.display().to_string();
                if self.session().load_library(&text).is_ok() {
                    eprintln!(
                        "cpplive: loaded {text} automatically: it defines {} (load it with cpplive.load_library to say so)",
                        self.readable_list(&names)
                    );
                    rest.retain(|n| !names.contains(n));
                }
            }
        }
        self.link.unfindable.extend(rest);
        Ok(())
    }

    /// Links waiting modules whose symbols can now be found.
    pub(crate) fn retry_waiting(&mut self) -> Result<()> {
        loop {
            // Chains resolve in turn: a module is ready once nothing it
            // needs is still defined only by a waiting module.
            let ready = (0..self.link.waiting.len()).find(|&i| {
                self.link.waiting[i].missing.iter().all(|n| !self.link.waiting_defined.contains_key(n) && self.resolvable(n))
            });
            let Some(index) = ready else { return Ok(()) };
            let waiting = self.link.waiting.remove(index);
            self.link.waiting_defined.retain(|_, i| *i != index);
            for i in self.link.waiting_defined.values_mut() {
                if *i > index {
                    *i -= 1;
                }
            }
            self.execute(waiting.ptu)?;
        }
    }

    /// After a library load: what was missing may now be found, and waiting
    /// modules may link.
    pub(crate) fn library_loaded(&mut self) -> Result<()> {
        self.link.unfindable.clear();
        let missing: Vec<String> = self.link.waiting.iter().flat_map(|w| w.missing.clone()).collect();
        let unresolved = self.still_missing(&missing);
        if !unresolved.is_empty() {
            self.supply(&unresolved, 0)?;
        }
        self.retry_waiting()
    }

    /// The error for asking for `symbol` while its module waits; `None`
    /// when it does not.
    pub(crate) fn waiting_error(&self, symbol: &str) -> Option<BackendError> {
        if let Some(refused) = self.link.refused.get(symbol) {
            return Some(refused.clone());
        }
        let index = *self.link.waiting_defined.get(symbol)?;
        let missing = self.still_missing(&self.link.waiting[index].missing);
        let missing: Vec<String> = missing
            .into_iter()
            .map(|name| match self.link.waiting_defined.get(&name) {
                Some(&other) => self.root_missing(other, &mut HashSet::new()).join(", "),
                None => self.demangled(&name),
            })
            .collect();
        Some(BackendError::Link { missing: missing.join(", ") })
    }

    /// The error for asking for `symbol` when it may not be linked: its
    /// definition was removed, or its module refused, because it needs a
    /// failed template instantiation.
    pub(crate) fn refusal(&self, symbol: &str) -> Option<BackendError> {
        let text = self.session.refusal(symbol).ok().filter(|w| !w.is_empty())?;
        let (what, why) = text.split_once('\n').unwrap_or((symbol, &text));
        Some(BackendError::Instantiation { what: what.to_string(), diagnostics: why.to_string() })
    }

    /// The missing symbols at the bottom of a chain of waiting modules.
    fn root_missing(&self, index: usize, seen: &mut HashSet<usize>) -> Vec<String> {
        if !seen.insert(index) {
            return Vec::new();
        }
        let mut out = Vec::new();
        for name in &self.link.waiting[index].missing {
            match self.link.waiting_defined.get(name) {
                Some(&other) if other != index => out.extend(self.root_missing(other, seen)),
                _ => out.push(self.demangled(name)),
            }
        }
        out
    }

    fn demangled(&self, name: &str) -> String {
        crate::ffi::bridge::demangle(name)
    }

    fn readable_list(&self, names: &[String]) -> String {
        names.iter().map(|n| self.demangled(n)).collect::<Vec<_>>().join(", ")
    }
}

/// A failure of `execute`: a fault in the module's initializers (see
/// shim/faults.cpp), or the JIT's own error.
fn execute_error(e: cxx::Exception) -> BackendError {
    let text = e.what();
    let fields: Option<Vec<&str>> = text.strip_prefix("cpplive-fault:").map(|rest| rest.split(':').collect());
    match fields.as_deref() {
        Some([signal, code, address]) => BackendError::Fault {
            signal: signal.parse().unwrap_or(0),
            code: code.parse().unwrap_or(0),
            address: address.parse().unwrap_or(0),
        },
        _ => BackendError::Internal(text.to_string()),
    }
}
