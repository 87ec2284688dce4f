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
        self.generated_compiler = self.generated_compiler_of(self.compiler)
        self.generated_by_clang = _compiler_family(self.generated_compiler) == "clang"
        self.flags = ["-std=c++20", "-O2", "-fPIC"] + ["-I" + d for d in args.include_dirs] + ["-D" + d for d in args.defines]
        self.flags += args.cxxflags.split()
        self.count = 0

    @staticmethod
    def compiler_of():
        return os.environ.get("CXX") or shutil.which("c++") or shutil.which("clang++-19") or "g++"

    @staticmethod
    def generated_compiler_of(project_compiler):
        """The compiler of the generated units: the clang++ of the live
        backend's LLVM when installed, else the project's. The units are
        what the live backend compiles on the fly, so the same compiler
        takes the same code (GCC refuses some clang takes); it compiles
        them in about half GCC's time at the same -O; and its diagnostics
        name the generated function that asked for a template
        instantiation even when it is made at the end of the unit (the
        destructor of a `std::unique_ptr` to an incomplete class), which
        GCC's do not."""
        for candidate in ("clang++-19", "/usr/lib/llvm-19/bin/clang++"):
            found = shutil.which(candidate)
            if found:
                return found
        return project_compiler

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
        """The generated translation units as `GeneratedUnit`s, compiled in
        parallel, each leaving out what the compiler refuses. They all begin
        with the same standard headers and prelude: that beginning is
        compiled once into a precompiled header (cached, see
        `precompiled_head`) that each unit then includes, which takes most
        of a unit's compile time away."""
        head_end = [text.find('\n#include "') for text in units]
        head = units[0][:head_end[0] + 1] if units and head_end[0] >= 0 else ""
        head_flags = []
        if head and all(text[:end + 1] == head for text, end in zip(units, head_end)):
            precompiled = self.precompiled_head(head, extra_flags)
            if precompiled is not None:
                included, head_flags = precompiled
                units = [included + text[len(head):] for text in units]
        extra_flags = list(extra_flags) + head_flags
        generated = [GeneratedUnit(self, "thunks%d.cxx" % i, text, extra_flags) for i, text in enumerate(units)]
        self.compile_units(generated, describe)
        return generated

    def compile_units(self, units, describe):
        with concurrent.futures.ThreadPoolExecutor(max_workers=self.jobs) as pool:
            for future in [pool.submit(unit.compile, describe) for unit in units]:
                future.result()

    def link_generated(self, output, objects, units, model_of, describe):
        """Links the library from `objects`, the generated units' objects
        and the model `model_of(symbols left out)` gives. A generated
        function calling what nothing defines (a static member libstdc++
        declares and never exports) would keep the dictionary from loading:
        the link is asked to refuse undefined references (`-z defs`), the
        generated functions that reach one (traced through the objects'
        relocations) are left out and their units compiled again. An
        undefined reference no generated function makes (the project's own
        code calling a library it loads itself) is the project's: the
        library is then linked allowing it, as before."""
        while True:
            left_out = set().union(*(unit.left_out for unit in units))
            model = self.compile([self.model_unit(model_of(sorted(left_out)))], describe)
            everything = objects + [unit.object for unit in units] + model
            run = self.run_link(output, everything, ["-Wl,-z,defs", "-Wl,--no-demangle"])
            if run.returncode == 0:
                return
            undefined = _undefined_references(run.stderr)
            reaching = _generated_functions_reaching(undefined, [unit.object for unit in units]) if undefined else set()
            changed = [unit for unit in units if unit.leave_out(reaching, "it calls what nothing defines")]
            if not changed:
                self.link(output, everything)
                return
            self.compile_units(changed, describe)

    def precompiled_head(self, head, extra_flags):
        """`head` precompiled for the generated units' compiler, as (the
        text that replaces it in each unit, the flags that use it): GCC
        finds its `.gch` beside the header a unit includes (a stale or
        unusable one is ignored, the text read instead); clang is given
        its `.pch` with `-include-pch`, checked first, since clang refuses
        one whose headers changed. Kept in the cache directory, keyed by
        compiler, flags and text; None when the compiler is neither or the
        header does not build."""
        compiler = self.generated_compiler
        try:
            version = subprocess.run([compiler, "--version"], capture_output=True, text=True, timeout=60).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        family = _compiler_family(compiler, version)
        if family is None:
            return None
        flags = self.flags + list(extra_flags)
        key = hashlib.sha256("\0".join([os.path.realpath(shutil.which(compiler) or compiler), version]
                                        + flags + [head]).encode()).hexdigest()[:24]
        directory = os.path.join(cache_root(), "genreflex-pch", key)
        header = os.path.join(directory, "head.h")
        built = header + (".pch" if family == "clang" else ".gch")
        use = ('#include "%s"\n' % header, []) if family == "gcc" else ("", ["-include-pch", built])

        def usable():
            if not os.path.exists(built):
                return False
            if family == "gcc":
                return True
            check = subprocess.run([compiler] + flags + use[1] + ["-fsyntax-only", "-x", "c++", os.devnull],
                                   capture_output=True, text=True)
            return check.returncode == 0

        if usable():
            return use
        try:
            os.makedirs(directory, exist_ok=True)
            scratch = "%s.%d" % (header, os.getpid())
            with open(scratch, "w", encoding="utf-8") as f:
                f.write(head)
            os.replace(scratch, header)
            run = subprocess.run([compiler] + flags + ["-x", "c++-header", header, "-o", scratch + ".pre"],
                                 capture_output=True, text=True)
            if run.returncode != 0:
                return None
            os.replace(scratch + ".pre", built)
        except OSError:
            return None
        return use

    def run_link(self, output, objects, extra_flags=()):
        link = [self.compiler, "-shared", "-o", output] + objects + ["-L" + d for d in self.args.library_dirs]
        link += ["-l" + lib for lib in self.args.libraries] + list(extra_flags)
        return subprocess.run(link, capture_output=True, text=True)

    def link(self, output, objects):
        if not objects:
            objects = self.compile([self.write("empty.cxx", "// a library without code of its own\n")])
        run = self.run_link(output, objects)
        if run.returncode != 0:
            raise GenerationError("%s does not link:\n%s" % (output, run.stderr.strip()))

    def model_unit(self, model):
        data = self.write("model.bin", model, "wb")
        return self.write("model.cxx", _MODEL_UNIT % data.replace("\\", "\\\\").replace('"', '\\"'))


