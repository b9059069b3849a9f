try:
    from ._speedups import double
except ImportError:

    def double(value):
        return 2 * value
