#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "keycodes.h"
#ifdef HAVE_ZLIB
#include <zlib.h>
#endif

/* What setup.py found: zlib's version (None without zlib), the key codes it read. */
static PyObject *found(PyObject *self, PyObject *args) {
#ifdef HAVE_ZLIB
    const char *zlib = zlibVersion();
#else
    const char *zlib = NULL;
#endif
    return Py_BuildValue("(zii)", zlib, KEY_CODES, ROOTFS_ONLY);
}
static PyMethodDef methods[] = {{"found", found, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "systemprobe", NULL, -1, methods};
PyMODINIT_FUNC PyInit_systemprobe(void) { return PyModule_Create(&module); }
