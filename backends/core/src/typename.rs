//! The only place a C++ type name is taken apart: canonical spellings from a
//! backend and names typed by users both become a `TypeRef` here, once.

use crate::types::{Builtin, DeclRef, RefKind, TypeBase, TypeRef};

/// Parses `text` (e.g. `const int &`, `char const*`, `std::vector<int> &&`).
/// `spelling` is kept for generated code; `decl` names the class or enum at
/// the bottom when the caller knows it.
pub fn parse(text: &str, spelling: &str, decl: Option<DeclRef>, size: usize) -> TypeRef {
    parse_aliased(text, spelling, &[], decl, size)
}

/// `parse`, given also the typedef names the base type was written
/// through (outermost first): `int8_t` and `uint8_t` are `signed char` and
/// `unsigned char` to C++, but numbers to their users, and only the
/// typedef tells them apart.
pub fn parse_aliased(text: &str, spelling: &str, aliases: &[String], decl: Option<DeclRef>, size: usize) -> TypeRef {
    let (base, base_const, pointers, array, reference) = declarator(text);
    let base = match base {
        TypeBase::Builtin(Builtin::SChar | Builtin::UChar) => {
            match aliases.iter().find_map(|name| builtin(name).filter(|b| matches!(b, Builtin::Int8 | Builtin::UInt8))) {
                Some(b) => TypeBase::Builtin(b),
                None => base,
            }
        }
        _ => base,
    };
    let decl = match (&base, decl) {
        (TypeBase::Named(_) | TypeBase::StdString, d) => d,
        (_, _) => None,
    };
    TypeRef {
        base,
        base_const,
        pointers,
        array,
        reference,
        spelling: if spelling.is_empty() { text.trim().to_string() } else { spelling.to_string() },
        decl,
        size,
    }
}

/// A type taken apart: base, its constness, pointers, array extents and
/// reference kind.
fn declarator(text: &str) -> (TypeBase, bool, Vec<bool>, Vec<Option<usize>>, RefKind) {
    let mut rest = text.trim().to_string();
    let mut reference = RefKind::None;
    if let Some(s) = rest.strip_suffix("&&") {
        reference = RefKind::RValue;
        rest = s.trim_end().to_string();
    } else if let Some(s) = rest.strip_suffix('&') {
        reference = RefKind::LValue;
        rest = s.trim_end().to_string();
    }

    let mut array = Vec::new();
    while rest.ends_with(']') {
        let Some(open) = rest.rfind('[') else { break };
        let extent = rest[open + 1..rest.len() - 1].trim().parse::<usize>().ok();
        array.insert(0, extent);
        rest = rest[..open].trim_end().to_string();
    }

    let mut pointers = Vec::new();
    loop {
        let (stripped, is_const) = strip_trailing_cv(&rest);
        if let Some(s) = stripped.strip_suffix('*') {
            pointers.insert(0, is_const);
            rest = s.trim_end().to_string();
        } else {
            break;
        }
    }

    let (base_text, base_const) = strip_cv(&rest);
    (parse_base(&base_text), base_const, pointers, array, reference)
}

/// Parses a user-written name with no backend information (for example the
/// arguments of `f.__overload__("int, double")`).
pub fn parse_user(text: &str) -> TypeRef {
    parse(text, "", None, 0)
}

/// Splits a comma-separated list of types at top level (not inside `<>` or `()`).
pub fn split_list(text: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut depth = 0i32;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                items.push(current.trim().to_string());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.trim().is_empty() {
        items.push(current.trim().to_string());
    }
    items
}

/// Removes `::` prefixes that only matter in generated code.
pub fn readable(spelling: &str) -> String {
    let mut out = String::with_capacity(spelling.len());
    let bytes = spelling.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let at_name_start = i == 0 || matches!(bytes[i - 1], b' ' | b'<' | b'(' | b',' | b'*' | b'&');
        if at_name_start && spelling[i..].starts_with("::") {
            i += 2;
            continue;
        }
        out.push(bytes[i] as char);
        i += 1;
    }
    out.replace("std::basic_string<char, std::char_traits<char>, std::allocator<char>>", "std::string")
}

fn strip_trailing_cv(text: &str) -> (String, bool) {
    let mut rest = text.trim_end().to_string();
    let mut is_const = false;
    loop {
        if let Some(s) = strip_word_suffix(&rest, "const") {
            is_const = true;
            rest = s;
        } else if let Some(s) = ["volatile", "__restrict", "__restrict__", "restrict"].iter().find_map(|w| strip_word_suffix(&rest, w)) {
            // `restrict` only promises the callee no aliasing: the pointer
            // converts as any other.
            rest = s;
        } else {
            return (rest, is_const);
        }
    }
}

fn strip_word_suffix(text: &str, word: &str) -> Option<String> {
    let s = text.strip_suffix(word)?;
    match s.chars().last() {
        None => Some(String::new()),
        Some(c) if c.is_alphanumeric() || c == '_' => None,
        Some(_) => Some(s.trim_end().to_string()),
    }
}

