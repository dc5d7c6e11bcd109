#!/bin/sh
# dashboard_chromium: the dashboard page in a real browser (headless
# Chromium) against a real daemon whose monitors are in every state: OK,
# WARNING, CRITICAL given up, UNKNOWN, blocked by a dependency, paused,
# served degraded by a fallback, and a quarantined plugin worker. At 1280
# px and at a phone's 390 px: host name, local times (the browser's zone,
# set here to UTC+05:30) with relative ages, the latest incidents, and no
# horizontal scroll. The screenshots are kept under tests/artefacts/ in
# the build directory.
. "${top_srcdir:-.}/tests/integration/lib.sh"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
	echo "chromium missing: scripts/bootstrap installs it"
	# In CI a missing tool is a failure, never a skip.
	[ "${CI:-}" = "true" ] && exit 1
	exit 77
fi
ART="$B/tests/artefacts"
mkdir -p "$ART"

plugins "$WS/plugins" exec
# A plugin whose worker exits at its second check: quarantined after
# three exits. Built from the isolation tests' source against the SDK.
if ! ${CC:-cc} -O2 -Wall -fPIC -fvisibility=hidden -shared -I"$S/sdk" \
    -o "$WS/plugins/bad_exit.so" "$S/tests/isolation/plugins/bad_exit.c" \
    >"$WS/cc.out" 2>&1; then
	cat "$WS/cc.out"
	echo "Bail out! cannot build bad_exit.so"
	exit 99
fi
chmod 0755 "$WS/plugins/bad_exit.so"

# Checks every second: at 200 ms a slow (sanitized) build times checks
# out, and api, whose upstream is then UNKNOWN, would not be blocked.
# One long word: it must wrap inside its card at 390 px, not widen the page.
LONG=$(printf 'x%.0s' $(seq 1 300))
{
	HTTP_LISTEN=127.0.0.1:0 conf_head
	cat <<CONF
monitors = (
	{ name = "web"; plugin = "exec"; interval = "1s";
	  command = ["/bin/sh", "-c", "echo 'HTTP OK: 200 in 3 ms'"]; },
	{ name = "disk"; plugin = "exec"; interval = "1s";
	  command = ["/bin/sh", "-c", "echo 'DISK WARNING: /var 91% used $LONG'; exit 1"]; },
	{ name = "cache"; plugin = "exec"; interval = "1s";
	  command = ["/bin/sh", "-c", "echo 'CACHE UNKNOWN: no answer'; exit 3"]; },
	{ name = "db"; plugin = "exec"; interval = "1s";
	  command = ["/bin/sh", "-c", "echo 'DB CRITICAL: connection refused'; exit 2"];
	  recover = ( ["/bin/false"] ); },
	{ name = "api"; plugin = "exec"; interval = "1s"; depends_on = [ "db" ];
	  command = ["/bin/sh", "-c", "echo 'API CRITICAL: 502 from db'; exit 2"];
	  recover = ( ["/bin/true"] ); },
	{ name = "batch"; plugin = "exec"; interval = "1s";
	  command = ["/bin/sh", "-c", "echo 'BATCH CRITICAL: queue stuck'; exit 2"]; },
	{ name = "fallback"; plugin = "exec"; interval = "1s";
	  command = ["/bin/sh", "-c", "if [ -e '$WS/fb.spare' ]; then echo 'FB WARNING: the spare serves'; exit 1; fi; echo 'FB CRITICAL: down'; exit 2"];
	  recover = ( ["/bin/false"], ["/usr/bin/touch", "$WS/fb.spare"] ); },
	{ name = "bad"; plugin = "bad_exit"; interval = "200ms"; }
);
CONF
} >"$WS/redundancyd.conf"

check "the daemon starts" start_daemon
check "batch is paused by the operator" ctl pause batch --for 1h --comment "maintenance window"
PORT=$(sed -n 's/.*status page on http:\/\/127.0.0.1:\([0-9]*\)\/.*/\1/p' \
    "$WS/log/system.log" | head -n 1)
check "the status page listens" test -n "$PORT"
J="$WS/log/journal.jsonl"
check "db is given up on" wait_for 20 grep -q '"kind":"giveup","monitor":"db"' "$J"
check "api is blocked by db" wait_for 20 grep -q '"kind":"blocked","monitor":"api"' "$J"
check "fallback is served by its spare" wait_for 20 grep -q '"kind":"served","monitor":"fallback"' "$J"
check "the bad_exit worker is quarantined" wait_for 20 grep -q '"kind":"worker-quarantine"' "$J"

