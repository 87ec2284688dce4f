//! The narrow waist between the Python proxy layer and the backends: the
//! reflection model, the `Backend` trait, the thunk ABI and generator, and
//! the only parser of C++ type names. No clang and no Python here.

pub mod backend;
pub mod dispatch;
pub mod error;
pub mod ids;
pub mod library_search;
pub mod live;
pub mod model;
pub mod stack;
pub mod thunk;
pub mod thunkgen;
pub mod types;
pub mod typename;

pub use backend::Backend;
pub use error::BackendError;
pub use ids::{FuncId, ScopeId};
pub use types::{Builtin, RefKind, TypeBase, TypeRef};
