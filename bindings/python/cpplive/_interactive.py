"""Interactive C++: what the prompt (`python -m cpplive`) and the notebook
magics (`%load_ext cpplive`) share.

An entry is one complete input (its brackets balance). An expression
without a trailing `;` is evaluated inside a C++ lambda handed to
`__cpplive_repl::emit`, which prints its value and type with C++'s own
overloads (so a vector of 10^4 ints prints in C++, not item by item from
Python) and catches what it throws; anything else is top-level input to
the interpreter (`cppexec`). An input that defines a name again is parsed
in an inline namespace of its own and the old declarations are taken out
of lookup (`shim/redefine.cpp`); `undo` takes entries back the same way.
"""
import ctypes
import os
import re
import sys
import threading

from . import _cpplive as _c
from . import _proxies

# Printing of values, in C++. `emit<D>(fn)` runs `fn` (the expression in a
# lambda), and writes "(type) value" into `text`, or what it threw into
# `error`. D is decltype of the expression, for the type shown.
_PRELUDE = r"""
#include <charconv>
#include <exception>
#include <iterator>
#include <memory>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <iostream>
#include <cxxabi.h>
#include <cstdlib>
namespace __cpplive_repl {
// What `emit` leaves for Python: the type shown, the value's text, or what
// the expression threw.
std::string type, text, error;
std::ostringstream out;

// The work is done by these plain functions, compiled once: each entry's
// module then holds only the thin templates below (a template's body is
// compiled again in every module that uses it).
void begin() { out.str(std::string()); out.clear(); type.clear(); text.clear(); error.clear(); }
std::ostream &stream() { return out; }
void put_raw(const char *s) { out << s; }
void put_signed(long long v) { out << v; }
void put_unsigned(unsigned long long v) { out << v; }
void put_bool(bool v) { out << (v ? "true" : "false"); }
void put_char(char c) {
  switch (c) {
  case '\n': out << "'\\n'"; break;
  case '\t': out << "'\\t'"; break;
  case '\0': out << "'\\0'"; break;
  case '\'': out << "'\\''"; break;
  case '\\': out << "'\\\\'"; break;
  default: out << '\'' << c << '\'';
  }
}
void put_double(double v) {
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
  out << std::string_view(buffer, static_cast<std::size_t>(result.ptr - buffer));
}
void put_float(float v) {
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
  out << std::string_view(buffer, static_cast<std::size_t>(result.ptr - buffer));
}
void put_long_double(long double v) { out << v; }
void put_string(const char *data, std::size_t size) {
  out << '"';
  for (std::size_t i = 0; i < size; ++i) {
    char c = data[i];
    switch (c) {
    case '"': out << "\\\""; break;
    case '\\': out << "\\\\"; break;
    case '\n': out << "\\n"; break;
    case '\t': out << "\\t"; break;
    default: out << c;
    }
  }
  out << '"';
}
void put_pointer(const void *p) {
  if (p)
    out << p;
  else
    out << "nullptr";
}
void put_address(const void *p) { out << "@" << p; }
// `pretty` is __PRETTY_FUNCTION__ of type_name<T>: "... [T = int]".
void finish(const char *pretty) {
  std::string_view p = pretty;
  auto start = p.find("T = ") + 4;
  auto end = p.rfind(']');
  type = std::string(p.substr(start, end - start));
  text = out.str();
}
void caught() {
  const std::type_info *thrown = abi::__cxa_current_exception_type();
  std::string name = "unknown exception";
  if (thrown) {
    int status = 0;
    char *demangled = abi::__cxa_demangle(thrown->name(), nullptr, nullptr, &status);
    name = status == 0 && demangled ? demangled : thrown->name();
    std::free(demangled);
  }
  try {
    throw;
  } catch (const std::exception &e) {
    error = name + ": " + e.what();
  } catch (...) {
    error = name;
  }
}
int unit_buffered = (std::cout << std::unitbuf, 0);

template <class T> const char *type_name() { return __PRETTY_FUNCTION__; }
template <class T, class = void> struct has_shift : std::false_type {};
template <class T>
struct has_shift<T, std::void_t<decltype(std::declval<std::ostream &>() << std::declval<const T &>())>> : std::true_type {};
template <class T, class = void> struct is_range : std::false_type {};
template <class T>
struct is_range<T, std::void_t<decltype(std::begin(std::declval<const T &>())), decltype(std::end(std::declval<const T &>()))>>
    : std::true_type {};
template <class T, class = void> struct is_map : std::false_type {};
template <class T> struct is_map<T, std::void_t<typename T::key_type, typename T::mapped_type>> : std::true_type {};
template <class T> struct is_pair : std::false_type {};
template <class A, class B> struct is_pair<std::pair<A, B>> : std::true_type {};
template <class T> struct is_tuple : std::false_type {};
template <class... A> struct is_tuple<std::tuple<A...>> : std::true_type {};

template <class T> void show(const T &v);

template <class T> void show_items(const T &v) {
  put_raw("{");
  bool first = true;
  for (auto &&item : v) {
    put_raw(first ? " " : ", ");
    first = false;
    if constexpr (is_map<T>::value) {
      show(item.first);
      put_raw(" => ");
      show(item.second);
    } else {
      show(item);
    }
  }
  put_raw(first ? "}" : " }");
}

template <class T> void show(const T &v) {
  using U = std::remove_cv_t<T>;
  if constexpr (std::is_same_v<U, bool>) {
    put_bool(v);
  } else if constexpr (std::is_same_v<U, char>) {
    put_char(v);
  } else if constexpr (std::is_same_v<U, float>) {
    put_float(v);
  } else if constexpr (std::is_same_v<U, double>) {
    put_double(v);
  } else if constexpr (std::is_floating_point_v<U>) {
    put_long_double(v);
  } else if constexpr (std::is_integral_v<U> && std::is_signed_v<U>) {
    put_signed(v);
  } else if constexpr (std::is_integral_v<U>) {
    put_unsigned(v);
  } else if constexpr (std::is_enum_v<U>) {
    put_signed(static_cast<long long>(v));
  } else if constexpr (std::is_null_pointer_v<U>) {
    put_raw("nullptr");
  } else if constexpr (std::is_same_v<U, const char *> || std::is_same_v<U, char *>) {
    if (v)
      put_string(v, std::char_traits<char>::length(v));
    else
      put_raw("nullptr");
  } else if constexpr (std::is_pointer_v<U>) {
    put_pointer(reinterpret_cast<const void *>(v));
  } else if constexpr (std::is_member_pointer_v<U>) {
    put_raw(v ? "(member pointer)" : "nullptr");
  } else if constexpr (std::is_array_v<U> && std::is_same_v<std::remove_cv_t<std::remove_extent_t<U>>, char>) {
    std::string_view s(v);
    put_string(s.data(), s.size());
  } else if constexpr (std::is_array_v<U>) {
    show_items(v);
  } else if constexpr (std::is_convertible_v<const U &, std::string_view>) {
    std::string_view s(v);
    put_string(s.data(), s.size());
  } else if constexpr (is_pair<U>::value) {
    put_raw("{ ");
    show(v.first);
    put_raw(", ");
    show(v.second);
    put_raw(" }");
  } else if constexpr (is_tuple<U>::value) {
    put_raw("{");
    bool first = true;
    std::apply([&](const auto &...item) { ((put_raw(first ? " " : ", "), first = false, show(item)), ...); }, v);
    put_raw(first ? "}" : " }");
  } else if constexpr (has_shift<U>::value) {
    stream() << v;
  } else if constexpr (is_range<U>::value) {
    show_items(v);
  } else if constexpr (std::is_class_v<U> || std::is_union_v<U>) {
    put_address(static_cast<const void *>(std::addressof(v)));
  } else {
    put_raw("(no printable value)");
  }
}

// What an expression's value is held as: an lvalue by reference, anything
// else by value (an xvalue such as a member of a temporary would dangle).
// Scalars are copied: read here, a bad reference faults inside C++ code
// (where faults are reported), not where Python converts the result.
template <class T> struct held { using type = T; };
template <class T> struct held<T &&> { using type = T; };
template <class T> struct held<T &> {
  using type = std::conditional_t<std::is_scalar_v<T>, std::remove_cv_t<T>, T &>;
};
template <class T> using held_t = typename held<T>::type;
template <class T> held_t<T &&> keep(T &&value) { return static_cast<T &&>(value); }

// Runs `fn` (the entry's expression in a function); unless `quiet`, shows
// its value with D (decltype of the call) as its type.
template <class D, class F> void emit(F fn, bool quiet) {
  using R = decltype(fn());
  begin();
  try {
    if constexpr (std::is_void_v<R>) {
      fn();
    } else {
      R &&value = fn();
      if (!quiet) {
        show(value);
        finish(type_name<std::remove_reference_t<D>>());
      }
    }
  } catch (...) {
    caught();
  }
}
} // namespace __cpplive_repl
"""

