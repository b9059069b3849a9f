"""An optional speed-up that falls back to pure Python when it does not compile.

The same pattern as markupsafe, simplejson or wrapt: catch the compiler error, warn, and
build again without the extension.
"""

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class BuildFailed(Exception):
    pass


class optional_build_ext(build_ext):
    def run(self):
        try:
            super().run()
        except Exception as error:
            raise BuildFailed() from error

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except Exception as error:
            raise BuildFailed() from error


def run_setup(with_speedups):
    setup(
        packages=["optpkg"],
        ext_modules=[Extension("optpkg._speedups", ["optpkg/_speedups.c"])] if with_speedups else [],
        cmdclass={"build_ext": optional_build_ext},
    )


try:
    run_setup(True)
except BuildFailed:
    print("WARNING: the C extension could not be compiled, speedups are not enabled.")
    run_setup(False)
