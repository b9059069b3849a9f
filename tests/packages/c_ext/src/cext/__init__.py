from ._native import add, byteorder, machine, pointer_bits

__all__ = ["add", "byteorder", "machine", "pointer_bits"]
