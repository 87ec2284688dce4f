"""cppyy.py: the pythonization hooks."""
from cpplive import add_pythonization, compose_method, pin_type, remove_pythonization
from cpplive._pythonize import add_type_reducer

__all__ = ["add_pythonization", "remove_pythonization", "pin_type", "compose_method", "add_type_reducer"]