_prelude_ready = False
_prelude_lock = threading.Lock()


def prelude():
    """Declares the value printer (once; the prompt starts it on a thread
    of its own while the user types)."""
    global _prelude_ready
    with _prelude_lock:
        if not _prelude_ready:
            _c.cppdef(_PRELUDE)
            _prelude_ready = True


# --- brackets ---------------------------------------------------------------

_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = {")", "]", "}"}


def scan(text):
    """Reads `text` as C++ tokens go, skipping comments and literals. Returns
    (open, ends_in_code): the brackets still open (a list of characters;
    a string, raw string or block comment left open counts as one) and the
    offsets of the `;` and `}` met at depth 0."""
    stack = []
    top_level_ends = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "/" and text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if ch == "/" and text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                return stack + ["/*"], top_level_ends
            i = j + 2
            continue
        if ch == "R" and text.startswith('R"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")
                                                       or text[i - 1] in "uUL8"):
            m = re.match(r'R"([^()\\ ]{0,16})\(', text[i:])
            if m:
                end = text.find(")" + m.group(1) + '"', i + m.end())
                if end < 0:
                    return stack + ['R"'], top_level_ends
                i = end + len(m.group(1)) + 2
                continue
        if ch in "\"'":
            if ch == "'" and i > 0 and text[i - 1].isalnum() and i + 1 < n and text[i + 1].isalnum():
                i += 1  # digit separator: 1'000'000
                continue
            j = i + 1
            while j < n and text[j] != ch and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            if j >= n or text[j] == "\n":
                # An unterminated literal at the end of a line is an error
                # for clang to report, not more input to wait for.
                i = j
                continue
            i = j + 1
            continue
        if ch in _OPENERS:
            stack.append(ch)
        elif ch in _CLOSERS:
            if stack and _OPENERS[stack[-1]] == ch:
                stack.pop()
            else:
                return [], top_level_ends  # stray closer: clang says so
            if ch == "}" and not stack:
                top_level_ends.append(i)
        elif ch == ";" and not stack:
            top_level_ends.append(i)
        elif ch == "\\" and text.startswith("\\\n", i):
            i += 2
            continue
        i += 1
    return stack, top_level_ends


