"""`import cpplive.gbl.ns` and `from cpplive.gbl.ns.inner import f` for any
C++ namespace, looked up or not: namespaces are module-like objects (with a
`__path__`, so the import system asks for their children), and this finder
resolves a dotted name under a root by attribute lookup. The cppyy
compatibility module adds its own root (`cppyy.gbl`)."""
import importlib.machinery
import sys

from . import _proxies


class NamespaceFinder(object):
    """Finder and loader (the protocols of importlib.abc, without the cost
    of importing it)."""

    def __init__(self):
        self.roots = {}

    def add_root(self, prefix, namespace):
        self.roots[prefix] = namespace

    def find_spec(self, fullname, path=None, target=None):
        prefix, _, rest = fullname.partition(".gbl.")
        root = self.roots.get(prefix + ".gbl")
        if root is None or not rest:
            return None
        found = root
        for part in rest.split("."):
            try:
                found = getattr(found, part)
            except AttributeError:
                return None
        if not isinstance(found, _proxies.Namespace):
            return None
        return importlib.machinery.ModuleSpec(fullname, self, loader_state=found, is_package=True)

    def create_module(self, spec):
        return spec.loader_state

    def exec_module(self, module):
        pass


finder = NamespaceFinder()
sys.meta_path.append(finder)
