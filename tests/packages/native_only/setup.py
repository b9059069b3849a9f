"""A project whose build ignores CC and runs the build machine's own gcc.

It ships a shared library loaded with ctypes; built this way, it is an x86-64 binary in
a wheel for another machine, which crossbuild must refuse.
"""

import pathlib
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py


class build_with_native_gcc(build_py):
    def run(self):
        super().run()
        target = pathlib.Path(self.build_lib) / "nativepkg" / "libanswer.so"
        subprocess.check_call(["/usr/bin/gcc", "-shared", "-fPIC", "-o", str(target), "answer.c"])


setup(packages=["nativepkg"], cmdclass={"build_py": build_with_native_gcc})
