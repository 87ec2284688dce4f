"""cpplive-genreflex: a dictionary for a C++ project, made once at build time.

    cpplive-genreflex Foo.h [more headers] [--selection Foo.xml] -o libFooDict.so
                      [-I dir] [-D NAME[=VALUE]] [-L dir] [-l lib] [sources.cxx ...]

(also `python -m cpplive.genreflex`). It parses the headers with cpplive's
clang, selects what the selection file names (genreflex's XML: `<lcgdict>`
with `<class name=|pattern=>`, `<struct>`, `<namespace>`, `<function>`,
`<enum>`, `<variable>`, `<typedef>`, and an `<exclusion>` of the same;
without one, everything the given headers declare outside the system
headers), compiles the given sources (in parallel) into the library, and
writes the autoload map (`--rootmap`, by default `libFooDict.rootmap` beside
the library) naming every selected class, namespace, function, enum,
variable and typedef, with the headers to include and the include
directories they need. `cpplive.load_reflection_info("libFooDict.so")`
loads it; with the map on the search path, a selected name loads it when
first used.

The library also holds the reflection model of what is selected (and of
the classes their signatures and bases name) and, compiled ahead of time,
the thunks and helpers they need: loading it parses no header (see
docs/design.md, "Dictionaries").
"""
import argparse
import concurrent.futures
import fnmatch
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree

SOURCE_SUFFIXES = (".cxx", ".cpp", ".cc", ".c++", ".C")

# Selection element -> the declaration kinds (as `declarations` words) it selects.
SELECTORS = {
    "class": ("class", "typedef"),
    "struct": ("class", "typedef"),
    "union": ("class",),
    "namespace": ("namespace",),
    "function": ("function",),
    "enum": ("enum",),
    "variable": ("variable",),
    "typedef": ("typedef",),
}

# The word the autoload map uses for each kind.
MAP_WORDS = {"class": "class", "typedef": "typedef", "namespace": "namespace", "function": "function",
             "enum": "enum", "variable": "var"}


class GenerationError(Exception):
    """What stops a dictionary from being made; the message names the file."""


class Selector(object):
    __slots__ = ("kinds", "name", "pattern", "element", "used")

    def __init__(self, kinds, name, pattern, element):
        self.kinds = kinds
        self.name = name
        self.pattern = pattern
        self.element = element
        self.used = False

    def matches(self, kind, qualified):
        if kind not in self.kinds:
            return False
        if self.name is not None:
            return qualified == self.name
        return fnmatch.fnmatchcase(qualified, self.pattern)

    def describe(self):
        return "<%s %s=\"%s\"/>" % (self.element, "name" if self.name is not None else "pattern",
                                     self.name if self.name is not None else self.pattern)


def _escape_in_attributes(text):
    """Selection files name templates as genreflex reads them,
    `name="std::vector<Foo>"`: brackets inside quoted attribute values are
    escaped before a conforming XML parser sees them."""
    out = []
    in_tag = False
    quote = None
    for ch in text:
        if quote is not None:
            if ch == quote:
                quote = None
            elif ch == "<":
                ch = "&lt;"
            elif ch == ">":
                ch = "&gt;"
        elif in_tag:
            if ch in "\"'":
                quote = ch
            elif ch == ">":
                in_tag = False
        elif ch == "<":
            in_tag = True
        out.append(ch)
    return "".join(out)


def read_selection(path):
    """(selectors, exclusions) of a genreflex selection file."""
    try:
        with open(path, encoding="utf-8") as f:
            root = ElementTree.fromstring(_escape_in_attributes(f.read()))
    except (OSError, UnicodeDecodeError, ElementTree.ParseError) as e:
        raise GenerationError("cannot read the selection file %s: %s" % (path, e)) from None
    if root.tag != "lcgdict":
        raise GenerationError("%s: the root element is <%s>, not <lcgdict>" % (path, root.tag))
    selected, excluded = [], []

    def collect(parent, into):
        for element in parent:
            if element.tag in ("selection", "exclusion"):
                collect(element, excluded if element.tag == "exclusion" else into)
                continue
            kinds = SELECTORS.get(element.tag)
            if kinds is None:
                continue   # <field>, <method>, <ioread>...: member-level details
            name = element.get("name")
            pattern = element.get("pattern")
            if name is None and pattern is None:
                raise GenerationError("%s: <%s> has neither a name nor a pattern" % (path, element.tag))
            if name is not None:
                name = _normalize(name)
            into.append(Selector(kinds, name, pattern, element.tag))

    collect(root, selected)
    return selected, excluded


