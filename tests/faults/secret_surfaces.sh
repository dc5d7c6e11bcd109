#!/bin/sh
# secret_surfaces: a secret from secret_env, one from a 0600 secret_file and
# a GitHub token shape, printed by check commands (in the message, cut at
# the exec plugin's message limit, and as a perfdata label), appear on no
# surface: logs, journal, state, status (text and JSON), /health,
# /metrics, the dashboard, --once and history. Redacted at the source.
. "${top_srcdir:-.}/tests/integration/lib.sh"

plugins "$WS/plugins" exec
ENV_SECRET="envsecret-4f9a1c2b7d8e"
FILE_SECRET="filesecret-9c8b7a6d5e4f3"
GH_TOKEN="ghp_Zq8Xw7Vu6Ts5Rq4Po3Nm2Lk1Jh0GfEdCbAa"
export RDD_T_SECRET="$ENV_SECRET"
printf '%s\n' "$FILE_SECRET" >"$WS/token"
chmod 0600 "$WS/token"
# 970 bytes of padding put the secret across the 992-byte message cut.
PAD=$(python3 -c "print('p' * 970)")
HTTP_LISTEN=127.0.0.1:0
export HTTP_LISTEN
{
	conf_head
	cat <<CONF
monitors = (
	{ name = "envtok"; plugin = "exec"; interval = "300ms";
	  secret_env = "RDD_T_SECRET";
	  command = ["/bin/sh", "-c", "echo \"token \$RDD_SECRET and $GH_TOKEN | \$RDD_SECRET=1;; $GH_TOKEN=2;;\"; exit 2"]; },
	{ name = "filetok"; plugin = "exec"; interval = "300ms";
	  secret_file = "$WS/token";
	  command = ["/bin/sh", "-c", "echo \"$PAD\$RDD_SECRET\"; exit 1"]; },
	{ name = "fileshort"; plugin = "exec"; interval = "300ms";
	  secret_file = "$WS/token";
	  command = ["/bin/sh", "-c", "echo \"short: \$RDD_SECRET\"; exit 1"]; }
);
CONF
} >"$WS/redundancyd.conf"

start_daemon
port_of() {
	sed -n 's/.*status page on http:\/\/127.0.0.1:\([0-9]*\)\/.*/\1/p' \
	    "$WS/log/system.log" | tail -n 1
}
check "the status page is up" wait_for 10 sh -c "[ -n \"\$(sed -n 's/.*status page on http:\/\/127.0.0.1:\([0-9]*\)\/.*/\1/p' '$WS/log/system.log')\" ]"
PORT=$(port_of)
st() {
	ctl --json status 2>/dev/null | python3 -c "
import json, sys
d = json.load(sys.stdin)
mons = {m['name']: m for m in d['monitors']}
sys.exit(0 if ($1) else 1)"
}
check "the checks ran and were reported, redacted" wait_for 15 st \
    "all(mons[n]['targets'] and mons[n]['checks'] >= 2 for n in ('envtok', 'filetok', 'fileshort')) and '[REDACTED]' in mons['fileshort']['targets'][0]['message']"
check "the perfdata labels became metrics, redacted" st \
    "any('REDACTED' in k for k in mons['envtok']['targets'][0]['metrics'])"

mkdir -p "$WS/out"
ctl status >"$WS/out/status.txt" 2>&1
ctl --json status >"$WS/out/status.json" 2>&1
ctl history >"$WS/out/history.txt" 2>&1
ctl --json history >"$WS/out/history.json" 2>&1
ctl logs -n 200 >"$WS/out/logs.txt" 2>&1
for p in health metrics ""; do
	python3 - "$PORT" "$p" >"$WS/out/http-${p:-dashboard}.txt" <<'PY'
import sys, urllib.error, urllib.request
try:
    body = urllib.request.urlopen("http://127.0.0.1:%s/%s" % (sys.argv[1], sys.argv[2]), timeout=5).read()
except urllib.error.HTTPError as e:  # 503 while something is not OK
    body = e.read()
print(body.decode("utf-8", "replace"))
PY
done
check "the dashboard was fetched" grep -q "<title>redundancyd" "$WS/out/http-dashboard.txt"
check "/metrics was fetched" grep -q "redundancyd_" "$WS/out/http-metrics.txt"
check "the daemon stops cleanly" stop_daemon
"$RDD" --once -c "$WS/redundancyd.conf" >"$WS/out/once.txt" 2>&1
check "--once ran the checks" grep -q "envtok" "$WS/out/once.txt"

# No piece of 6 characters or more of any secret, anywhere.
leaks() {
	python3 - "$ENV_SECRET" "$FILE_SECRET" "$GH_TOKEN" "$@" <<'PY'
import sys
secrets, files = sys.argv[1:4], sys.argv[4:]
# A kept configuration is the config's text: its key names (secret_env,
# secret_file) are no secret, whatever pieces they share with one.
keys = "secret_env secret_file"
bad = 0
for f in files:
    try:
        data = open(f, "rb").read().decode("utf-8", "replace")
    except (IsADirectoryError, PermissionError):
        continue
    for s in secrets:
        for i in range(len(s) - 5):
            if "/config-history/" in f and s[i:i + 6] in keys:
                continue
            if s[i:i + 6] in data:
                print("%s: shows %r of a secret" % (f, s[i:i + 6]))
                bad = 1
                break
sys.exit(bad)
PY
}
files=$(find "$WS/log" "$WS/state" "$WS/out" -type f)
# shellcheck disable=SC2086 # one argument per file
check "no secret on any surface" leaks $files
check "the configuration history is among the surfaces" \
	test -e "$WS/state/config-history/00000001/manifest.json"
check "the token in the configuration was kept masked" \
	grep -q '"masked":true' "$WS/state/config-history/00000001/manifest.json"
check "the journal has the detections" grep -q '"kind":"detect","monitor":"filetok"' "$WS/log/journal.jsonl"
finish
