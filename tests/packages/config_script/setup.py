"""A setup.py that finds its libraries with their config scripts, as many do: ``foo-config``
(a shell script with its prefix hard-coded) and ``bar-config`` (a compiled program), both
only in the root (see root/).  Like a careful setup.py it checks that the directories
they name exist."""

import subprocess
from pathlib import Path

from setuptools import Extension, setup


def config(program: str, *options: str) -> list[str]:
    return subprocess.run([program, *options], capture_output=True, text=True, check=True).stdout.split()


[includedir] = config("foo-config", "--includedir")
if not (Path(includedir) / "foo.h").is_file():
    raise SystemExit(f"foo-config --includedir says {includedir}, which has no foo.h")
flags = config("foo-config", "--cflags", "--libs") + config("bar-config", "--cflags")
for directory in (flag[2:] for flag in flags if flag.startswith(("-I", "-L"))):
    if not Path(directory).is_dir():
        raise SystemExit(f"a config script names {directory}, which is not a directory")
setup(
    ext_modules=[
        Extension(
            "configscript",
            ["configscript.c"],
            include_dirs=[flag[2:] for flag in flags if flag.startswith("-I")],
            library_dirs=[flag[2:] for flag in flags if flag.startswith("-L")],
            libraries=[flag[2:] for flag in flags if flag.startswith("-l")],
            extra_compile_args=[flag for flag in flags if flag.startswith("-D")],
        )
    ]
)
