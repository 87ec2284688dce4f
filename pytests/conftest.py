"""Shared setup for the cpplive end-to-end suite.

All tests in one pytest process share a single embedded C++ interpreter, and
C++ names cannot be redefined.  Every test file therefore uses its own name
prefix (e.g. ``bi_`` in test_builtins.py), and tests that define code that
might be defined again use the ``uid`` fixture to get fresh names.

Set ``CPPLIVE_TEST_WITH_CPPYY=1`` to run the suite against the reference
cppyy instead (``import cppyy as cpplive``), and
``CPPLIVE_TEST_VIA_DICTIONARY=1`` to run what the tests define through
dictionaries made by cpplive-genreflex; see helpers.py.
"""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import helpers  # noqa: E402

helpers.install_cppyy_alias()
helpers.setup_cpplive_path()
helpers.install_dictionary_cppdef()


@pytest.fixture
def uid():
    """Factory fixture: ``uid("prefix")`` returns a fresh unique C++ name."""
    return helpers.next_uid
