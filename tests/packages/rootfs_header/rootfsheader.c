#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <linux/input-event-codes.h>

/* A test root adds KEY_CROSSBUILD_ROOTFS_ONLY to its linux/input-event-codes.h, as a newer
   kernel adds event codes; the cross toolchain's copy of the header lacks it. */
#ifdef KEY_CROSSBUILD_ROOTFS_ONLY
#define ROOTFS_ONLY KEY_CROSSBUILD_ROOTFS_ONLY
#else
#define ROOTFS_ONLY -1
#endif

static PyObject *rootfs_only(PyObject *self, PyObject *args) { return PyLong_FromLong(ROOTFS_ONLY); }
static PyObject *key_a(PyObject *self, PyObject *args) { return PyLong_FromLong(KEY_A); }
static PyMethodDef methods[] = {
    {"rootfs_only", rootfs_only, METH_NOARGS, NULL}, {"key_a", key_a, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "rootfsheader", NULL, -1, methods};
PyMODINIT_FUNC PyInit_rootfsheader(void) { return PyModule_Create(&module); }
