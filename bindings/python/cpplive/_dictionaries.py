"""Dictionaries made ahead of time (`cpplive-genreflex`, or cppyy's
genreflex): a shared library and an autoload map (`.rootmap`) naming what it
serves and the headers that declare it.

`load_reflection_info(lib)` registers a cpplive dictionary's model (the
reflection data and ahead-of-time thunks `cpplive-genreflex` compiles into
the library) with the backend stack, which then answers for what it
serves with no header parsed; a library without a model (cppyy's
genreflex) is loaded and its headers declared instead;
with its map on the search path (the current directory, `add_library_path`
directories, `CPPLIVE_DICT_PATH` and `LD_LIBRARY_PATH`, or a map given to
`add_autoload_map`) a name that no loaded code declares loads the dictionary
that serves it, when it is first looked up.

The map is genreflex's text format: `[ libFooDict.so ]` starts a library's
section; `class`, `namespace`, `enum`, `var`, `function` and `typedef`
lines name what it serves (fully qualified), `header` lines the headers to
include, relative to the map's directory or on the include path
(`include_path` lines, cpplive's addition, the directories they need); lines
before the first section (`{ decls }`, forward declarations) and `#`
comments are ignored.
"""
import os
import threading

from . import _cpplive

# Kinds a map line may name, as written in the map.
_ENTRY_KINDS = ("class", "namespace", "enum", "var", "function", "typedef")

_lock = threading.RLock()


class DictionaryError(ImportError):
    """A dictionary or its autoload map could not be read or loaded."""


class _Section(object):
    """One library's part of a map."""

    __slots__ = ("library", "headers", "include_dirs", "names", "origin")

    def __init__(self, library, origin):
        self.library = library
        self.headers = []
        self.include_dirs = []
        self.names = set()
        self.origin = origin


