# ruff: noqa: PTH103, PTH113, PTH118
# (os.path on purpose: the calls real setup.py files make)
"""A setup.py that looks at the machine's files itself, as many do: an optional feature
when its header and library exist in the system directories (Pillow's way), and code
generated from a system header it reads (evdev's way)."""

import os
import re
import sysconfig

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class probing_build_ext(build_ext):
    def build_extensions(self) -> None:
        extension = self.extensions[0]
        multiarch = sysconfig.get_config_var("MULTIARCH") or ""
        library_dirs = [f"/usr/lib/{multiarch}", "/usr/lib"]
        if os.path.isfile("/usr/include/zlib.h") and self.compiler.find_library_file(library_dirs, "z"):
            extension.define_macros.append(("HAVE_ZLIB", "1"))
            extension.libraries.append("z")
        with open("/usr/include/linux/input-event-codes.h") as header:
            codes = dict(re.findall(r"#define\s+(KEY_\w+)\s+(0x[0-9a-fA-F]+|\d+)", header.read()))
        os.makedirs(self.build_temp, exist_ok=True)
        generated = os.path.join(self.build_temp, "keycodes.h")
        with open(generated, "w") as out:
            out.write(f"#define KEY_CODES {len(codes)}\n")
            out.write(f"#define ROOTFS_ONLY {int(codes.get('KEY_CROSSBUILD_ROOTFS_ONLY', '-1'), 0)}\n")
        extension.include_dirs.append(self.build_temp)
        super().build_extensions()


setup(
    ext_modules=[Extension("systemprobe", ["systemprobe.c"])],
    cmdclass={"build_ext": probing_build_ext},
)
