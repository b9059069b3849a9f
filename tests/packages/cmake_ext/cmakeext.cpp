// A scikit-build-core + pybind11 module: reports what CMake thought the host was.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <vector>

namespace py = pybind11;

PYBIND11_MODULE(cmakeext, m) {
    m.def("system_processor", [] { return std::string(CMAKE_SYSTEM_PROCESSOR_NAME); });
    m.def("squares", [](int n) {
        std::vector<int> out;
        for (int i = 0; i < n; ++i) out.push_back(i * i);
        return out;
    });
}
