"""`python -m tools`: the project's commands (set up, run, test, check, lint) with nothing but
Python and Node, on Linux, macOS and Windows alike.

The Makefile's targets and scripts/run.sh only call this package, so there is one
implementation of each command; `make` is a convenience where it exists. The package uses the
standard library alone (it runs before the virtual environment exists, with the Python that
will make it) and is never deployed (`.funcignore`).
"""
