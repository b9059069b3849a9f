from ._ffi import call_add

__all__ = ["call_add"]