/// Removes `const`/`volatile` written before or after the base name.
fn strip_cv(text: &str) -> (String, bool) {
    let mut is_const = false;
    let mut words: Vec<&str> = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    let mut pieces = Vec::new();
    for (i, c) in text.char_indices() {
        match c {
            '<' | '(' => depth += 1,
            '>' | ')' => depth -= 1,
            ' ' if depth == 0 => {
                pieces.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    pieces.push(&text[start..]);
    for piece in pieces {
        match piece {
            "" => {}
            "const" => is_const = true,
            "volatile" | "__restrict" | "__restrict__" => {}
            other => words.push(other),
        }
    }
    (words.join(" "), is_const)
}

fn parse_base(text: &str) -> TypeBase {
    if let Some(b) = builtin(text) {
        return TypeBase::Builtin(b);
    }
    let name = text.trim_start_matches("::");
    let name = name.replace("std::__cxx11::", "std::");
    // Before `std::string`: `std::string (*)()` starts like one.
    if is_function_pointer(&name) {
        return TypeBase::FunctionPointer(name);
    }
    if name == "std::string"
        || name == "std::basic_string<char>"
        || name.starts_with("std::basic_string<char, std::char_traits<char>")
    {
        return TypeBase::StdString;
    }
    // Parentheses outside template arguments make a function or function
    // pointer type; inside them (`std::function<int (int)>`) a class.
    if (has_top_level_paren(&name) && !is_unnamed_record(&name)) || name.is_empty() {
        return TypeBase::Other(name);
    }
    TypeBase::Named(name)
}

/// A class, struct or union without a name, as clang spells one
/// (`ns::S::(unnamed union at file:3:5)`, `(anonymous struct at ...)`):
/// its members are read in place like any class's, though no code can
/// name it.
fn is_unnamed_record(name: &str) -> bool {
    let last = name.rsplit("::").next().unwrap_or(name);
    ["(unnamed ", "(anonymous "].iter().any(|p| last.starts_with(p)) && last.ends_with(')')
}

/// `R (*)(A...)` (also `R (*const)(A...)`): the first parenthesis outside
/// template arguments holds a single pointer declarator. A pointer to a
/// function pointer, or a reference to one, stays `Other`.
fn is_function_pointer(name: &str) -> bool {
    let mut depth = 0i32;
    for (i, c) in name.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            '(' if depth == 0 => {
                let Some(close) = name[i..].find(')') else { return false };
                let inner = name[i + 1..i + close].trim();
                let after = name[i + close + 1..].trim_start();
                return matches!(inner, "*" | "*const" | "* const") && after.starts_with('(');
            }
            _ => {}
        }
    }
    false
}

fn has_top_level_paren(name: &str) -> bool {
    let mut depth = 0i32;
    for c in name.chars() {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            '(' if depth == 0 => return true,
            _ => {}
        }
    }
    false
}

