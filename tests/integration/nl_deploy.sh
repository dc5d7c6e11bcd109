#!/bin/sh
# nl_deploy: the netlify plugin in the real daemon against a loopback fake
# Netlify API and function server (tests/integration/fake_netlify.py): a
# failed deploy gets a retried build (after a 429 whose Retry-After is
# honoured), the retried build fails too, the last ready deploy is
# restored; probes report a failing and a slow function; the token is
# checked by the fake and never reaches a log.
. "${top_srcdir:-.}/tests/integration/lib.sh"

FX="$S/tests/integration/fixtures/netlify"
plugins "$WS/plugins" netlify || { echo "netlify.so not built"; exit 99; }
cp -r "$S/tests/unit/fixtures/netlify/good" "$WS/site"
mkdir -p "$WS/fake"
TOKEN="nfp_fake-netlify-token-5f2c9a71d04e"
printf '%s\n' "$TOKEN" >"$WS/fake/token"
cp "$FX/deploys-error.json" "$WS/fake/deploys.json"
cp "$FX/functions.json" "$WS/fake/functions.json"
echo "1 1 POST" >"$WS/fake/ratelimit"
python3 "$S/tests/integration/fake_netlify.py" "$WS/fake" >"$WS/fake/port" 2>"$WS/fake/stderr" &
FPID=$!
EXTRA_CLEANUP='kill $FPID 2>/dev/null'
wait_for 10 test -s "$WS/fake/port" || { echo "fake API did not start"; exit 99; }
PORT=$(head -n 1 "$WS/fake/port")

export NETLIFY_AUTH_TOKEN="$TOKEN"
{
	conf_head
	cat <<CONF
monitors = (
	{ name = "site"; plugin = "netlify"; interval = "500ms"; timeout = "20s";
	  site_dir = "$WS/site"; manifest = false;
	  site_id = "site-1"; token_env = "NETLIFY_AUTH_TOKEN";
	  api_url = "http://127.0.0.1:$PORT/api/v1";
	  base_url = "http://127.0.0.1:$PORT";
	  probes = ( { function = "hello"; body = "hello from"; },
	             { function = "esm"; },
	             { function = "nested"; latency_warning = "100ms"; } ); }
);
CONF
} >"$WS/redundancyd.conf"

check "config test passes" "$RDD" -t -c "$WS/redundancyd.conf"
"$RDD" --once site -c "$WS/redundancyd.conf" >"$WS/once.out" 2>&1
check "--once exits 2 on the failed deploy" test $? -eq 2
check "--once names the failed deploy" grep -q "deploy d-err-3 (production main) failed" "$WS/once.out"
check "--once reports the failing probe" grep -q "answered HTTP 500, expected 200" "$WS/once.out"

# The first POST of the recovery meets a 429 (fake/ratelimit).
reqs() { grep -c "$1" "$WS/fake/requests.log" 2>/dev/null || echo 0; }
: >"$WS/fake/requests.log"
start_daemon
check "the daemon reads the deploy list" wait_for 10 grep -q '"GET", "path": "/api/v1/sites/site-1/deploys' "$WS/fake/requests.log"
check "a build is retried (POST /sites/site-1/builds)" wait_for 20 sh -c "grep '\"POST\", \"path\": \"/api/v1/sites/site-1/builds\"' '$WS/fake/requests.log' | grep -q ."
check "the last ready deploy is restored" wait_for 30 grep -q '"POST", "path": "/api/v1/sites/site-1/deploys/d-ok-2/restore"' "$WS/fake/requests.log"
check "after a restore the deploy is WARNING (serving d-ok-2)" wait_for 10 sh -c "'$CTL' -s '$WS/control.sock' --json health site | grep -q 'restored deploy d-ok-2'"

# 429 and Retry-After: 1 -> the first POST was answered 429, the second
# came at least a second later.
python3 - "$WS/fake/requests.log" >"$WS/retry.out" <<'PY'
import json, sys
posts = [json.loads(l) for l in open(sys.argv[1])
         if '/builds"' in l and '"POST"' in l]
print(len(posts), posts[1]["t"] - posts[0]["t"] if len(posts) > 1 else -1)
PY
read nposts gap <"$WS/retry.out"
check "the 429 was retried: two POST builds (got $nposts)" test "$nposts" -ge 2
check "Retry-After: 1 was honoured (gap ${gap} ms)" test "$gap" -ge 950
check "the wait is logged" grep -q "rate limited (429): retrying after 1s" "$WS/log/site.log"
check "the journal has the retry and the restore" sh -c "grep -q 'build b-d-retry-1 started' '$WS/log/journal.jsonl' && grep -q 'restored deploy d-ok-2' '$WS/log/journal.jsonl'"
check "every API request carried the token" sh -c "! grep '/api/v1' '$WS/fake/requests.log' | grep -vq '\"auth\": \"ok\"'"

ctl --json status >"$WS/status.json"
check "function:esm is CRITICAL (HTTP 500)" grep -q 'function:esm' "$WS/status.json"
check "function:hello probes fine" sh -c "'$CTL' -s '$WS/control.sock' --json health site | grep -q 'function:hello'"
check "a slow function is a latency WARNING" sh -c "'$CTL' -s '$WS/control.sock' --json health site | grep -q 'over latency_warning 100ms'"
check "probes reached the function server" grep -q '"path": "/.netlify/functions/nested"' "$WS/fake/requests.log"

check "daemon stops on SIGTERM" stop_daemon
check "the token never reaches a log" sh -c "! grep -rq '$TOKEN' '$WS/log' '$WS/daemon.out' '$WS/state' '$WS/once.out'"
finish
