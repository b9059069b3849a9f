# Links libffi (libffi.so.8), a library of the host's root outside every manylinux
# whitelist: crossbuild wheel --repair must graft it into ffidemo.libs/.
from setuptools import Extension, setup

setup(
    packages=["ffidemo"],
    package_dir={"": "src"},
    ext_modules=[Extension("ffidemo._ffi", ["src/ffidemo/_ffi.c"], libraries=["ffi"], extra_compile_args=["-g"])],
)