# A generated function begins with this at a line's start and is named
# with a dictionary's symbol prefix (`symbols.rs` of cpplive-dict).
_GENERATED_START = 'extern "C"'
_GENERATED_PREFIX = "__cpplive_dict_"


class GeneratedUnit(object):
    """One translation unit of generated functions, which leaves out those
    the compiler refuses or that call what nothing defines; `left_out` has
    their symbols, for the model (`DictionaryDraft.model`)."""

    def __init__(self, builder, name, text, extra_flags):
        self.builder = builder
        self.extra_flags = list(extra_flags)
        self.name = name
        self.text = text
        self.object = None
        self.left_out = set()

    def functions(self):
        """(symbol, first line, end line) of each function beginning
        `extern "C"` at a line's start; the symbol is None for those that
        are no generated function (the prelude's)."""
        lines = self.text.split("\n")
        starts = [i for i, line in enumerate(lines) if line.startswith(_GENERATED_START)]
        found = []
        for k, start in enumerate(starts):
            name = lines[start].split("(", 1)[0].split()[-1].lstrip("*&")
            found.append((name if name.startswith(_GENERATED_PREFIX) else None, start,
                          starts[k + 1] if k + 1 < len(starts) else len(lines)))
        return found

    def leave_out(self, symbols, why):
        """Leaves out the generated functions named in `symbols`; whether
        any was here."""
        ranges = [(start, end, name) for name, start, end in self.functions() if name in symbols]
        self.leave_out_lines(ranges, why)
        return bool(ranges)

    def leave_out_lines(self, ranges, why):
        """Leaves out the (first line, end line, symbol) `ranges`, with a
        warning naming each."""
        lines = self.text.split("\n")
        for start, end, name in sorted(ranges, reverse=True):
            print("cpplive-genreflex: warning: left out (%s): %s" % (why, lines[start].split("(")[0]), file=sys.stderr)
            self.left_out.add(name)
            del lines[start:end]
        self.text = "\n".join(lines)

    def compile(self, describe, attempts=64):
        """Compiles the unit. The compiler may refuse a generated function
        (a member of `std::vector<T>` that `T` cannot support, GCC's
        `__atomic_add_fetch` on the `bool` of `std::atomic<bool>::operator+=`):
        the functions its errors point into are left out and the unit
        compiled again (GCC names one caller of a template that fails to
        instantiate, so this may take several rounds). The dictionary then
        answers a call of such a member with an error naming it."""
        builder = self.builder
        compiler = builder.generated_compiler
        if self.object is None:
            builder.count += 1
            self.object = os.path.join(builder.scratch, "%d.o" % builder.count)
        # A function (and a datum) to a section, so that the link's
        # undefined references can be traced to the generated functions
        # making them (`_generated_functions_reaching`).
        flags = builder.flags + self.extra_flags + ["-ffunction-sections", "-fdata-sections"]
        if builder.generated_by_clang:
            # Every error told, so that a round leaves out every function refused.
            flags.append("-ferror-limit=0")
        why = "%s refuses it" % os.path.basename(compiler)
        for attempt in range(attempts):
            source = builder.write(self.name, self.text)
            run = subprocess.run([compiler] + flags + ["-c", source, "-o", self.object],
                                 capture_output=True, text=True)
            if run.returncode == 0:
                return
            refused = self.refused_functions(source, run.stderr)
            if not refused:
                # No error names a generated function (an instantiation
                # made at the end of the unit for a defaulted member, whose
                # request the compiler no longer tells): found by halves.
                refused = self.refused_by_halves(flags, [f for f in self.functions() if f[0] is not None])
            if not refused or attempt + 1 == attempts:
                raise GenerationError("%s does not compile:\n%s" % (describe(source), run.stderr.strip()))
            self.leave_out_lines(refused, why)

    def refused_by_halves(self, flags, functions):
        """The (first line, end line, symbol) of the generated functions
        among `functions` that the compiler refuses, found by checking
        (`-fsyntax-only`) them a half at a time, then a quarter ..., so that
        b bad ones among n cost about 2 b log(n / b) checks. What precedes
        them (the headers, the dispatchers) is precompiled once for the
        checks, which then read only the functions checked; when that alone
        does not compile, the error is the project's and nothing is found."""
        lines = self.text.split("\n")
        if not functions:
            return set()
        builder = self.builder
        compiler = builder.generated_compiler
        builder.count += 1
        prefix = os.path.join(builder.scratch, "checked%d.h" % builder.count)
        with open(prefix, "w", encoding="utf-8") as f:
            f.write("\n".join(lines[:functions[0][1]]) + "\n")
        if builder.generated_by_clang:
            precompiled = subprocess.run([compiler] + flags + ["-x", "c++-header", prefix, "-o", prefix + ".pch"],
                                         capture_output=True, text=True)
            check_flags = flags + ["-include-pch", prefix + ".pch"] if precompiled.returncode == 0 else None
        else:
            check_flags = flags + ["-include", prefix]
        if check_flags is None:
            return set()

        def compiles(group):
            builder.count += 1
            source = builder.write("check%d.cxx" % builder.count,
                                   "\n".join("\n".join(lines[start:end]) for _, start, end in group) + "\n")
            return subprocess.run([compiler] + check_flags + ["-fsyntax-only", source],
                                  capture_output=True, text=True).returncode == 0

        def refused(group):
            if compiles(group):
                return set()
            if len(group) == 1:
                return {(group[0][1], group[0][2], group[0][0])}
            half = len(group) // 2
            return refused(group[:half]) | refused(group[half:])

        return refused(functions) if compiles([]) else set()

    def refused_functions(self, source, errors):
        """The (first line, end line, symbol) of the generated functions
        the compiler's errors for `source` point into (an error's own line,
        or the `required from here` of a template the function
        instantiates); empty when none does, the errors lying elsewhere
        (the headers, the prelude), which is the project's to fix. An error
        also reported outside (the implicitly deleted copy constructor of a
        dispatcher, which the dispatcher's clone helper calls) goes with
        the functions: it is compiled again without them."""
        functions = self.functions()
        pointed = set()
        prefix = source + ":"
        for line in errors.splitlines():
            line = line.strip()
            # The include chain of a diagnostic in a header points at the
            # unit's `#include`s, and a warning refuses nothing.
            if not line.startswith(prefix) or ": warning:" in line:
                continue
            number = line[len(prefix):].split(":", 1)[0]
            if number.isdigit():
                pointed.add(int(number) - 1)
        ranges = set()
        for at in pointed:
            holding = [(start, end, name) for name, start, end in functions if start <= at < end and name is not None]
            ranges.update(holding)
        return ranges


