"""A C extension that reports a kernel header's define: the root's copy of the header must win
over the cross toolchain's own (``/usr/<triplet>/include``)."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("rootfsheader", ["rootfsheader.c"])])
