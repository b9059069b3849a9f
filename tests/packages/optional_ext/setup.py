"""setuptools' own optional extension (``optional=True``): when it does not compile,
setuptools warns and goes on, and the wheel keeps the platform tag of a project with
extensions (``cp311-cp311-linux_aarch64``) while it holds no binary at all."""

from setuptools import Extension, setup

setup(
    packages=["optext"],
    ext_modules=[Extension("optext._speedups", ["optext/_speedups.c"], optional=True)],
)