/// Builtin names, including the synonyms users write.
pub fn builtin(text: &str) -> Option<Builtin> {
    let words: Vec<&str> = text.split_whitespace().filter(|w| *w != "int" || text.split_whitespace().count() == 1).collect();
    let normalized = if text.split_whitespace().count() > 1 { words.join(" ") } else { text.trim().to_string() };
    Some(match normalized.as_str() {
        "void" => Builtin::Void,
        "bool" | "_Bool" => Builtin::Bool,
        "char" => Builtin::Char,
        "signed char" => Builtin::SChar,
        "unsigned char" => Builtin::UChar,
        "int8_t" | "std::int8_t" | "::int8_t" => Builtin::Int8,
        "uint8_t" | "std::uint8_t" | "::uint8_t" => Builtin::UInt8,
        "wchar_t" => Builtin::WChar,
        "char16_t" => Builtin::Char16,
        "char32_t" => Builtin::Char32,
        "short" | "signed short" | "short signed" => Builtin::Short,
        "unsigned short" | "short unsigned" => Builtin::UShort,
        "int" | "signed" => Builtin::Int,
        "unsigned" | "unsigned int" => Builtin::UInt,
        "long" | "signed long" | "long signed" => Builtin::Long,
        "unsigned long" | "long unsigned" => Builtin::ULong,
        "long long" | "signed long long" => Builtin::LongLong,
        "unsigned long long" | "long long unsigned" => Builtin::ULongLong,
        "float" => Builtin::Float,
        "double" => Builtin::Double,
        "long double" => Builtin::LongDouble,
        "_Complex double" | "double _Complex" => Builtin::ComplexDouble,
        "std::nullptr_t" | "nullptr_t" | "decltype(nullptr)" => Builtin::NullPtr,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_width_chars_are_told_apart_by_their_typedef() {
        let aliases = ["int8_t".to_string(), "__int8_t".to_string()];
        let t = parse_aliased("signed char [3]", "signed char [3]", &aliases, None, 3);
        assert_eq!(t.builtin(), Some(Builtin::Int8));
        assert_eq!(t.array, vec![Some(3)]);
        assert_eq!(parse_aliased("unsigned char", "", &["std::uint8_t".to_string()], None, 1).builtin(), Some(Builtin::UInt8));
        assert_eq!(parse_aliased("signed char", "", &["mychar".to_string()], None, 1).builtin(), Some(Builtin::SChar));
        // A typedef of another type is not taken for one of these.
        assert_eq!(parse_aliased("int", "", &aliases, None, 4).builtin(), Some(Builtin::Int));
        assert_eq!(parse_user("int8_t").builtin(), Some(Builtin::Int8));
    }

    #[test]
    fn restrict_qualified_pointers_are_plain_pointers() {
        let t = parse_user("const char *__restrict");
        assert_eq!(t.builtin(), Some(Builtin::Char));
        assert!(t.base_const && t.is_c_string());
        assert_eq!(parse_user("int *__restrict__ *").pointers.len(), 2);
    }

    #[test]
    fn unnamed_records_are_classes_not_function_types() {
        let t = parse_user("ns::S::(unnamed union at input_line_3:4:5)");
        assert_eq!(t.base, TypeBase::Named("ns::S::(unnamed union at input_line_3:4:5)".into()));
        assert!(matches!(parse_user("ns::(anonymous struct at a.h:1:1) *").base, TypeBase::Named(_)));
        assert!(matches!(parse_user("int (int)").base, TypeBase::Other(_)));
    }

    #[test]
    fn parentheses_inside_template_arguments_keep_a_class_name() {
        let f = parse_user("std::function<int (int, double)>");
        assert_eq!(f.base, TypeBase::Named("std::function<int (int, double)>".into()));
        assert!(f.is_plain());
        let p = parse_user("std::function<void ()>*");
        assert_eq!(p.pointers.len(), 1);
        assert!(matches!(parse_user("int (*)(int)").base, TypeBase::FunctionPointer(_)));
    }

    #[test]
    fn function_pointers_are_told_from_other_function_types() {
        let f = parse_user("std::basic_string<char, std::char_traits<char>, std::allocator<char>> (*)(const std::vector<int (*)(int)> &)");
        assert!(matches!(f.base, TypeBase::FunctionPointer(_)) && f.is_plain());
        assert!(matches!(parse_user("int (*const)(int)").base, TypeBase::FunctionPointer(_)));
        assert!(matches!(parse_user("int (**)(int)").base, TypeBase::Other(_)));
        assert!(matches!(parse_user("int (int)").base, TypeBase::Other(_)));
        assert!(matches!(parse_user("int (C::*)(int)").base, TypeBase::Other(_)));
    }

    #[test]
    fn builtins_and_synonyms() {
        assert_eq!(parse_user("int").builtin(), Some(Builtin::Int));
        assert_eq!(parse_user("unsigned long int").builtin(), Some(Builtin::ULong));
        assert_eq!(parse_user("long long").builtin(), Some(Builtin::LongLong));
        assert_eq!(parse_user("unsigned").builtin(), Some(Builtin::UInt));
        assert_eq!(parse_user("short int").builtin(), Some(Builtin::Short));
    }

    #[test]
    fn references_pointers_and_const() {
        let t = parse_user("const int &");
        assert_eq!(t.reference, RefKind::LValue);
        assert!(t.base_const);
        assert_eq!(t.builtin(), Some(Builtin::Int));

        let t = parse_user("const char *");
        assert!(t.is_c_string());
        assert!(t.base_const);

        let t = parse_user("char const* const*");
        assert_eq!(t.pointers, vec![true, false]);
        assert!(t.base_const);

        let t = parse_user("std::vector<int *> &&");
        assert_eq!(t.reference, RefKind::RValue);
        assert!(t.pointers.is_empty());
        assert_eq!(t.base, TypeBase::Named("std::vector<int *>".into()));
    }

    #[test]
    fn arrays_and_strings() {
        let t = parse_user("double [3][4]");
        assert_eq!(t.array, vec![Some(3), Some(4)]);
        assert_eq!(parse_user("std::basic_string<char>").base, TypeBase::StdString);
        assert_eq!(parse_user("const std::string &").base, TypeBase::StdString);
        assert!(matches!(parse_user("void (*)(int)").base, TypeBase::FunctionPointer(_)));
    }

    #[test]
    fn splits_top_level_lists() {
        assert_eq!(split_list("int, std::map<int, double>, float"), vec!["int", "std::map<int, double>", "float"]);
        assert!(split_list("").is_empty());
    }

    #[test]
    fn readable_drops_global_prefixes() {
        assert_eq!(readable("::std::vector<::Foo> &"), "std::vector<Foo> &");
    }
}