def _normalize(name):
    name = name.strip().lstrip(":")
    # `std::vector<Foo >` and `std::vector<Foo>` name one class.
    return name.replace(" >", ">").replace("< ", "<")


def project_file(path, project_dirs):
    if not path:
        return False
    real = os.path.realpath(path)
    return any(real == d or real.startswith(d + os.sep) for d in project_dirs)


def system_include_dirs(compiler):
    """The directories `compiler` searches for `#include <...>` by itself."""
    try:
        out = subprocess.run([compiler, "-xc++", "-E", "-v", "-"], input="", capture_output=True,
                             text=True, timeout=60).stderr
    except (OSError, subprocess.SubprocessError):
        out = ""
    dirs, listing = {"/usr/include", "/usr/local/include"}, False
    for line in out.splitlines():
        if line.startswith("#include <...> search starts here"):
            listing = True
        elif line.startswith("End of search list"):
            listing = False
        elif listing and line.startswith(" "):
            dirs.add(os.path.realpath(line.split(" (")[0].strip()))
    return dirs


def project_places(headers, include_dirs, compiler):
    """Where the project's own declarations are: the headers' directories
    and the -I directories; a header installed in a system directory
    (`/usr/include/tinyxml2.h`) is its own place, not the whole directory."""
    system = system_include_dirs(compiler)
    places = set()
    for h in headers:
        directory = os.path.realpath(os.path.dirname(os.path.abspath(h)))
        places.add(os.path.realpath(h) if directory in system else directory)
    places |= {os.path.realpath(d) for d in include_dirs if os.path.realpath(d) not in system}
    return sorted(places)


def declared_entities(cpplive, project_dirs):
    """(kind, qualified) of everything declared in the project's files, in
    every namespace reached from the global one."""
    from cpplive import _cpplive as c
    found = []
    seen = set()
    pending = [1]
    visited = set()
    while pending:
        scope = pending.pop()
        if scope in visited:
            continue
        visited.add(scope)
        for name, qualified, kind, file in c.declarations(scope):
            qualified = qualified.lstrip(":")
            if not project_file(file, project_dirs) or name.startswith("__cpplive"):
                continue
            if kind == "namespace":
                entity = c.lookup(scope, name)
                if entity is not None and entity[0] == "namespace":
                    pending.append(entity[1])
            key = (kind, qualified)
            if key not in seen:
                seen.add(key)
                found.append(key)
    return found


def select(entities, selected, excluded, selection_path, allow_missing, warn):
    """What a selection keeps of `entities`, plus the template
    instantiations it names (instantiated here, so that a typo is found
    now and not by a user)."""
    from cpplive import _cpplive as c
    if selected is None:
        chosen = list(entities)
    else:
        chosen = []
        for kind, qualified in entities:
            hits = [s for s in selected if s.matches(kind, qualified)]
            for s in hits:
                s.used = True
            if hits:
                chosen.append((kind, qualified))
        for s in selected:
            if s.used or s.name is None:
                continue
            if "<" in s.name and "class" in s.kinds:
                try:
                    described = c.resolve_type(s.name)
                except (TypeError, SyntaxError, RuntimeError) as e:
                    described = ("error", str(e))
                if described[0] == "class":
                    chosen.append(("class", s.name))
                    s.used = True
                    continue
            message = "%s: %s selects nothing the headers declare" % (selection_path, s.describe())
            if not allow_missing:
                raise GenerationError(message + " (--allow-missing makes this a warning)")
            warn(message)
    return [e for e in chosen if not any(x.matches(*e) for x in excluded)]


# The model goes into the library as data (`format.rs` of cpplive-dict):
# assembled from the file as it is, so its size costs no compile time.
_MODEL_UNIT = r"""// The dictionary's reflection model (cpplive-dict's format).
__asm__(".section .rodata\n"
        ".balign 16\n"
        ".globl __cpplive_dictionary_model\n"
        ".type __cpplive_dictionary_model, @object\n"
        "__cpplive_dictionary_model:\n"
        ".incbin \"%s\"\n"
        ".globl __cpplive_dictionary_model_end\n"
        ".type __cpplive_dictionary_model_end, @object\n"
        "__cpplive_dictionary_model_end:\n"
        ".byte 0\n"
        ".previous\n");
"""


