#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <zlib.h>

/* What setup.py learnt about the machine, and zlib (linked from the -L it computed). */
static PyObject *answers(PyObject *self, PyObject *args) {
    return Py_BuildValue("(ssss)", MULTIARCH, UNAME_M, GCC_MULTIARCH, zlibVersion());
}
static PyMethodDef methods[] = {{"answers", answers, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "multiarchprobe", NULL, -1, methods};
PyMODINIT_FUNC PyInit_multiarchprobe(void) { return PyModule_Create(&module); }
