#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "tiny.h"

/* What the vendored library's configure found: the host triplet, sizeof(long), epoll. */
static PyObject *configured(PyObject *self, PyObject *args) {
    return Py_BuildValue("(sii)", tiny_host(), tiny_sizeof_long(), tiny_has_epoll());
}
static PyMethodDef methods[] = {{"configured", configured, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "autoconfvendored", NULL, -1, methods};
PyMODINIT_FUNC PyInit_autoconfvendored(void) { return PyModule_Create(&module); }
