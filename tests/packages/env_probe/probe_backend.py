"""An in-tree PEP 517 backend that records what a build backend sees.

Its wheel holds ``envprobe/seen.json``: the environment variables and what sysconfig,
platform and sys report inside the backend process.  Tests read it to check crossbuild's
runtime patch and the settings it hands backends (compilers, cross files, Cargo, PyO3).
"""

import base64
import hashlib
import json
import os
import pathlib
import platform
import sys
import sysconfig
import zipfile

NAME, VERSION = "envprobe", "1.0"


def _seen():
    return {
        "environ": dict(os.environ),
        "platform": sysconfig.get_platform(),
        "machine": platform.machine(),
        "multiarch": getattr(sys.implementation, "_multiarch", None),
        "config_vars": {
            key: sysconfig.get_config_var(key)
            for key in ("EXT_SUFFIX", "SOABI", "MULTIARCH", "CC", "LDSHARED", "INCLUDEPY", "LIBDIR", "HOST_GNU_TYPE")
        },
        "include": sysconfig.get_paths()["include"],
        "platinclude": sysconfig.get_paths()["platinclude"],
    }


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    files = {
        f"{NAME}/__init__.py": b"",
        f"{NAME}/seen.json": json.dumps(_seen(), indent=1).encode(),
        f"{NAME}/config_settings.json": json.dumps(config_settings or {}).encode(),
        f"{NAME}-{VERSION}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {VERSION}\n".encode(),
        f"{NAME}-{VERSION}.dist-info/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: probe\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = f"{NAME}-{VERSION}.dist-info/RECORD"
    lines = [_record_line(name, data) for name, data in files.items()] + [f"{record},,"]
    files[record] = ("\n".join(lines) + "\n").encode()
    filename = f"{NAME}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(pathlib.Path(wheel_directory) / filename, "w") as wheel:
        for name, data in files.items():
            wheel.writestr(name, data)
    return filename
