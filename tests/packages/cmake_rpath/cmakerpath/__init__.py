"""zlib's crc32, from an extension linked against the host's zlib."""

from ._crc import crc, zlib_version

__all__ = ["crc", "zlib_version"]
