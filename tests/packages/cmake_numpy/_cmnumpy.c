/* NPY_SIZEOF_LONG of the numpy headers FindPython's NumPy component found. */
#define PY_SSIZE_T_CLEAN
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <Python.h>
#include <numpy/npy_common.h>

static PyObject *sizes(PyObject *self, PyObject *args) {
    return Py_BuildValue("(ii)", (int)NPY_SIZEOF_LONG, (int)sizeof(npy_long));
}

static PyMethodDef methods[] = {{"sizes", sizes, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_cmnumpy", NULL, -1, methods};

PyMODINIT_FUNC PyInit__cmnumpy(void) { return PyModule_Create(&module); }