def is_complete(text):
    """Whether `text` can be sent: its brackets, comments and raw strings
    close, and its last line does not end with a line continuation."""
    stack, _ = scan(text)
    if stack:
        return False
    return not text.rstrip("\n").endswith("\\")


def split_trailing_expression(text):
    """(declarations, expression): the text after the last `;` at depth 0,
    or after a `}` at depth 0 that ends its line with more text after it,
    when it is not empty and not a directive, is an expression whose value
    is shown."""
    _, ends = scan(text)
    cut = 0
    for end in ends:
        after = text[end + 1:]
        if text[end] == ";" or (after.split("\n", 1)[0].strip() == "" and after.strip()):
            cut = end + 1
    head, tail = text[:cut], text[cut:]
    stripped = tail.strip()
    if not stripped or stripped.startswith("#") or stripped.startswith("//"):
        return text, None
    # A directive line before the expression belongs to the declarations.
    lines = tail.split("\n")
    while lines and (not lines[0].strip() or lines[0].lstrip().startswith("#")):
        head += lines.pop(0) + "\n"
    return head, "\n".join(lines)


# --- diagnostics --------------------------------------------------------------

def located(code, source, line=1):
    """`code` with a `#line` directive, so that clang's diagnostics name the
    prompt's entry or the notebook's cell and count its own lines (in the
    location and in the source excerpt)."""
    return '#line %d "%s"\n%s' % (line, source.replace("\\", "/").replace('"', "'"), code)


_REDEFINITION = re.compile(r"error: (redefinition of '|functions that differ only in their return type|"
                           r"conflicting types for ')")


class CppError(Exception):
    """An entry failed: clang's diagnostics, or what the code threw."""


# --- the journal of inputs, redefinition and undo -----------------------------

# (mark, text) for each input that can be taken back: the backend's count
# of user inputs before it.
_journal = []
_counter = [0]
# Old classes whose proxies were made unusable: scope id -> their members.
_stale = {}


