/* Calls the function of the generated callbacks.c, which this extension compiles too. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

int sharedgen_callbacks(void);

static PyObject *callbacks(PyObject *self, PyObject *args) { return PyLong_FromLong(sharedgen_callbacks()); }

static PyMethodDef methods[] = {{"callbacks", callbacks, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_first", NULL, -1, methods};

PyMODINIT_FUNC PyInit__first(void) { return PyModule_Create(&module); }
