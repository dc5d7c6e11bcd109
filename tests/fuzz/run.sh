#!/bin/sh
# run.sh: make check's runner for a fuzz harness: tests/fuzz/NAME.fuzz runs
# the binary fuzz_NAME over the corpus in tests/fuzz/corpus/NAME/.
set -eu
name=$(basename "$1" .fuzz)
bin="${top_builddir:-.}/tests/fuzz/fuzz_$name"
corpus="${top_srcdir:-.}/tests/fuzz/corpus/$name"
exec "$bin" "$corpus"
