#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <foo.h> /* in ROOT/usr/include/foo, which foo-config names */
#include <bar.h> /* in ROOT/usr/include/bar, which bar-config names */

#ifndef FOO_FROM_CONFIG
#error "foo-config --cflags did not reach the compiler"
#endif

static PyObject *answers(PyObject *self, PyObject *args) { return Py_BuildValue("ii", foo_answer(), BAR_VALUE); }
static PyMethodDef methods[] = {{"answers", answers, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "configscript", NULL, -1, methods};
PyMODINIT_FUNC PyInit_configscript(void) { return PyModule_Create(&module); }
