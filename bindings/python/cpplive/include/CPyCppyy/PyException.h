// CPyCppyy::PyException, for C++ written for cppyy: the exception that
// carries a Python exception (raised by a Python override or callback)
// through C++ frames. cpplive declares it in every interpreter already;
// this header only lets `#include "CPyCppyy/PyException.h"` succeed.
//
//   try { obj->method(); }
//   catch (CPyCppyy::PyException& e) {
//       std::string text = e.what();   // the Python traceback
//       e.clear();                     // handled: not raised in Python
//   }
#ifndef CPPLIVE_CPYCPPYY_PYEXCEPTION_H
#define CPPLIVE_CPYCPPYY_PYEXCEPTION_H
#endif
