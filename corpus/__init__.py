"""The compatibility corpus: real PyPI sdists cross-built for a host and judged as a user would.

``python -m corpus --arch arm64`` (see :mod:`corpus.run`) makes the host's root with the
Debian packages the corpus needs, installs every package into a fresh copy of it with
``crossbuild install -j N``, and judges each one: the wheel's tag, every ELF file's
machine, every extension module imported under qemu with the root's own python.
"""
