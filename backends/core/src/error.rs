//! Everything a backend can fail with. Turned into Python exceptions in one
//! place (`bindings/src/errors.rs`).

use thiserror::Error;

#[derive(Debug, Error, Clone)]
pub enum BackendError {
    /// The compiler rejected code; `diagnostics` is its text.
    #[error("{diagnostics}")]
    Parse { diagnostics: String },
    #[error("{what} not found: {detail}")]
    NotFound { what: String, detail: String },
    /// Worded as cppyy words it, with clang's own diagnostic.
    #[error("Failed to load header file \"{header}\"\n{diagnostics}\n(searched: {searched})")]
    HeaderNotFound { header: String, diagnostics: String, searched: String },
    #[error("cannot load library '{name}': {detail} (searched: {searched})")]
    LibraryNotFound { name: String, detail: String, searched: String },
    #[error("cannot instantiate {what}: {diagnostics}")]
    Instantiation { what: String, diagnostics: String },
    /// Code compiled, but symbols it needs are defined nowhere loaded.
    #[error("undefined symbols: {missing}; no loaded library defines them (nor one on the system's library path): load the library that does with cpplive.load_library(), or define them with cppdef")]
    Link { missing: String },
    /// A fatal signal in code the backend ran for the input (its static
    /// initializers): `signal`, its `si_code` and the faulting address.
    #[error("signal {signal} while running the static initializers of the input")]
    Fault { signal: i32, code: i32, address: usize },
    #[error("{0}")]
    Unsupported(String),
    /// The clang backend's library (or LLVM) cannot be loaded: only
    /// dictionaries can answer in this process.
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Internal(String),
}

pub type Result<T> = std::result::Result<T, BackendError>;
