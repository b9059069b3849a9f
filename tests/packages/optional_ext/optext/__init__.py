try:
    from ._speedups import answer
except ImportError:

    def answer() -> int:
        return 42
