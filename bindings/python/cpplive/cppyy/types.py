"""cppyy.types: the Python types of cpplive's proxies, by cppyy's names."""
from cpplive import _cpplive, _proxies

Instance = _cpplive.CppObject           # base of every C++ object proxy
Scope = _proxies.CppClassMeta           # metaclass of C++ class proxies
Namespace = _proxies.Namespace          # base of C++ namespace proxies
Function = _cpplive.CppFunction         # free functions and static methods
Method = _cpplive.CppMethod             # methods and constructors
DataMember = _cpplive.DataMember
LowLevelView = _cpplive.LowLevelView    # views of builtins in C++ memory
Template = _proxies.FunctionTemplate    # function templates (class templates: ClassTemplate)
ClassTemplate = _proxies.ClassTemplate

__all__ = ["Instance", "Scope", "Namespace", "Function", "Method", "DataMember", "LowLevelView", "Template", "ClassTemplate"]
