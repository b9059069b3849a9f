from setuptools import Extension, setup

setup(ext_modules=[Extension("cext._native", ["src/cext/_native.c"])])
