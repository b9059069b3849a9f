/* What numpy's headers say about the machine, as compiled: NPY_SIZEOF_LONG comes from
 * _numpyconfig.h, sizeof(npy_long) from the compiler; they agree only with the host's
 * headers.  half_to_float() calls libnpymath (a static library of the machine it was
 * built for) and ones() the C API at run time. */
#define PY_SSIZE_T_CLEAN
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <Python.h>
#include <numpy/arrayobject.h>
#include <numpy/halffloat.h>

static PyObject *sizes(PyObject *self, PyObject *args) {
    return Py_BuildValue("(ii)", (int)NPY_SIZEOF_LONG, (int)sizeof(npy_long));
}

static PyObject *half_to_float(PyObject *self, PyObject *arg) {
    unsigned long bits = PyLong_AsUnsignedLong(arg);
    if (PyErr_Occurred()) return NULL;
    return PyFloat_FromDouble(npy_half_to_float((npy_half)bits));
}

static PyObject *ones(PyObject *self, PyObject *arg) {
    npy_intp n = PyLong_AsSsize_t(arg);
    if (PyErr_Occurred()) return NULL;
    PyObject *array = PyArray_SimpleNew(1, &n, NPY_LONG);
    if (array == NULL) return NULL;
    npy_long *data = (npy_long *)PyArray_DATA((PyArrayObject *)array);
    for (npy_intp i = 0; i < n; i++) data[i] = 1;
    return array;
}

static PyMethodDef methods[] = {
    {"sizes", sizes, METH_NOARGS, "(NPY_SIZEOF_LONG, sizeof(npy_long))"},
    {"half_to_float", half_to_float, METH_O, "npy_half_to_float of libnpymath"},
    {"ones", ones, METH_O, "an array of n longs set to 1"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "numpy_capi", NULL, -1, methods};

PyMODINIT_FUNC PyInit_numpy_capi(void) {
    import_array();
    return PyModule_Create(&module);
}
