// A C++ extension: uses the C++ standard library of the host (std::vector, std::string).
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

static PyObject *join_sorted(PyObject *, PyObject *args) {
    PyObject *list;
    if (!PyArg_ParseTuple(args, "O!", &PyList_Type, &list))
        return nullptr;
    std::vector<std::string> words;
    for (Py_ssize_t i = 0; i < PyList_Size(list); ++i) {
        const char *text = PyUnicode_AsUTF8(PyList_GetItem(list, i));
        if (!text)
            return nullptr;
        words.emplace_back(text);
    }
    std::sort(words.begin(), words.end());
    std::string joined = std::accumulate(words.begin(), words.end(), std::string(),
                                         [](const std::string &a, const std::string &b) { return a.empty() ? b : a + "," + b; });
    return PyUnicode_FromString(joined.c_str());
}

static PyObject *cplusplus(PyObject *, PyObject *) { return PyLong_FromLong(__cplusplus); }

static PyMethodDef methods[] = {
    {"join_sorted", join_sorted, METH_VARARGS, "Sort strings and join them with commas, in C++."},
    {"cplusplus", cplusplus, METH_NOARGS, "The __cplusplus value the module was compiled with."},
    {nullptr, nullptr, 0, nullptr},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "cppext", nullptr, -1, methods};

PyMODINIT_FUNC PyInit_cppext(void) { return PyModule_Create(&module); }
