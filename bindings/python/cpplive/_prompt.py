"""The C++ prompt: `python -m cpplive` or `cpplive`.

Entries are read until their brackets balance (a continuation prompt asks
for more), then run as top-level C++: declarations persist, statements run,
and an expression without a trailing `;` shows its type and value.
"""
import os
import re
import sys
import threading
import warnings

import cpplive
from cpplive import _interactive, _proxies

PROMPT = "cpp> "
CONTINUATION = "...> "

HELP = """\
Type C++: declarations (kept), statements (run at once) and expressions.
An expression without a trailing ';' shows its value: (int) 3.
An entry goes on over several lines until its brackets close.
Defining a name again replaces the old definition.
Errors name the entry: input_<n>:<line>:<column>.

  .include <header>   #include a header
  .load <library>     load a shared library (a path or a short name, 'z')
  .undo [n]           take back the last n entries (declarations)
  .python             a Python prompt with cpplive and gbl (Ctrl-D returns)
  .help               this text
  .quit               leave (Ctrl-D too)
Tab completes names of namespaces, classes and members."""

_COMMANDS = (".include", ".load", ".undo", ".python", ".help", ".quit")


def history_path():
    """Where the prompt keeps its history: CPPLIVE_HISTORY when set (empty:
    none), else the user's data directory (platformdirs when installed,
    else $XDG_DATA_HOME or ~/.local/share, as the XDG spec says)."""
    configured = os.environ.get("CPPLIVE_HISTORY")
    if configured is not None:
        return configured or None
    try:
        import platformdirs
        base = platformdirs.user_data_dir("cpplive", appauthor=False)
    except ImportError:
        data_home = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
        base = os.path.join(data_home, "cpplive")
    return os.path.join(base, "history")


# --- completion ---------------------------------------------------------------

_KEYWORDS = ("auto", "bool", "char", "class", "const", "constexpr", "decltype", "double", "else", "enum", "false",
             "float", "for", "if", "include", "inline", "int", "long", "namespace", "nullptr", "return", "short",
             "signed", "sizeof", "static", "static_cast", "std", "struct", "template", "true", "typedef", "typename",
             "unsigned", "using", "void", "while")

_QUALIFIED = re.compile(r"((?:[A-Za-z_]\w*\s*(?:::|\.|->)\s*)*)([A-Za-z_]\w*)?$")


def _names(obj):
    try:
        return dir(obj)
    except Exception:
        return []


def completions(line):
    """The names that can end `line` (the text before the cursor), each as
    the whole last word: `std::vec` -> ["std::vector", ...]."""
    stripped = line.lstrip()
    if stripped.startswith(".") and " " not in stripped:
        return [c for c in _COMMANDS if c.startswith(stripped)]
    m = _QUALIFIED.search(line)
    qualifier, partial = m.group(1), m.group(2) or ""
    parts = re.split(r"\s*(?:::|\.|->)\s*", qualifier)[:-1] if qualifier else []
    scope = cpplive.gbl
    for part in parts:
        try:
            scope = getattr(scope, part)
        except Exception:
            return []
    if parts and not (isinstance(scope, _proxies.Namespace) or hasattr(scope, "__cpp_name__")):
        return []  # a value of a builtin type: no C++ members
    names = set(_names(scope))
    if not parts:
        names.update(_KEYWORDS)
    found = sorted(n for n in names if n.startswith(partial) and n.isidentifier()
                   and not (n.startswith("_") and not partial.startswith("_"))
                   and not (n.startswith("__") and n.endswith("__")))
    return [qualifier + n for n in found]


class _Completer(object):
    def __init__(self, readline):
        self.readline = readline
        self.matches = []

    def __call__(self, text, state):
        if state == 0:
            line = self.readline.get_line_buffer()[:self.readline.get_endidx()]
            whole = completions(line)
            # readline replaces only `text` (the part after its delimiters).
            start = len(line) - len(text)
            word_start = len(line) - len(_QUALIFIED.search(line).group(0)) if not line.lstrip().startswith(".") \
                else len(line) - len(line.lstrip())
            self.matches = [w[start - word_start:] if start >= word_start else w for w in whole]
        return self.matches[state] if state < len(self.matches) else None


def _setup_readline():
    try:
        import readline
    except ImportError:
        return None
    readline.set_completer_delims(" \t\n\"\\'`@$><=;|&{(,)}[]+-*/%!^~?")
    readline.set_completer(_Completer(readline))
    if "libedit" in (readline.__doc__ or ""):
        readline.parse_and_bind("bind ^I rl_complete")
    else:
        readline.parse_and_bind("tab: complete")
    path = history_path()
    if path:
        try:
            readline.read_history_file(path)
        except OSError:
            pass
        readline.set_history_length(10000)

        def save():
            try:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                readline.write_history_file(path)
            except OSError:
                pass
        import atexit
        atexit.register(save)
    return readline


class _Leave(object):
    """exit() and quit() at the .python prompt: back to C++ (the builtin
    ones would close standard input)."""

    def __repr__(self):
        return "Use exit() or Ctrl-D to go back to the C++ prompt"

    def __call__(self, code=None):
        raise SystemExit(code)


