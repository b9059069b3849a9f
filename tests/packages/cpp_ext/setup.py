from setuptools import Extension, setup

setup(ext_modules=[Extension("cppext", ["cppext.cpp"], language="c++", extra_compile_args=["-std=c++17"])])