def read_map(path):
    """The sections of the autoload map at `path`; DictionaryError names the
    file and line of what cannot be read."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise DictionaryError("cannot read the autoload map %s: %s" % (path, e)) from None
    directory = os.path.dirname(os.path.abspath(path))
    sections = []
    current = None
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            library = line[1:-1].strip()
            if not library:
                raise DictionaryError("%s:%d: a section names no library" % (path, number))
            current = _Section(library if os.path.isabs(library) else os.path.join(directory, library), path)
            sections.append(current)
            continue
        if current is None:
            continue   # `{ decls }` and forward declarations
        kind, _, name = line.partition(" ")
        name = name.strip()
        if kind == "header" and name:
            local = os.path.join(directory, name)
            current.headers.append(local if os.path.isfile(local) else name)
        elif kind == "include_path" and name:
            current.include_dirs.append(os.path.join(directory, name))
        elif kind in _ENTRY_KINDS and name:
            current.names.add(name.lstrip(":"))
        else:
            raise DictionaryError("%s:%d: cannot read %r (expected '[ library ]', 'header', or one of %s and a name)"
                                  % (path, number, raw, ", ".join(_ENTRY_KINDS)))
    return sections


class _Index(object):
    """The autoload maps found so far: qualified name -> sections."""

    def __init__(self):
        self.by_name = {}
        self.dirs = {}          # searched directory -> (mtime, its maps)
        self.maps = {}          # map path -> (mtime, size)
        self.explicit = []      # maps given to add_autoload_map
        self.loaded = set()     # libraries loaded through a map (real paths)

    def search_dirs(self):
        return library_dirs(dictionary_path=True)

    def refresh(self):
        """Reads maps that are new or changed since the last look."""
        paths = list(self.explicit)
        for d in self.search_dirs():
            # A directory is listed again only when its entries changed.
            try:
                mtime = os.stat(d).st_mtime_ns
            except OSError:
                continue
            known = self.dirs.get(d)
            if known is None or known[0] != mtime:
                try:
                    entries = os.listdir(d)
                except OSError:
                    continue
                known = (mtime, [os.path.join(d, e) for e in sorted(entries) if e.endswith(".rootmap")])
                self.dirs[d] = known
            paths += known[1]
        for path in paths:
            try:
                st = os.stat(path)
            except OSError:
                continue
            stamp = (st.st_mtime_ns, st.st_size)
            key = os.path.realpath(path)
            if self.maps.get(key) == stamp:
                continue
            self.maps[key] = stamp
            try:
                sections = read_map(path)
            except DictionaryError:
                if path in self.explicit:
                    raise
                continue   # a broken map found by searching is not this program's
            for section in sections:
                for name in section.names:
                    self.by_name.setdefault(name, []).append(section)

    def sections_for(self, qualified):
        self.refresh()
        return self.by_name.get(qualified, [])


_index = _Index()


def add_autoload_map(path):
    """Reads the autoload map at `path`: names it lists load their
    dictionary when first looked up."""
    path = os.path.abspath(path)
    read_map(path)   # errors now, naming the file
    with _lock:
        if path not in _index.explicit:
            _index.explicit.append(path)
        _index.refresh()


def _load_section(section):
    library = os.path.realpath(section.library)
    if library in _index.loaded:
        return False
    if not os.path.isfile(library):
        raise DictionaryError("the dictionary %s named by %s does not exist" % (section.library, section.origin))
    _declare(library, section, section.origin)
    return True


def _register_model(library):
    """Registers the model `library` holds; False when it holds none."""
    try:
        registered = _cpplive.load_dictionary(library)
    except ImportError as e:
        raise DictionaryError(str(e)) from None
    if registered:
        _index.loaded.add(library)
    elif _cpplive.no_clang_reason() is not None:
        raise DictionaryError("%s holds no cpplive dictionary model, and its headers cannot be parsed instead (%s): "
                              "generate it with cpplive-genreflex" % (library, _cpplive.no_clang_reason()))
    return registered


def _uses_model(section):
    """Whether a dictionary's precompiled model answers for it, rather than
    clang parsing the headers it records. The model loads in milliseconds
    but covers only what was selected and generated (no new template
    instantiations, no `cppdef` code using its classes); so it is used when
    only dictionaries may answer (CPPLIVE_BACKEND=dictionary), when asked
    for (CPPLIVE_DICT_MODEL=1, or 0 for never), or when the headers are not
    there to parse, or no clang backend to parse them (asked last: it
    maps LLVM)."""
    if _cpplive.dictionary_only():
        return True
    asked = os.environ.get("CPPLIVE_DICT_MODEL", "")
    if asked in ("0", "1"):
        return asked == "1"
    if section is None:
        return True
    if not all(_header_found(h, section.include_dirs) for h in section.headers):
        return True
    return _cpplive.no_clang_reason() is not None


def _header_found(header, include_dirs):
    if os.path.isabs(header):
        return os.path.isfile(header)
    return any(os.path.isfile(os.path.join(d, header)) for d in list(include_dirs) + [os.getcwd()])


def _declare(library, section, origin):
    from . import load_library, include, add_include_path
    if _uses_model(section) and _register_model(library):
        return
    for d in section.include_dirs:
        if os.path.isdir(d):
            add_include_path(d)
    load_library(library)
    headers = section.headers
    for header in headers:
        try:
            include(header)
        except (ImportError, SyntaxError) as e:
            raise DictionaryError("the dictionary %s (%s): its header %s: %s" % (library, origin, header, e)) from None
    _index.loaded.add(library)


def autoload(qualified):
    """Loads the dictionaries whose maps name `qualified` (not loaded yet);
    whether any was loaded."""
    with _lock:
        sections = _index.sections_for(qualified.lstrip(":"))
        loaded = False
        for section in sections:
            loaded |= _load_section(section)
        return loaded


def loaded_dictionaries():
    return sorted(_index.loaded)


def searched_note():
    """What a failed lookup adds when only dictionaries answer."""
    reason = _cpplive.no_clang_reason()
    if reason is None:
        return ""
    searched = _cpplive.loaded_dictionaries()
    return " (%s; dictionaries searched: %s)" % (reason, ", ".join(searched) if searched else "none is loaded")


def load_reflection_info(path):
    """Loads the dictionary library `path` and declares what it serves:
    the headers its autoload map (`<lib>.rootmap` beside it) lists for it.
    Loading it again does nothing. Raises DictionaryError (an ImportError)
    naming the file when the library or its map cannot be used."""
    library = os.path.realpath(path)
    with _lock:
        if library in _index.loaded:
            return
        stem = os.path.splitext(library)[0]
        candidates = [stem + ".rootmap"]
        if os.path.basename(stem).startswith("lib"):
            candidates.append(os.path.join(os.path.dirname(stem), os.path.basename(stem)[3:] + ".rootmap"))
        for candidate in candidates:
            if not os.path.isfile(candidate):
                continue
            for section in read_map(candidate):
                if os.path.realpath(section.library) == library:
                    _declare(library, section, candidate)
                    return
            if _register_model(library):
                return
            raise DictionaryError("the autoload map %s has no section for %s" % (candidate, path))
        if _register_model(library):
            return
        raise DictionaryError("%s has no autoload map beside it (looked for %s)" % (path, " and ".join(candidates)))


def library_dirs(dictionary_path=False):
    """Where a library named without a directory is looked for (with
    `dictionary_path`, also CPPLIVE_DICT_PATH's directories, where
    autoload maps are looked for)."""
    from . import _library_paths
    variables = ("CPPLIVE_DICT_PATH", "LD_LIBRARY_PATH") if dictionary_path else ("LD_LIBRARY_PATH",)
    return [os.getcwd()] + list(_library_paths) + [
        d for v in variables for d in os.environ.get(v, "").split(os.pathsep) if d]


def find_library(name):
    """The file `name` names: a path (with or without `.so`), else a file in
    `library_dirs()`; None when there is none."""
    candidates = [name] if name.endswith(".so") else [name + ".so", name]
    dirs = [""] if os.sep in name else library_dirs()
    for d in dirs:
        for c in candidates:
            path = os.path.join(d, c) if d else c
            if os.path.isfile(path):
                return os.path.realpath(path)
    return None


def has_map(path):
    stem = os.path.splitext(os.path.realpath(path))[0]
    return os.path.isfile(stem + ".rootmap")
