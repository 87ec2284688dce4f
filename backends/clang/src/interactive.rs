//! Redefinition and undo for interactive use (`shim/redefine.cpp`). The
//! reflection cached here is keyed by declaration id, and a redefinition
//! is a new declaration: nothing cached needs forgetting.

use cpplive_core::error::{BackendError, Result};

use crate::ClangBackend;

fn internal(e: cxx::Exception) -> BackendError {
    BackendError::Internal(e.what().to_string())
}

impl ClangBackend {
    pub(crate) fn interactive_mark(&mut self) -> Result<u64> {
        self.session.input_mark().map_err(internal)
    }

    pub(crate) fn interactive_shadow(&mut self, namespace: &str) -> Result<Vec<String>> {
        self.session().shadow(namespace).map_err(internal)
    }

    pub(crate) fn interactive_undo(&mut self, mark: u64) -> Result<Vec<String>> {
        self.session().undo_inputs(mark).map_err(internal)
    }
}
