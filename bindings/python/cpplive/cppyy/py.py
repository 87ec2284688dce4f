"""cppyy.py: the pythonization hooks."""
from cpplive import add_pythonization, pin_type, remove_pythonization

__all__ = ["add_pythonization", "remove_pythonization", "pin_type"]