get() {
	curl -sS --max-time 5 -D "$WS/$2.head" -o "$WS/$2" "http://127.0.0.1:$PORT$1"
}
get /health health.json
check "/health names the host" grep -qF "\"host\":\"$(hostname)\"" "$WS/health.json"
check "/health has the daemon's clock" grep -Eq '"now":"[0-9-]+T[0-9:]+Z"' "$WS/health.json"
check "/health lists the latest incidents" grep -q '"incidents":\[{.*"kind":"giveup"' "$WS/health.json"
check "...at most 10 of them" test "$(grep -o '"ts_ms"' "$WS/health.json" | wc -l)" -le 10
get / page.html
check "the page has a strict CSP" grep -qi "^Content-Security-Policy: default-src 'none';.*frame-ancestors 'none'" "$WS/page.html.head"
check "the page loads nothing from elsewhere" sh -c "! grep -Eq '(src|href)=\"?(https?:)?//' '$WS/page.html'"

# chromium WIDTH: the DOM once the page's script rendered /health, and a
# screenshot. Through the DevTools protocol: --window-size cannot go below
# 500 px in headless Chromium, a phone is narrower.
chromium() {
	TZ=Asia/Kolkata timeout 60 python3 "$S/tests/integration/cdp_page.py" \
	    "$CHROMIUM" "http://127.0.0.1:$PORT/" "$1" 844 "$WS/dom-$1.html" \
	    "$ART/dashboard-$1.png" "$WS/chromium" "$AGES"
}
# The page's own age words for times 3 min, 2 h 5 min and 3 days ago and
# 20 min ahead, on the daemon's clock.
AGES="[3*60e3, 125*60e3, 3*864e5, -20*60e3].map(function(d){return rel(Date.now()-skew-d);}).join('|')"

since=$(python3 -c 'import json,sys
for m in json.load(open(sys.argv[1]))["monitors"]:
    if m["name"] == "db": print(m["since"])' "$WS/health.json")
local_db=$(TZ=Asia/Kolkata date -d "$since" +%H:%M:%S)
for w in 1280 390; do
	chromium "$w"
	D="$WS/dom-$w.html"
	check "$w px: the page rendered /health" grep -q 'data-loaded="1"' "$D"
	check "$w px: no horizontal scroll" grep -q 'data-fits="yes"' "$D"
	check "$w px: the host name" grep -qF "<span id=\"host\">$(hostname)</span>" "$D"
	for st in OK WARNING CRITICAL UNKNOWN; do
		check "$w px: a target $st" grep -q "class=\"target\" data-name=\"[a-z]*\" data-state=\"$st\"" "$D"
	done
	check "$w px: db gave up" sh -c "grep -o 'data-name=\"db\".*' '$D' | head -c 2000 | grep -q 'data-flag=\"gave-up\"'"
	check "$w px: api is blocked by a dependency" grep -q 'data-flag="blocked">blocked by a dependency' "$D"
	check "$w px: batch is paused, by whom, until when" grep -Eq 'data-flag="paused">PAUSED by uid [0-9]+ until [0-9: -]+ \(in (59 min|60 min|1 h 0 min)\): maintenance window' "$D"
	check "$w px: fallback is served degraded" grep -q 'data-flag="served">served degraded' "$D"
	check "$w px: the quarantined worker" grep -q 'data-flag="quarantined">worker quarantined' "$D"
	check "$w px: local times (db since $since is $local_db in UTC+05:30)" sh -c "grep -q 'UTC+05:30' '$D' && grep -qF '>$local_db <' '$D'"
	check "$w px: relative ages" grep -Eq 'class="ago"[^>]*>\((just now|[0-9]+ s ago|[0-9]+ min ago)\)' "$D"
	check "$w px: age words ($(cat "$D.eval"))" \
	    test "$(cat "$D.eval")" = "3 min ago|2 h 5 min ago|3 days ago|in 20 min"
	check "$w px: the latest incidents" sh -c "grep -q 'class=\"incident\" data-kind=\"giveup\"' '$D' && grep -q 'class=\"incident\" data-kind=\"detect\"' '$D'"
	check "$w px: a screenshot" test -s "$ART/dashboard-$w.png"
	if [ "$fails" -ne 0 ]; then
		grep -o 'data-width="[^"]*"' "$D"
		grep -v dbus "$WS/dom-$w.html.err" | tail -n 5
	fi
done
check "the daemon stops cleanly" stop_daemon
finish
