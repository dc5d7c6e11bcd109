#!/bin/sh
# toml_diff.sh: make check's runner of the differential TOML test: the built
# toml_dump against tomllib, smol-toml and @iarna/toml (toml_diff.py).
TOML_DUMP="${top_builddir:-.}/tests/unit/toml_dump"
export TOML_DUMP
srcdir="${top_srcdir:-${srcdir:-.}}"
export srcdir
NODE_PATH="$srcdir/node_modules${NODE_PATH:+:$NODE_PATH}"
export NODE_PATH
exec python3 "$srcdir/tests/unit/toml_diff.py"
