#!/bin/sh
# alerts_surfaces: what the operator sees of alerts. A paused monitor shows
# PAUSED (who, until) in `redundancyctl status` and "paused" in /health as
# in the control status; /health carries the firing alerts (state, since)
# and the outbox depth that the dashboard page shows; no secret on any.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$S/tests/integration/alerts_lib.sh"

HTTP_LISTEN=127.0.0.1:0
export HTTP_LISTEN
SECRET="hook-s3cret-$$"
export HOOK_TOKEN="$SECRET"
touch "$WS/down"
http_sink hook --down "$WS/down" || exit 1
P=$(cat "$WS/hook.port")
plugins "$WS/plugins" exec || exit 1
cat >"$WS/check.sh" <<'CHK'
#!/bin/sh
echo "$1 CRITICAL: down"
exit 2
CHK
chmod +x "$WS/check.sh"
{
	conf_head
	cat <<CONF
monitors = (
	{ name = "api"; plugin = "exec"; interval = "200ms";
	  command = ["$WS/check.sh", "api"]; },
	{ name = "db"; plugin = "exec"; interval = "200ms";
	  command = ["$WS/check.sh", "db"]; }
);
alerts = {
	receivers = ( { name = "hook"; type = "webhook";
		url = "http://127.0.0.1:$P/hook"; token_env = "HOOK_TOKEN";
		retry_min = "100ms"; retry_max = "200ms"; } );
	route = { receivers = [ "hook" ]; group_wait = "0s"; };
};
CONF
} >"$WS/redundancyd.conf"

# get PATH FILE: the HTTP surface into $WS/FILE (/health is 503 while
# something is CRITICAL: its body is what matters).
get() {
	curl -s "http://127.0.0.1:$PORT$1" >"$WS/$2"
}
# js FILE EXPR: a python expression on the JSON j of FILE holds.
js() {
	"$PY3" -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$@"
}

start_daemon || { not_ok "daemon starts"; finish; exit 1; }
PORT=$(sed -n 's/.*status page on http:\/\/127.0.0.1:\([0-9]*\)\/.*/\1/p' \
    "$WS/log/system.log" | tail -n 1)
check "the status page listens" test -n "$PORT"
check "pause api for 1h" ctl pause api --for 1h --comment "maintenance window"
check "api and db fire" wait_for 15 sh -c "'$CTL' -s '$WS/control.sock' --json alerts | grep -q '\"monitor\":\"db\"'"
ctl status >"$WS/status.txt"
me=$(id -un)
check "status shows api PAUSED by whom, until when" grep -q "^api .*\[PAUSED by $me (uid $(id -u)) until 20[0-9-]* [0-9:]*: maintenance window\]" "$WS/status.txt"
check "db is not paused" sh -c "! grep '^db ' '$WS/status.txt' | grep -q PAUSED"
ctl --json status >"$WS/ctl.json"
get /health health.json
check "control status: paused by uid with until" js "$WS/ctl.json" "[m for m in j['monitors'] if m['name']=='api'][0]['paused']['by_uid']==$(id -u)"
check "/health: the same paused object as the control status" js "$WS/health.json" "[m['paused'] for m in j['monitors'] if m['name']=='api']==[m['paused'] for m in json.load(open('$WS/ctl.json'))['monitors'] if m['name']=='api']"
check "/health: paused is null for db" js "$WS/health.json" "[m for m in j['monitors'] if m['name']=='db'][0]['paused'] is None"
check "/health: firing alerts with state and since" js "$WS/health.json" "{(a['monitor'],a['state']) for a in j['alerts']['firing']}>={('api','paused'),('db','active')} and all(a['since'].endswith('Z') and a['severity'] for a in j['alerts']['firing'])"
check "the outbox holds db's notification (receiver down)" wait_for 10 sh -c "curl -s http://127.0.0.1:$PORT/health | grep -q '\"outbox_depth\":[1-9]'"
check "ack db" ctl ack db
get /health health2.json
check "/health: db acknowledged" js "$WS/health2.json" "('db','acknowledged') in {(a['monitor'],a['state']) for a in j['alerts']['firing']}"
get / page.html
check "the dashboard shows firing alerts" grep -q '<h2>Firing alerts</h2>' "$WS/page.html"
check "the dashboard shows the outbox depth" grep -q 'id="outbox"' "$WS/page.html"
check "the dashboard renders alert states and PAUSED" sh -c "grep -q 'x.state' '$WS/page.html' && grep -q 'PAUSED by uid' '$WS/page.html'"
rm -f "$WS/down"
check "up again: the outbox drains" wait_for 10 sh -c "curl -s http://127.0.0.1:$PORT/health | grep -q '\"outbox_depth\":0'"
get /metrics metrics
check "the secret reached the receiver" grep -q "Bearer $SECRET" "$WS/hook.log"
check "the secret is on no surface" sh -c "! grep -rq -e '$SECRET' '$WS/status.txt' '$WS/ctl.json' '$WS/health.json' '$WS/health2.json' '$WS/page.html' '$WS/metrics' '$WS/log' '$WS/state'"
check "resume api" ctl resume api
ctl status >"$WS/status2.txt"
check "status no longer shows PAUSED" sh -c "! grep -q PAUSED '$WS/status2.txt'"
check "the daemon stops cleanly" stop_daemon
finish
