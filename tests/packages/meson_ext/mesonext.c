/* A meson-python extension module: what it was compiled for, as meson saw it. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *long_double_size(PyObject *self, PyObject *unused) {
    return PyLong_FromLong(LONG_DOUBLE_SIZE); /* measured by meson at configure time */
}

static PyObject *sizeof_long_double(PyObject *self, PyObject *unused) {
    return PyLong_FromLong((long)sizeof(long double));
}

static PyMethodDef methods[] = {
    {"long_double_size", long_double_size, METH_NOARGS, "sizeof(long double) as meson measured it."},
    {"sizeof_long_double", sizeof_long_double, METH_NOARGS, "sizeof(long double) in this module."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_mesonext", NULL, -1, methods};

PyMODINIT_FUNC PyInit__mesonext(void) { return PyModule_Create(&module); }
