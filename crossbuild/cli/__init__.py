"""The ``crossbuild`` command line: the only place that prints and turns errors into exit
codes.  Everything it does, the library does (:mod:`crossbuild`).  The entry point is
:func:`crossbuild.cli.main.entrypoint`."""
