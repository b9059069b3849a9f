/* Reports what the host probe printed when CMake ran it at configure time. */
#include <Python.h>

static PyObject *probe_output(PyObject *self, PyObject *args) { return PyUnicode_FromString(PROBE_OUTPUT); }

static PyMethodDef methods[] = {
    {"probe_output", probe_output, METH_NOARGS, "What try_run's program printed."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "cmakepolicy", NULL, -1, methods};

PyMODINIT_FUNC PyInit_cmakepolicy(void) { return PyModule_Create(&module); }
