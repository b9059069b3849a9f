"""A setup.py that asks the machine where its libraries are, as many do: dpkg-architecture,
uname -m and gcc -print-multiarch; it adds -I/-L of the system's multiarch directories."""

import subprocess

from setuptools import Extension, setup


def ask(*argv: str) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout.strip()


multiarch = ask("dpkg-architecture", "-qDEB_HOST_MULTIARCH")
machine = ask("uname", "-m")
gcc_multiarch = ask("gcc", "-print-multiarch")
setup(
    ext_modules=[
        Extension(
            "multiarchprobe",
            ["multiarchprobe.c"],
            include_dirs=["/usr/include", f"/usr/include/{multiarch}"],
            library_dirs=[f"/usr/lib/{multiarch}", "/usr/lib"],
            libraries=["z"],
            define_macros=[
                ("MULTIARCH", f'"{multiarch}"'),
                ("UNAME_M", f'"{machine}"'),
                ("GCC_MULTIARCH", f'"{gcc_multiarch}"'),
            ],
        )
    ]
)
