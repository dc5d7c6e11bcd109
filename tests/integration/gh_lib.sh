# gh_lib.sh: helpers of the github_actions integration tests, on top of
# lib.sh: a git checkout with workflows, the loopback fake of the REST API
# and status page, and queries of the fake's request log.

GH_FIX="$S/tests/integration/fixtures/github"
FPID=""
PORT=""

# gh_repo DIR: a git checkout with three valid workflows, committed.
gh_repo() {
	mkdir -p "$1/.github/workflows"
	git -C "$1" init -q -b main 2>/dev/null || git -C "$1" init -q
	git -C "$1" config user.email test@example.com
	git -C "$1" config user.name "redundancyd test"
	git -C "$1" config commit.gpgsign false
	cat >"$1/.github/workflows/ci.yml" <<'WF'
name: CI
on:
  push:
    branches: [main]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "building $GITHUB_SHA"
  test:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - run: echo testing
WF
	cat >"$1/.github/workflows/nightly.yml" <<'WF'
name: Nightly
on:
  schedule:
    - cron: "17 3 * * *"
jobs:
  report:
    runs-on: ubuntu-latest
    steps:
      - run: date
WF
	cat >"$1/.github/workflows/lint.yml" <<'WF'
name: Lint
on: [pull_request]
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - run: echo lint
WF
	git -C "$1" add -A
	git -C "$1" commit -q -m "workflows"
}

# start_fake SCENARIO TOKEN: the fake API on a free port ($PORT).
start_fake() {
	: >"$WS/requests.jsonl"
	python3 "$S/tests/integration/fake_github.py" --fixtures "$GH_FIX" \
	    --log "$WS/requests.jsonl" --token "$2" --scenario "$1" \
	    >"$WS/fake.out" 2>"$WS/fake.err" &
	FPID=$!
	wait_for 10 test -s "$WS/fake.out" || return 1
	PORT=$(head -n 1 "$WS/fake.out")
	EXTRA_CLEANUP="${EXTRA_CLEANUP:-:}; kill $FPID 2>/dev/null"
}

# scenario FILE: replace the fake's scenario.
scenario() {
	curl -fsS -X POST --data-binary @"$1" \
	    "http://127.0.0.1:$PORT/__admin/scenario" >/dev/null
}

# reqs EXPR: count logged requests for which the Python expression EXPR
# holds (r is the request: r["method"], r["path"], r["query"],
# r["headers"], r["status"], r["t"]).
reqs() {
	python3 - "$WS/requests.jsonl" "$1" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if eval(sys.argv[2], {}, {"r": r}):
        n += 1
print(n)
PY
}

# req_is N EXPR: exactly N requests match.
req_is() {
	[ "$(reqs "$2")" -eq "$1" ]
}

# req_at_least N EXPR
req_at_least() {
	[ "$(reqs "$2")" -ge "$1" ]
}

# target_state MONITOR TARGET STATE: redundancyctl --json status says so.
target_state() {
	ctl --json status 2>/dev/null | python3 -c '
import json, sys
mon, tgt, want = sys.argv[1:4]
d = json.load(sys.stdin)
def walk(o):
    if isinstance(o, dict):
        if o.get("name") == tgt and o.get("state_name") == want:
            return True
        return any(walk(v) for v in o.values())
    if isinstance(o, list):
        return any(walk(v) for v in o)
    return False
sys.exit(0 if walk(d) else 1)' "$1" "$2" "$3"
}

# journal_has KIND TARGET [TEXT]
journal_has() {
	python3 - "$WS/log/journal.jsonl" "$@" <<'PY'
import json, sys
path, kind, target = sys.argv[1:4]
text = sys.argv[4] if len(sys.argv) > 4 else ""
try:
    lines = open(path).read().splitlines()
except OSError:
    sys.exit(1)
for line in lines:
    try:
        r = json.loads(line)
    except ValueError:
        continue
    if r.get("kind") == kind and (target == "-" or r.get("target") == target) \
            and text in r.get("msg", ""):
        sys.exit(0)
sys.exit(1)
PY
}
