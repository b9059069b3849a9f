/* A scikit-build-core module in C (no C++ runtime: for hosts without one, such as musl
 * roots): reports what CMake thought the host was. */
#include <Python.h>

static PyObject *system_processor(PyObject *self, PyObject *args) {
    return PyUnicode_FromString(CMAKE_SYSTEM_PROCESSOR_NAME);
}

static PyMethodDef methods[] = {
    {"system_processor", system_processor, METH_NOARGS, "CMAKE_SYSTEM_PROCESSOR at build time."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "cmakecext", NULL, -1, methods};

PyMODINIT_FUNC PyInit_cmakecext(void) { return PyModule_Create(&module); }
