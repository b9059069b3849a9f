from ._native import add, arch

__all__ = ["add", "arch"]
