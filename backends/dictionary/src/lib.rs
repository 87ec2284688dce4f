//! Precompiled dictionaries: the reflection model of selected C++
//! entities and their thunks, compiled ahead of time into one library, so
//! that using them needs no headers, no compiler and no parsing.
//! `generate` records the model through a live backend; `format` is the
//! data's layout; `DictionaryBackend` answers the `Backend` trait from it.

mod backend;
pub mod format;
pub mod generate;
mod remap;
mod symbols;

pub use backend::{has_model, DictionaryBackend};
