from setuptools import Extension, setup

setup(ext_modules=[Extension("brokenc", ["brokenc.c"])])
