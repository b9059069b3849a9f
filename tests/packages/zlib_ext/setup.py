from setuptools import Extension, setup

# Links the host's zlib and libm: in a Debian tree as dpkg unpacks it, libz.so and libm.so
# are absolute symlinks (/lib/<triplet>/libz.so.1.2.13), which the linker must follow inside
# the host's root.
setup(ext_modules=[Extension("zlibext", ["zlibext.c"], libraries=["z", "m"])])
