/* A C extension that reports the machine it was compiled for. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *machine(PyObject *self, PyObject *unused) {
#if defined(__aarch64__)
    return PyUnicode_FromString("aarch64");
#elif defined(__arm__)
    return PyUnicode_FromString("arm");
#elif defined(__s390x__)
    return PyUnicode_FromString("s390x");
#elif defined(__x86_64__)
    return PyUnicode_FromString("x86_64");
#elif defined(__i386__)
    return PyUnicode_FromString("i386");
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
    return PyUnicode_FromString("ppc64le");
#elif defined(__riscv) && __riscv_xlen == 64
    return PyUnicode_FromString("riscv64");
#else
    return PyUnicode_FromString("unknown");
#endif
}

static PyObject *pointer_bits(PyObject *self, PyObject *unused) {
    return PyLong_FromLong((long)(sizeof(void *) * 8));
}

static PyObject *byteorder(PyObject *self, PyObject *unused) {
    const unsigned int one = 1;
    return PyUnicode_FromString(*(const unsigned char *)&one ? "little" : "big");
}

static PyObject *add(PyObject *self, PyObject *args) {
    long a, b;
    if (!PyArg_ParseTuple(args, "ll", &a, &b))
        return NULL;
    return PyLong_FromLong(a + b);
}

static PyMethodDef methods[] = {
    {"machine", machine, METH_NOARGS, "The machine this module was compiled for."},
    {"pointer_bits", pointer_bits, METH_NOARGS, "sizeof(void *) in bits."},
    {"byteorder", byteorder, METH_NOARGS, "The byte order seen at run time."},
    {"add", add, METH_VARARGS, "Add two integers in C."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "cext._native", NULL, -1, methods};

PyMODINIT_FUNC PyInit__native(void) { return PyModule_Create(&module); }
