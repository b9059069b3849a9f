"""A setup.py that runs a vendored library's ./configure (without --host), as those of
gevent, pycares or jq do, then compiles the library into the extension."""

import subprocess
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

TINYLIB = Path(__file__).parent / "vendor" / "tinylib"


class configure_then_build(build_ext):
    def run(self) -> None:
        subprocess.run(["sh", "./configure"], cwd=TINYLIB, check=True)
        super().run()


setup(
    cmdclass={"build_ext": configure_then_build},
    ext_modules=[
        Extension("autoconfvendored", ["autoconfvendored.c", "vendor/tinylib/tiny.c"], include_dirs=["vendor/tinylib"])
    ],
)
