"""Fortran routines called through f2py: one plain, one that calls BLAS."""

from ._blasdot import blasdot, blasmatmul
from ._horner import horner, horner_text

__all__ = ["blasdot", "blasmatmul", "horner", "horner_text"]
