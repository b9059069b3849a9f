// A pybind11 module, found by meson's dependency('pybind11') through pybind11-config.
#include <pybind11/pybind11.h>

PYBIND11_MODULE(_pbadd, m) {
    m.def("add", [](long a, long b) { return a + b; });
    m.def("long_bits", []() { return static_cast<int>(sizeof(long) * 8); });
}
