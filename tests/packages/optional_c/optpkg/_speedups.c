/* Speed-ups written for x86-64 only: on any other machine this does not compile. */
#include <Python.h>

#if !defined(__x86_64__)
#error "optpkg speedups need x86-64 intrinsics"
#endif
#include <immintrin.h>

static PyObject *double_(PyObject *self, PyObject *arg) {
    long value = PyLong_AsLong(arg);
    return PyLong_FromLong(value * 2);
}

static PyMethodDef methods[] = {{"double", double_, METH_O, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "optpkg._speedups", NULL, -1, methods};
PyMODINIT_FUNC PyInit__speedups(void) { return PyModule_Create(&module); }
