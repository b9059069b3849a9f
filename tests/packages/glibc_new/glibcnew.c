#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>

/* arc4random came with glibc 2.36: the extension needs the symbol version GLIBC_2.36. */
static PyObject *random32(PyObject *self, PyObject *args) { return PyLong_FromUnsignedLong(arc4random()); }
static PyMethodDef methods[] = {{"random32", random32, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "glibcnew", NULL, -1, methods};
PyMODINIT_FUNC PyInit_glibcnew(void) { return PyModule_Create(&module); }