def record(mark, text):
    _journal.append((mark, text))


def mark():
    return _c.input_mark()


def undo(n=1):
    """Takes back the last `n` inputs (cppdef, include, prompt entries,
    cells): the names they declared are no longer found, and the
    definitions they replaced are found again. What their statements did
    is not undone. Returns the texts taken back."""
    if not isinstance(n, int) or n < 1:
        raise ValueError("undo() takes a positive number of inputs")
    if n > len(_journal):
        raise ValueError("there %s only %d input%s to take back" % (
            "is" if len(_journal) == 1 else "are", len(_journal), "" if len(_journal) == 1 else "s"))
    first = _journal[-n][0]
    taken = [text for _, text in _journal[-n:]]
    del _journal[-n:]
    apply_changes(_c.undo_inputs(first))
    return taken


def _parent_and_name(qualified):
    from . import gbl
    parts = qualified.split("::")
    scope = gbl
    for part in parts[:-1]:
        scope = scope.__dict__.get(part)
        if not isinstance(scope, _proxies.Namespace):
            return None, parts[-1]
    return scope, parts[-1]


class _Stale(object):
    """What an old class's members become once the class is redefined or
    taken back: its objects may not match the code now compiled under the
    name."""

    def __init__(self, cls_name, member):
        self.message = ("C++ class '%s' was redefined or taken back; '%s' of its old definition can no longer be used"
                        % (cls_name, member))

    def __get__(self, obj, owner=None):
        raise RuntimeError(self.message)

    def __set__(self, obj, value):
        raise RuntimeError(self.message)

    def __call__(self, *args, **kwargs):
        raise RuntimeError(self.message)


def _make_stale(cls):
    saved = {}
    for name, value in list(cls.__dict__.items()):
        if name in ("__module__", "__doc__", "__dict__", "__weakref__", "__qualname__") or name.startswith("__cpp"):
            continue
        if name.startswith("__") and name not in ("__init__", "__call__", "__getitem__", "__setitem__", "__len__",
                                                  "__iter__", "__str__", "__eq__", "__lt__", "__add__", "__contains__"):
            continue
        saved[name] = value
        type.__setattr__(cls, name, _Stale(cls.__cpp_name__, name))
    return saved


def apply_changes(changed):
    """Brings the Python side in line with declarations hidden ("-id name")
    and shown again ("+id name"): cached names are forgotten, so the next
    lookup finds what C++ now finds, and proxies of hidden classes raise."""
    for entry in changed:
        sign, rest = entry[0], entry[1:]
        scope_id, _, qualified = rest.partition(" ")
        scope_id = int(scope_id)
        parent, name = _parent_and_name(qualified)
        if parent is not None:
            parent.__dict__.pop(name, None)
            if name in type(parent).__dict__:
                try:
                    delattr(type(parent), name)
                except AttributeError:
                    pass
        cls = _proxies._classes.get(scope_id)
        if cls is None:
            continue
        if sign == "-" and scope_id not in _stale:
            _stale[scope_id] = _make_stale(cls)
        elif sign == "+" and scope_id in _stale:
            for member, value in _stale.pop(scope_id).items():
                type.__setattr__(cls, member, value)


_NAMESPACE_BLOCK = re.compile(r"(^|[;{}\s])(inline\s+)?namespace\s+[\w:]*\s*\{", re.M)
_HOISTED = re.compile(r"^\s*(#\s*include\b|using\s+namespace\b)")


def define(code, source="input", redefine=True):
    """Top-level C++ input (declarations and statements) that may define
    names again; raises CppError with clang's diagnostics, named after
    `source`."""
    before = mark()
    debug("%s as top-level input:\n%s" % (source, code))
    try:
        _c.cppdef(located(code, source) + "\n;")
    except SyntaxError as error:
        text = str(error)
        if not (redefine and _REDEFINITION.search(text)):
            raise CppError(text) from None
        if _NAMESPACE_BLOCK.search(code):
            # In the inline namespace, `namespace geo` would be another
            # namespace than the first `geo`, and `geo` ambiguous from then on.
            raise CppError(text + "\n(names inside namespaces are not redefined: only global ones)") from None
        _counter[0] += 1
        namespace = "__cpplive_r%d" % _counter[0]
        lines = code.split("\n")
        hoisted = [line for line in lines if _HOISTED.match(line)]
        body = "\n".join("" if _HOISTED.match(line) else line for line in lines)
        wrapped = "%s\ninline namespace %s {\n%s\n;}" % ("\n".join(hoisted), namespace, located(body, source))
        debug("%s defines a name again; in inline namespace %s" % (source, namespace))
        try:
            _c.cppdef(wrapped)
        except SyntaxError:
            raise CppError(text) from None
        apply_changes(_c.shadow(namespace))
    record(before, code)