def _compiler_family(compiler, version=None):
    """"gcc", "clang" or None (another compiler), from its `--version`."""
    if version is None:
        try:
            version = subprocess.run([compiler, "--version"], capture_output=True, text=True, timeout=60).stdout
        except (OSError, subprocess.SubprocessError):
            return None
    if "Free Software Foundation" in version:
        return "gcc"
    if "clang version" in version:
        return "clang"
    return None


def _undefined_references(link_errors):
    """The (mangled) symbols a link's errors say nothing defines."""
    found = set()
    for line in link_errors.splitlines():
        at = line.find("undefined reference to ")
        if at >= 0:
            found.add(line[at + len("undefined reference to "):].strip().strip("`'\""))
    return found


def _generated_functions_reaching(undefined, objects):
    """The generated functions of `objects` (compiled a function and a
    datum to a section) that reach a symbol of `undefined`: a section
    reaches it when its relocations name it, or name a symbol or a section
    that reaches it (an inline function of a header, an exception table
    naming a class's type information)."""
    references = {}   # (object, section) -> the names its relocations use
    defines = {}      # (object, section) -> the symbols defined in it
    for obj in objects:
        listing = subprocess.run(["readelf", "-W", "-S", "-s", "-r", obj], capture_output=True, text=True).stdout
        sections = {}
        target = None
        in_symbols = False
        for line in listing.splitlines():
            stripped = line.strip()
            if stripped.startswith("[") and "]" in stripped:
                index, rest = stripped[1:].split("]", 1)
                if index.strip().isdigit() and rest.split():
                    sections[int(index)] = (obj, rest.split()[0])
                continue
            if line.startswith("Relocation section '"):
                target = (obj, line.split("'")[1][len(".rela"):])
                in_symbols = False
                continue
            if line.startswith("Symbol table '"):
                target = None
                in_symbols = True
                continue
            fields = stripped.split()
            if target is not None and len(fields) >= 5 and fields[2].startswith("R_"):
                references.setdefault(target, set()).add(fields[4])
            elif in_symbols and len(fields) >= 8 and fields[6].isdigit():
                section = sections.get(int(fields[6]))
                if section is not None:
                    defines.setdefault(section, set()).add(fields[7])
    reaching = set(undefined)
    grown = True
    while grown:
        grown = False
        for section, names in references.items():
            if section[1] in reaching or names.isdisjoint(reaching):
                continue
            reaching.add(section[1])
            reaching |= defines.get(section, set())
            grown = True
    return {name for name in reaching if name.startswith(_GENERATED_PREFIX)}


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

    # Function templates are instantiated for probes nobody tried before,
    # and dispatchers declared: a failure of clang itself must not end the
    # generator.
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
        # The libraries named with -l are what the dictionary's users will
        # have loaded: one that cannot be is an error now, not at the link.
        for d in args.library_dirs:
            cpplive.add_library_path(d)
        for lib in args.libraries:
            try:
                cpplive.load_library(lib)
            except OSError as e:
                raise GenerationError("-l%s: %s" % (lib, e)) from None
        try:
            draft, units, _, _ = c.generate_dictionary([q for _, q in chosen], [os.path.abspath(h) for h in headers],
                                                       stem, jobs)
        except RuntimeError as e:
            raise GenerationError("cannot record the selection of %s: %s" % (args.selection or "the headers", e)) from None
        # The generated code reaches what reflection offers without C++'s
        # access checks, as the live path's does (GCC and clang both take
        # -fno-access-control).
        describe = lambda source: "the thunks generated for %s (%s)" % (output, source)
        generated_flags = ("-fno-access-control",)
        generated = builder.compile_generated(units, describe, generated_flags)
        builder.link_generated(output, objects, generated, draft.model, describe)
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
