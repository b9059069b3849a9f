"""A C extension that needs glibc 2.36: it calls arc4random (GLIBC_2.36)."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("glibcnew", ["glibcnew.c"])])
