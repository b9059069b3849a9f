#include <Python.h>

static PyObject *word_bits(PyObject *self, PyObject *unused) { return PyLong_FromLong((long)sizeof(long) * 8); }

static PyMethodDef methods[] = {{"word_bits", word_bits, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "legacyext", NULL, -1, methods};
PyMODINIT_FUNC PyInit_legacyext(void) { return PyModule_Create(&module); }
