#!/bin/sh
# bench/netlify/run.sh: figures of the netlify plugin on a generated site of
# N functions (default 200): one check (discovery, netlify.toml, static
# validation and N `node --check` children), the static part alone,
# manifest regeneration by the plugin's writer and by the real
# zip-it-and-ship-it, and one probe cycle over N functions against a
# loopback function server (tests/integration/fake_netlify.py).
# Prints; never fails. Each figure is the median of RUNS runs (default 5).
#   usage: bench/netlify/run.sh [BUILD_DIR] [N]   (default: _build, 200)
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-$TOP/_build}" && pwd)
N=${2:-200}
RUNS=${RUNS:-5}
RDD="$B/redundancyd"
CTL="$B/redundancyctl"
ZISI="$TOP/node_modules/.bin/zip-it-and-ship-it"
WS=$(mktemp -d /tmp/rdd-nlbench.XXXXXX)
chmod 755 "$WS"
FPID=""
DPID=""
trap 'kill $FPID $DPID 2>/dev/null; rm -rf "$WS"' EXIT
mkdir -p "$WS/plugins"
chmod 755 "$WS/plugins"
install -m 0755 "$B/plugins/netlify/.libs/netlify.so" "$WS/plugins/"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "n/a"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

# site DIR EXT: N functions, a third CommonJS, a third ESM, a third
# directories with index.js (EXT .ts makes them TypeScript: no node).
site() {
	mkdir -p "$1/netlify/functions"
	printf '[functions]\n  directory = "netlify/functions"\n' >"$1/netlify.toml"
	i=1
	while [ "$i" -le "$N" ]; do
		case $((i % 3)) in
		0) printf '// fn %d\nexports.handler = async (event) => {\n\tconst q = event.queryStringParameters || {};\n\treturn { statusCode: 200, body: JSON.stringify({ fn: %d, q }) };\n};\n' "$i" "$i" >"$1/netlify/functions/fn$i$2" ;;
		1) printf 'import { createHash } from "node:crypto";\nexport const handler = async () => ({ statusCode: 200,\n\tbody: createHash("sha1").update("%d").digest("hex") });\n' "$i" >"$1/netlify/functions/fn$i$2" ;;
		2) mkdir -p "$1/netlify/functions/fn$i"
		   printf 'const util = require("node:util");\nmodule.exports = { handler: async () => ({ statusCode: 200, body: util.format("%%d", %d) }) };\n' "$i" >"$1/netlify/functions/fn$i/index$2" ;;
		esac
		i=$((i + 1))
	done
}

conf() { # conf SITE EXTRA: one monitor
	cat >"$WS/redundancyd.conf" <<CONF
daemon: { plugin_dir = "$WS/plugins"; state_dir = "$WS/state"; log_dir = "$WS/log";
  control_socket = "$WS/ctl.sock"; pidfile = "$WS/pid"; http = { listen = ""; };
  startup_delay = "0"; max_children = ${MAXCH:-8}; max_transfers = ${MAXTR:-16}; };
recovery: { max_attempts = 3; delay = "100ms"; };
monitors = ( { name = "site"; plugin = "netlify"; interval = "1h"; timeout = "10m";
  site_dir = "$1"; $2 } );
CONF
}

once_ms() { # the wall time of redundancyd --once, RUNS times
	r=0
	while [ "$r" -lt "$RUNS" ]; do
		t0=$(now_ms)
		"$RDD" --once -c "$WS/redundancyd.conf" >/dev/null 2>&1
		echo $(($(now_ms) - t0))
		r=$((r + 1))
	done | median
}

echo "netlify plugin bench: $N functions, median of $RUNS runs ($(nproc) CPUs, $(node --version 2>/dev/null))"

site "$WS/js" .js
site "$WS/ts" .ts
conf "$WS/ts" "manifest = false;"
base=$(RUNS=$RUNS once_ms)
echo "  --once, static checks only (netlify.toml, discovery, handler scan, size; TS, no node): $base ms"
# node --check is slow to start: these two run once.
conf "$WS/js" "manifest = false;"
echo "  --once, with $N node --check (max_children 8, cold cache):  $(RUNS=1 once_ms) ms"
MAXCH=32 conf "$WS/js" "manifest = false;"
echo "  --once, with $N node --check (max_children 32, cold cache): $(RUNS=1 MAXCH=32 once_ms) ms"
echo "  (a running daemon caches node --check per file: later checks cost the static figure)"

# Regeneration, as the engine times it (journal: "repair succeeded in N ms").
regen() { # regen EXTRA LABEL
	rm -rf "$WS/log" "$WS/state" "$WS/js/.netlify/functions/manifest.json"
	conf "$WS/js" "$1"
	"$RDD" -f -c "$WS/redundancyd.conf" >/dev/null 2>&1 &
	DPID=$!
	i=0
	while ! grep -q '"kind":"result"' "$WS/log/journal.jsonl" 2>/dev/null && [ $i -lt 6000 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	ms=$(grep -o 'repair succeeded in [0-9]* ms' "$WS/log/journal.jsonl" | head -n 1 | grep -o '[0-9]*')
	kill $DPID 2>/dev/null
	wait $DPID 2>/dev/null
	DPID=""
	echo "${ms:-failed}"
}
r=0
while [ "$r" -lt "$RUNS" ]; do regen "" writer; r=$((r + 1)); done | median >"$WS/w"
echo "  manifest regeneration by the plugin's writer ($N functions): $(cat "$WS/w") ms"
if [ -x "$ZISI" ]; then
	ms=$(regen "bundler_cmd = [\"$ZISI\"]; bundler_timeout = \"10m\";" zisi)
	echo "  manifest regeneration by zip-it-and-ship-it ($N bundles, one run): $ms ms"
else
	echo "  manifest regeneration by zip-it-and-ship-it: skipped ($ZISI missing)"
fi

# One probe cycle: --once on the TypeScript site (no node) with probe_all,
# minus the same --once without probes.
mkdir -p "$WS/fake"
echo "none" >"$WS/fake/token"
python3 - "$N" >"$WS/fake/functions.json" <<'PY'
import json, sys
print(json.dumps({"fn%d" % i: {"status": 200, "body": "ok"} for i in range(1, int(sys.argv[1]) + 1)}))
PY
python3 "$TOP/tests/integration/fake_netlify.py" "$WS/fake" >"$WS/fake/port" 2>/dev/null &
FPID=$!
i=0
while [ ! -s "$WS/fake/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
PORT=$(head -n 1 "$WS/fake/port")
for tr in 16 200; do
	MAXTR=$tr conf "$WS/ts" "manifest = false; base_url = \"http://127.0.0.1:$PORT\"; probe_all = true;"
	p=$(MAXTR=$tr once_ms)
	ok=$(grep -c '"/.netlify/functions/' "$WS/fake/requests.log" 2>/dev/null)
	: >"$WS/fake/requests.log"
	echo "  one probe cycle over $N functions (max_transfers $tr): $((p - base)) ms over the static check ($p ms in all; $ok requests seen over $RUNS runs)"
done
