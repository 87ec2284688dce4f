//! The names of the functions generated into a dictionary library, derived
//! from the dictionary's symbol prefix and its own ids, so that the
//! generator and the loader agree without a symbol table.

pub fn thunk(prefix: &str, function: u64) -> String {
    format!("{prefix}_call{function}")
}

pub fn defaults(prefix: &str, function: u64) -> String {
    format!("{prefix}_defaults{function}")
}

pub fn class_helper(prefix: &str, kind: &str, class: u64) -> String {
    format!("{prefix}_{kind}{class}")
}

pub fn upcast(prefix: &str, class: u64, base: u64) -> String {
    format!("{prefix}_up{class}_{base}")
}

/// The getter; the setter is the same name with `_set` (`thunkgen`).
pub fn bitfield(prefix: &str, class: u64, field: usize) -> String {
    format!("{prefix}_bits{class}_{field}")
}

pub fn variable(prefix: &str, index: usize) -> String {
    format!("{prefix}_var{index}")
}

pub fn assigner(prefix: &str, index: usize) -> String {
    format!("{prefix}_assign{index}")
}

/// A C identifier made of `stem` (a library's file name).
pub fn prefix_for(stem: &str) -> String {
    let clean: String = stem.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    format!("__cpplive_dict_{clean}")
}
