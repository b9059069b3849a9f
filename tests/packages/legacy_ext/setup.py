# A legacy project: no pyproject.toml, only setup.py (built through setuptools' legacy backend).
from setuptools import Extension, setup

setup(
    name="legacyext",
    version="1.0",
    ext_modules=[Extension("legacyext", ["legacyext.c"])],
)
