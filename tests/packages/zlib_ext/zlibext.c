/* A C extension that calls the host's zlib and libm, linked dynamically. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <zlib.h>

static PyObject *version(PyObject *self, PyObject *unused) {
    return PyUnicode_FromString(zlibVersion());
}

static PyObject *crc(PyObject *self, PyObject *args) {
    Py_buffer data;
    if (!PyArg_ParseTuple(args, "y*", &data))
        return NULL;
    unsigned long value = crc32(0L, (const Bytef *)data.buf, (uInt)data.len);
    PyBuffer_Release(&data);
    return PyLong_FromUnsignedLong(value);
}

static PyObject *cube_root(PyObject *self, PyObject *args) {
    double x;
    if (!PyArg_ParseTuple(args, "d", &x))
        return NULL;
    return PyFloat_FromDouble(cbrt(x));
}

static PyMethodDef methods[] = {
    {"zlib_version", version, METH_NOARGS, "The version of the zlib loaded at run time."},
    {"crc", crc, METH_VARARGS, "zlib's crc32 of bytes."},
    {"cube_root", cube_root, METH_VARARGS, "libm's cbrt."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "zlibext", NULL, -1, methods};

PyMODINIT_FUNC PyInit_zlibext(void) { return PyModule_Create(&module); }
