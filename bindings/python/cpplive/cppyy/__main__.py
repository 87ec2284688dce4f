"""`python -m cpplive.cppyy script.py [arguments]`: runs a script written
for cppyy on cpplive, with `import cppyy` giving cpplive.cppyy."""
import os
import runpy
import sys

from cpplive import cppyy

if len(sys.argv) < 2:
    sys.exit("usage: python -m cpplive.cppyy script.py [arguments]")
cppyy.install()
sys.argv = sys.argv[1:]
# As `python script.py` would: the script's directory first on the path.
sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[0])))
runpy.run_path(sys.argv[0], run_name="__main__")
