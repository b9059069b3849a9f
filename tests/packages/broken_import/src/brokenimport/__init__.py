"""Installs fine, fails to import: crossbuild install --check-imports must say so."""

from os import no_such_name_in_os  # noqa: F401