# --- the loop -----------------------------------------------------------------

class Prompt(object):
    def __init__(self, stdin=None, stdout=None, stderr=None, interactive=None):
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.interactive = self.stdin.isatty() if interactive is None else interactive
        self.entries = 0
        self.readline = None
        self.python_namespace = {"cpplive": cpplive, "gbl": cpplive.gbl, "__name__": "__console__",
                                 "exit": _Leave(), "quit": _Leave()}

    def read(self, prompt):
        if self.interactive:
            return input(prompt)
        line = self.stdin.readline()
        if not line:
            raise EOFError
        return line.rstrip("\n")

    def say(self, text, error=False):
        stream = self.stderr if error else self.stdout
        stream.write(text.rstrip("\n") + "\n")
        stream.flush()

    def run(self):
        if self.interactive:
            self.readline = _setup_readline()
            self.say("cpplive %s: C++ (clang 19) at a prompt. .help for help, .quit to leave." % cpplive.__version__)
        # The value printer compiles while the user types the first entry.
        threading.Thread(target=self._warm, daemon=True).start()
        lines = []
        while True:
            try:
                line = self.read(CONTINUATION if lines else PROMPT)
            except EOFError:
                if self.interactive:
                    self.say("")
                return 0
            except KeyboardInterrupt:
                self.say("\nKeyboardInterrupt (entry discarded)" if lines else "\nKeyboardInterrupt")
                lines = []
                continue
            if not lines and line.strip().startswith("."):
                if self.command(line.strip()) == "quit":
                    return 0
                continue
            lines.append(line)
            text = "\n".join(lines)
            if not _interactive.is_complete(text):
                continue
            lines = []
            if text.strip():
                self.entry(text)

    @staticmethod
    def _warm():
        try:
            _interactive.prelude()
        except Exception:
            pass  # the first expression says why

    def entry(self, text):
        self.entries += 1
        source = "input_%d" % self.entries
        self.stdout.flush()
        # Clang's warnings (cppdef's SyntaxWarnings) print as clang prints
        # them, before the value or error of the entry.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            shown = self._run(text, source)
        for warning in caught:
            if issubclass(warning.category, SyntaxWarning):
                self.say(str(warning.message), error=True)
            else:
                self.say("%s: %s" % (warning.category.__name__, warning.message), error=True)
        if shown is not None:
            self.say(shown)

    def _run(self, text, source):
        """Runs one entry; returns what to print, None when nothing is (or
        the error was reported)."""
        try:
            with cpplive.ll.signals_as_exception():
                shown = _interactive.run_entry(text, source)
        except _interactive.CppError as error:
            self.say(str(error), error=True)
            return
        except cpplive.ll.FatalError as error:
            text = str(error).replace("while running the static initializers of the input: ", "")
            self.say("%s: %s (the session goes on)" % (type(error).__name__, text), error=True)
            return
        except KeyboardInterrupt:
            self.say("KeyboardInterrupt", error=True)
            return
        except Exception as error:
            self.say("%s: %s" % (type(error).__name__, error), error=True)
            return
        finally:
            _interactive._flush_c_stdout()
        return shown

    def command(self, line):
        name, _, argument = line.partition(" ")
        argument = argument.strip()
        try:
            if name in (".quit", ".q", ".exit"):
                return "quit"
            if name == ".help":
                self.say(HELP)
            elif name == ".include":
                if not argument:
                    raise ValueError(".include needs a header: .include <vector>")
                header = argument[1:-1] if argument[:1] in "<\"" and argument[-1:] in ">\"" else argument
                before = _interactive.mark()
                cpplive.include(header)
                _interactive.record(before, "#include <%s>" % header)
            elif name == ".load":
                if not argument:
                    raise ValueError(".load needs a library: .load libz.so.1, or .load z")
                cpplive.load_library(argument)
            elif name == ".undo":
                n = int(argument) if argument else 1
                for text in cpplive.undo(n):
                    first = text.strip().split("\n")[0]
                    self.say("taken back: %s" % (first if len(first) < 60 else first[:57] + "..."))
            elif name == ".python":
                self.python()
            else:
                self.say("unknown command %s (.help lists them)" % name, error=True)
        except Exception as error:
            self.say("%s: %s" % (type(error).__name__, error), error=True)
        return None

    def python(self):
        import code
        completer = self.readline.get_completer() if self.readline else None
        if self.readline:
            import rlcompleter
            self.readline.set_completer(rlcompleter.Completer(self.python_namespace).complete)
        console = code.InteractiveConsole(self.python_namespace)
        banner = "Python prompt: cpplive and gbl (cpplive.gbl) are here; Ctrl-D goes back to C++."
        if not self.interactive:
            console.raw_input = lambda prompt="": self.read("")
            banner = ""
        try:
            console.interact(banner=banner, exitmsg="")
        except SystemExit:
            pass
        finally:
            if self.readline:
                self.readline.set_completer(completer)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("-h", "--help"):
        print("usage: cpplive   (or python -m cpplive): a C++ prompt; .help inside for its commands")
        return 0
    return Prompt().run()