class Builder(object):
    """Compiles translation units (in parallel) into objects in a scratch
    directory, and links objects into libraries."""

    def __init__(self, args, jobs, scratch):
        self.args = args
        self.jobs = jobs
        self.scratch = scratch
        self.compiler = self.compiler_of()
        self.flags = ["-std=c++20", "-O2", "-fPIC"] + ["-I" + d for d in args.include_dirs] + ["-D" + d for d in args.defines]
        self.flags += args.cxxflags.split()
        self.count = 0

    @staticmethod
    def compiler_of():
        return os.environ.get("CXX") or shutil.which("c++") or shutil.which("clang++-19") or "g++"

    def write(self, name, text, mode="w"):
        path = os.path.join(self.scratch, name)
        with open(path, mode, **({"encoding": "utf-8"} if "b" not in mode else {})) as f:
            f.write(text)
        return path

    def compile(self, sources, describe=lambda source: source, extra_flags=()):
        objects = []
        for _ in sources:
            self.count += 1
            objects.append(os.path.join(self.scratch, "%d.o" % self.count))

        def build(pair):
            source, obj = pair
            run = subprocess.run([self.compiler] + self.flags + list(extra_flags) + ["-c", source, "-o", obj],
                                 capture_output=True, text=True)
            if run.returncode != 0:
                raise GenerationError("%s does not compile:\n%s" % (describe(source), run.stderr.strip()))

        with concurrent.futures.ThreadPoolExecutor(max_workers=self.jobs) as pool:
            for future in [pool.submit(build, pair) for pair in zip(sources, objects)]:
                future.result()
        return objects

    def compile_generated(self, units, describe, extra_flags):
        """The generated translation units, which all begin with the same
        standard headers and prelude: that beginning is compiled once into
        a precompiled header (cached, see `precompiled_head`) that each unit
        then includes, which takes most of a unit's compile time away."""
        head_end = [text.find('\n#include "') for text in units]
        head = units[0][:head_end[0] + 1] if units and head_end[0] >= 0 else ""
        if head and all(text[:end + 1] == head for text, end in zip(units, head_end)):
            included = self.precompiled_head(head, extra_flags)
            if included is not None:
                units = ['#include "%s"\n' % included + text[len(head):] for text in units]
        objects = [None] * len(units)

        def build(i):
            objects[i] = self.compile_dropping_refused(units[i], "thunks%d.cxx" % i, describe, extra_flags)

        with concurrent.futures.ThreadPoolExecutor(max_workers=self.jobs) as pool:
            for future in [pool.submit(build, i) for i in range(len(units))]:
                future.result()
        return objects

    def compile_dropping_refused(self, text, name, describe, extra_flags, attempts=64):
        """Compiles one generated unit. clang checked each thunk before, but
        the compiler here may refuse one clang took (GCC's `__atomic_add_fetch`
        on the `bool` of `std::atomic<bool>::operator+=`): the generated
        functions its errors point into are left out and the unit compiled
        again, as a thunk clang refused is (GCC names one caller of a template
        that fails to instantiate, so this may take several rounds). The
        dictionary then answers a call of such a member with an error
        naming it."""
        self.count += 1
        obj = os.path.join(self.scratch, "%d.o" % self.count)
        for attempt in range(attempts):
            source = self.write(name, text)
            run = subprocess.run([self.compiler] + self.flags + list(extra_flags) + ["-c", source, "-o", obj],
                                 capture_output=True, text=True)
            if run.returncode == 0:
                return obj
            refused = _refused_functions(text, source, run.stderr)
            if not refused or attempt + 1 == attempts:
                raise GenerationError("%s does not compile:\n%s" % (describe(source), run.stderr.strip()))
            lines = text.split("\n")
            for start, end in sorted(refused, reverse=True):
                print("cpplive-genreflex: warning: left out (%s refuses it): %s" % (
                    os.path.basename(self.compiler), lines[start].split("(")[0]), file=sys.stderr)
                del lines[start:end]
            text = "\n".join(lines)

    def precompiled_head(self, head, extra_flags):
        """The header holding `head`, with its precompiled form beside it
        (GCC's `.gch`, found by `#include` itself; a stale or unusable one is
        ignored by the compiler, which then reads the text). Kept in the
        cache directory, keyed by compiler, flags and text; None when the
        compiler is not GCC or the header does not build."""
        try:
            version = subprocess.run([self.compiler, "--version"], capture_output=True, text=True,
                                     timeout=60).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        if "Free Software Foundation" not in version:
            return None
        flags = self.flags + list(extra_flags)
        key = hashlib.sha256("\0".join([os.path.realpath(shutil.which(self.compiler) or self.compiler), version]
                                        + flags + [head]).encode()).hexdigest()[:24]
        directory = os.path.join(cache_root(), "genreflex-pch", key)
        header = os.path.join(directory, "head.h")
        if os.path.exists(header + ".gch"):
            return header
        try:
            os.makedirs(directory, exist_ok=True)
            scratch = "%s.%d" % (header, os.getpid())
            with open(scratch, "w", encoding="utf-8") as f:
                f.write(head)
            os.replace(scratch, header)
            run = subprocess.run([self.compiler] + flags + ["-x", "c++-header", header, "-o", scratch + ".gch"],
                                 capture_output=True, text=True)
            if run.returncode != 0:
                return None
            os.replace(scratch + ".gch", header + ".gch")
        except OSError:
            return None
        return header

    def link(self, output, objects):
        if not objects:
            objects = self.compile([self.write("empty.cxx", "// a library without code of its own\n")])
        link = [self.compiler, "-shared", "-o", output] + objects + ["-L" + d for d in self.args.library_dirs]
        link += ["-l" + lib for lib in self.args.libraries]
        run = subprocess.run(link, capture_output=True, text=True)
        if run.returncode != 0:
            raise GenerationError("%s does not link:\n%s" % (output, run.stderr.strip()))

    def model_unit(self, model):
        data = self.write("model.bin", model, "wb")
        return self.write("model.cxx", _MODEL_UNIT % data.replace("\\", "\\\\").replace('"', '\\"'))


