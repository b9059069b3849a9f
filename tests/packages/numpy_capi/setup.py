"""A numpy C-API extension: compiled against numpy.get_include(), linked with libnpymath."""

from pathlib import Path

import numpy
from setuptools import Extension, setup

include = numpy.get_include()
setup(
    ext_modules=[
        Extension(
            "numpy_capi",
            ["numpy_capi.c"],
            include_dirs=[include],
            library_dirs=[str(Path(include).parent / "lib")],
            libraries=["npymath"],
        )
    ]
)