def _flush_c_stdout():
    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):
        pass


def evaluate(expression, source="input", quiet=False):
    """Runs a C++ expression, printing nothing; returns "(type) value"
    (None when the expression is void or `quiet`). Raises CppError when it
    does not compile (the diagnostics of the expression as a statement)
    or when it throws."""
    prelude()
    # In a function, not a lambda: clang 19 crashes on a lambda inside a
    # top-level statement.
    _counter[0] += 1
    name = "__cpplive_e%d" % _counter[0]
    # The expression on lines of its own, located as the entry: clang's
    # warnings and errors then quote the user's text, not the wrapper's.
    entry = located(expression, source)
    code = ("inline auto %s() -> __cpplive_repl::held_t<decltype((\n%s\n))> { return (\n%s\n); }\n"
            "%s") % (name, entry, entry,
                     located("__cpplive_repl::emit<decltype(%s())>(%s, %s);" % (
                         name, name, "true" if quiet else "false"), "<cpplive>"))
    debug("%s as an expression:\n%s" % (source, code))
    try:
        _c.cppdef(code)
    except SyntaxError as error:
        # Not an expression (a declaration without `;`, say), or wrong:
        # clang's word on the input as the user wrote it.
        debug("%s is not an expression to show:\n%s" % (source, error))
        define(expression, source)
        return None
    repl = getattr(_gbl(), "__cpplive_repl")
    error = repl.error
    if error:
        raise CppError("C++ exception: %s" % error)
    if quiet or not repl.type:
        return None
    return "(%s) %s" % (readable_type(repl.type), repl.text)


_READABLE = [(re.compile(r"\bstd::basic_string<char>"), "std::string"),
             (re.compile(r"\bstd::basic_string_view<char>"), "std::string_view"),
             (re.compile(r"\b__cpplive_r\d+::"), "")]


def readable_type(name):
    """A type as clang prints it, with the standard library's aliases."""
    for pattern, replacement in _READABLE:
        name = pattern.sub(replacement, name)
    return name


def debug(text):
    if os.environ.get("CPPLIVE_DEBUG"):
        sys.stderr.write("cpplive: %s\n" % text.rstrip("\n"))


def _gbl():
    from . import gbl
    return gbl


# Entries that are declarations or compound statements, never expressions.
_DECLARATION = re.compile(r"^\s*(struct|class|union|enum|template|namespace|using|typedef|extern|static|inline|"
                          r"constexpr|consteval|constinit|thread_local|friend|if|for|while|do|switch|try|"
                          r"#|//|/\*)\b")


def run_entry(text, source="input"):
    """One complete entry of the prompt. Returns what to print (or None)."""
    stripped = text.strip()
    if not stripped:
        return None
    if stripped.startswith("#"):
        define(text, source, redefine=False)
        return None
    if _DECLARATION.match(stripped):
        define(text, source)
        return None
    _, ends = scan(stripped)
    if stripped.endswith(";"):
        if len(ends) == 1:
            # One statement: run as an expression, for its exceptions.
            return evaluate(stripped[:-1], source, quiet=True)
        define(text, source)
        return None
    # An expression shows its value; a declaration without `;` (`int x =
    # 1`, `int f() { ... }`) falls back to top-level input.
    return evaluate(stripped, source)


# --- values for Python (the notebook) -----------------------------------------

def value_of(expression, source="cell", line=1):
    """The value of a C++ expression, converted as a call's result would
    be: a number, str, bool, or a proxy (references to objects stay
    references)."""
    prelude()
    _counter[0] += 1
    name = "__cpplive_value_%d" % _counter[0]
    try:
        _c.cppdef("inline decltype(auto) %s() { return __cpplive_repl::keep((\n%s\n)); }"
                  % (name, located(expression, source, line)))
    except SyntaxError as error:
        raise CppError(str(error)) from None
    return getattr(_gbl(), name)()