def _refused_functions(text, source, errors):
    """The (first, end) line ranges of the generated functions (each
    begins `extern "C"` at a line's start and names a dictionary symbol)
    that the compiler's `errors` for `source` point into; empty when an
    error lies elsewhere (the headers, the prelude), which is the
    project's to fix."""
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith('extern "C"')]
    pointed = set()
    prefix = source + ":"
    for line in errors.splitlines():
        line = line.strip()
        if line.startswith("from "):
            line = line[5:]
        if not line.startswith(prefix):
            continue
        number = line[len(prefix):].split(":", 1)[0]
        if number.isdigit():
            pointed.add(int(number) - 1)
    ranges = set()
    for at in pointed:
        before = [s for s in starts if s <= at]
        if not before or "__cpplive_dict_" not in lines[before[-1]]:
            return set()
        start = before[-1]
        later = [s for s in starts if s > start]
        ranges.add((start, later[0] if later else len(lines)))
    return ranges


def cache_root():
    """cpplive's cache directory, as the clang backend's precompiled header
    uses it: `CPPLIVE_CACHE_DIR`, else the user's cache directory."""
    if os.environ.get("CPPLIVE_CACHE_DIR"):
        return os.environ["CPPLIVE_CACHE_DIR"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "cpplive")


def write_map(path, library, headers, include_dirs, entities):
    directory = os.path.dirname(os.path.abspath(path))

    def relative(p):
        p = os.path.abspath(p)
        return os.path.relpath(p, directory) if p.startswith(directory + os.sep) else p

    lines = ["[ %s ]" % library]
    for word in ("class", "namespace", "enum", "function", "variable", "typedef"):
        names = sorted({q for k, q in entities if k == word})
        if names:
            lines.append("# %s" % {"class": "classes", "namespace": "namespaces", "enum": "enums",
                                   "function": "functions", "variable": "variables",
                                   "typedef": "typedefs"}[word])
            lines += ["%s %s" % (MAP_WORDS[word], n) for n in names]
    lines += ["header %s" % relative(h) for h in headers]
    lines += ["include_path %s" % os.path.abspath(d) for d in include_dirs]
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, path)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="cpplive-genreflex", description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="+", metavar="FILE", help="headers to reflect, and sources to compile in")
    parser.add_argument("-s", "--selection", "--selection_file", help="genreflex selection file (XML)")
    parser.add_argument("-o", "--output", help="the dictionary library (default: lib<first header>Dict.so)")
    parser.add_argument("-I", dest="include_dirs", action="append", default=[], metavar="DIR")
    parser.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME[=VALUE]")
    parser.add_argument("-L", dest="library_dirs", action="append", default=[], metavar="DIR")
    parser.add_argument("-l", dest="libraries", action="append", default=[], metavar="LIB")
    parser.add_argument("--rootmap", help="the autoload map to write (default: beside the library)")
    parser.add_argument("--rootmap-lib", help="the library name the map gives (default: the library's file name)")
    parser.add_argument("--allow-missing", action="store_true", help="a selection naming nothing is a warning")
    parser.add_argument("--cxxflags", default="", help="more flags for compiling the sources")
    parser.add_argument("-j", "--jobs", type=int, help="parallel compilations (default: all cores)")
    return parser.parse_args(argv)


