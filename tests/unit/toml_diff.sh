#!/bin/sh
# toml_diff.sh: make check's runner of the differential TOML test: the
# built toml_dump against Python's tomllib (tests/unit/toml_diff.py).
TOML_DUMP="${top_builddir:-.}/tests/unit/toml_dump"
export TOML_DUMP
srcdir="${top_srcdir:-${srcdir:-.}}"
export srcdir
exec python3 "$srcdir/tests/unit/toml_diff.py"
