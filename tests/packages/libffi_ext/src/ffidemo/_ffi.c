/* call_add(a, b): adds two ints by calling a C function through libffi. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <ffi.h>

static int add(int a, int b) { return a + b; }

static PyObject *call_add(PyObject *self, PyObject *args) {
    int a, b;
    if (!PyArg_ParseTuple(args, "ii", &a, &b)) return NULL;
    ffi_cif cif;
    ffi_type *types[2] = {&ffi_type_sint, &ffi_type_sint};
    if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 2, &ffi_type_sint, types) != FFI_OK) {
        PyErr_SetString(PyExc_RuntimeError, "ffi_prep_cif failed");
        return NULL;
    }
    void *values[2] = {&a, &b};
    ffi_arg result;
    ffi_call(&cif, FFI_FN(add), &result, values);
    return PyLong_FromLong((long)(int)result);
}

static PyMethodDef methods[] = {{"call_add", call_add, METH_VARARGS, "a + b, called through libffi"}, {NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_ffi", NULL, -1, methods};

PyMODINIT_FUNC PyInit__ffi(void) { return PyModule_Create(&module); }