def generate(args, warn=lambda m: print("cpplive-genreflex: warning: " + m, file=sys.stderr)):
    headers = [f for f in args.inputs if not f.endswith(SOURCE_SUFFIXES)]
    sources = [f for f in args.inputs if f.endswith(SOURCE_SUFFIXES)]
    if not headers:
        raise GenerationError("no header given: the dictionary reflects what headers declare")
    for f in args.inputs + ([args.selection] if args.selection else []):
        if not os.path.isfile(f):
            raise GenerationError("%s: no such file" % f)
    output = args.output or "lib%sDict.so" % os.path.splitext(os.path.basename(headers[0]))[0]
    rootmap = args.rootmap or os.path.splitext(output)[0] + ".rootmap"
    selected, excluded = read_selection(args.selection) if args.selection else (None, [])

    # Thunks are tried for instantiations nobody compiled before: a
    # failure of clang itself must not end the generator.
    os.environ["CPPLIVE_GUARD_GENERATED"] = "1"
    import cpplive
    for d in args.include_dirs:
        cpplive.add_include_path(d)
    if args.defines:
        cpplive.cppdef("".join("#define %s\n" % d.replace("=", " ", 1) for d in args.defines))
    project_dirs = project_places(headers, args.include_dirs, Builder.compiler_of())
    for h in headers:
        try:
            cpplive.include(os.path.abspath(h))
        except (ImportError, SyntaxError) as e:
            raise GenerationError("%s does not compile:\n%s" % (h, e)) from None
    entities = declared_entities(cpplive, project_dirs)
    chosen = select(entities, selected, excluded, args.selection, args.allow_missing, warn)
    from cpplive import _cpplive as c
    jobs = args.jobs or os.cpu_count() or 1
    stem = os.path.splitext(os.path.basename(output))[0]
    with tempfile.TemporaryDirectory(prefix="cpplive-genreflex-") as scratch:
        builder = Builder(args, jobs, scratch)
        objects = builder.compile(sources)
        # The project's code is loaded before the thunks are tried, so that
        # one calling what nothing defines is left out (it would keep the
        # dictionary from loading).
        code = os.path.join(scratch, "libproject.so")
        builder.link(code, objects)
        # The libraries named with -l define what the thunks call: loaded
        # first, as the dictionary's users will have them.
        for d in args.library_dirs:
            cpplive.add_library_path(d)
        for lib in args.libraries:
            try:
                cpplive.load_library(lib)
            except OSError as e:
                raise GenerationError("-l%s: %s" % (lib, e)) from None
        cpplive.load_library(code)
        try:
            model, units, _, _ = c.generate_dictionary([q for _, q in chosen], [os.path.abspath(h) for h in headers],
                                                       stem, jobs)
        except RuntimeError as e:
            raise GenerationError("cannot record the selection of %s: %s" % (args.selection or "the headers", e)) from None
        # The generated code reaches what reflection offers without C++'s
        # access checks, as the live path's does (GCC and clang both take
        # -fno-access-control).
        describe = lambda source: "the thunks generated for %s (%s)" % (output, source)
        objects += builder.compile_generated(units, describe, ("-fno-access-control",))
        objects += builder.compile([builder.model_unit(model)], describe)
        builder.link(output, objects)
    write_map(rootmap, args.rootmap_lib or os.path.basename(output), [os.path.abspath(h) for h in headers],
              args.include_dirs, chosen)
    return output, rootmap, chosen


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        output, rootmap, chosen = generate(args)
    except GenerationError as e:
        print("cpplive-genreflex: error: %s" % e, file=sys.stderr)
        return 1
    print("cpplive-genreflex: %s and %s (%d names)" % (output, rootmap, len(chosen)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
