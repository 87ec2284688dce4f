"""IPython and Jupyter: `%load_ext cpplive` gives `%%cpp` (a cell of C++)
and `%cpp expr` (the value of an expression, `n = %cpp v.size()`).

A cell's declarations and statements go to the interpreter as top-level
input (a name defined again replaces the old definition); the text after
the last `;` or `}`, when there is one, is an expression whose value is the
cell's result. C++ objects are shown with rich display: standard containers
as the Python values they hold, vectors of structs also as HTML tables.
"""
import contextlib
import html
import os
import sys
import tempfile

import cpplive
from cpplive import _cpplive as _c
from cpplive import _interactive

from IPython.core.magic import Magics, line_cell_magic, magics_class

_SEQUENCES = ("std::vector<", "std::list<", "std::deque<", "std::array<", "std::set<", "std::multiset<",
              "std::unordered_set<", "std::forward_list<", "std::valarray<", "std::span<")
_MAPPINGS = ("std::map<", "std::multimap<", "std::unordered_map<", "std::unordered_multimap<")
_TABLE_ROWS = 100


def _cpp_name(obj):
    return getattr(type(obj), "__cpp_name__", "") or ""


def fields(cls):
    """The data members of a C++ class proxy, bases first, in order."""
    names = []
    for klass in reversed(type.mro(cls)):
        for name, value in vars(klass).items():
            if isinstance(value, _c.DataMember) and name not in names:
                names.append(name)
    return names


def python_value(obj, depth=0):
    """Standard containers as lists, dicts and tuples of Python values;
    anything else as it is."""
    if depth > 8 or not isinstance(obj, _c.CppObject):
        return obj
    name = _cpp_name(obj)
    if name.startswith(_MAPPINGS):
        result = {}
        for key, value in obj:
            key = python_value(key, depth + 1)
            try:
                hash(key)
            except TypeError:
                key = repr(key)
            result[key] = python_value(value, depth + 1)
        return result
    if name.startswith(_SEQUENCES):
        return [python_value(item, depth + 1) for item in obj]
    if name.startswith(("std::pair<", "std::tuple<")):
        try:
            return tuple(python_value(item, depth + 1) for item in obj)
        except TypeError:
            return obj
    return obj


class _Shown(object):
    """repr() of a struct inside a container: its fields."""

    def __init__(self, obj):
        self.obj = obj

    def __repr__(self):
        cls = type(self.obj)
        try:
            members = ", ".join("%s=%r" % (n, _displayed(getattr(self.obj, n))) for n in fields(cls))
        except Exception:
            return repr(self.obj)
        return "%s(%s)" % (cls.__name__, members)


def _displayed(value):
    value = python_value(value)
    if isinstance(value, list):
        return [_displayed(v) for v in value]
    if isinstance(value, dict):
        return {k: _displayed(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_displayed(v) for v in value)
    if isinstance(value, _c.CppObject) and fields(type(value)):
        return _Shown(value)
    return value


def text_repr(obj, printer, cycle):
    value = _displayed(obj)
    printer.text(repr(value) if value is not obj else repr(obj))


def html_table(obj):
    """An HTML table for a sequence of structs (one column per data member),
    or None."""
    if not _cpp_name(obj).startswith(_SEQUENCES):
        return None
    try:
        items = list(obj)
    except Exception:
        return None
    if not items or not isinstance(items[0], _c.CppObject):
        return None
    columns = fields(type(items[0]))
    if not columns:
        return None
    rows = []
    for index, item in enumerate(items[:_TABLE_ROWS]):
        cells = "".join("<td>%s</td>" % html.escape(repr(_displayed(getattr(item, c)))) for c in columns)
        rows.append("<tr><th>%d</th>%s</tr>" % (index, cells))
    more = len(items) - _TABLE_ROWS
    if more > 0:
        rows.append('<tr><td colspan="%d">... %d more</td></tr>' % (len(columns) + 1, more))
    head = "".join("<th>%s</th>" % html.escape(c) for c in columns)
    return ('<table><caption>%s, %d items</caption><thead><tr><th></th>%s</tr></thead><tbody>%s</tbody></table>'
            % (html.escape(_cpp_name(obj)), len(items), head, "".join(rows)))


def _real_stdout():
    try:
        return sys.stdout.fileno() == 1
    except (AttributeError, OSError, ValueError):
        return False


@contextlib.contextmanager
def _c_output_to_python():
    """In a kernel, C++'s stdout (file descriptor 1) is not the notebook's:
    while C++ runs, it goes to a file that is then copied to sys.stdout."""
    if _real_stdout():
        yield
        return
    sys.stdout.flush()
    saved = os.dup(1)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 1)
        try:
            yield
        finally:
            _interactive._flush_c_stdout()
            os.dup2(saved, 1)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode("utf-8", "replace")
            if text:
                sys.stdout.write(text)
                sys.stdout.flush()


@magics_class
class CppMagics(Magics):

    def _shown(self, value):
        """Rich display for the value's class (a class's own __repr__ comes
        before a printer registered for a base in IPython's lookup)."""
        if isinstance(value, _c.CppObject):
            formatters = self.shell.display_formatter.formatters
            formatters["text/plain"].for_type(type(value), text_repr)
            formatters["text/html"].for_type(type(value), html_table)
        return value

    def _source(self):
        return "cell_%s" % getattr(self.shell, "execution_count", 0)

    @line_cell_magic
    def cpp(self, line, cell=None):
        """%cpp expr: the value of a C++ expression.
        %%cpp: a cell of C++ declarations and statements; a last expression
        without ';' is the cell's value."""
        source = self._source()
        with _c_output_to_python(), cpplive.ll.signals_as_exception():
            if cell is None:
                if not line.strip():
                    return None
                return self._shown(_interactive.value_of(line, source))
            declarations, expression = _interactive.split_trailing_expression(cell)
            if declarations.strip():
                _interactive.define(declarations, source)
            if expression is None:
                return None
            line_number = declarations.count("\n") + 1
            try:
                value = _interactive.value_of(expression, source, line_number)
            except _interactive.CppError:
                # Not an expression after all (a definition without `;`).
                _interactive.define("\n" * (line_number - 1) + expression, source)
                return None
            return self._shown(value)


def _show_cpp_error(shell, etype, value, tb, tb_offset=None):
    sys.stderr.write(str(value).rstrip("\n") + "\n")
    sys.stderr.flush()


def load(ipython):
    ipython.register_magics(CppMagics)
    ipython.set_custom_exc((_interactive.CppError,), _show_cpp_error)
