# cython: language_level=3
"""A Cython module: compiled C code that sums numbers with C longs."""

import cython


def total(values):
    cdef long result = 0
    cdef long value
    for value in values:
        result += value
    return result


def pointer_bits():
    return sizeof(void*) * 8


def is_compiled():
    return cython.compiled
