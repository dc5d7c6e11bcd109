#!/bin/sh
# exec_recover: a monitor watches a real process; the test kills it; the
# daemon detects it, runs the recovery command, confirms, journals, and
# redundancyctl status shows it healthy again.
. "${top_srcdir:-.}/tests/integration/lib.sh"

plugins "$WS/plugins" exec
cat >"$WS/app.sh" <<'APP'
#!/bin/sh
# the watched process: a sleeper that records its pid
echo $$ > "$1/app.pid"
exec sleep 1000
APP
cat >"$WS/check_app.sh" <<'CHK'
#!/bin/sh
pid=$(cat "$1/app.pid" 2>/dev/null)
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
	echo "APP OK: pid $pid | up=1;;;0;1"
	exit 0
fi
echo "APP CRITICAL: not running (token ghp_abcdefghijklmnopqrstuvwxyz0123, key $APP_TOKEN)"
exit 2
CHK
cat >"$WS/start_app.sh" <<'STA'
#!/bin/sh
setsid "$1/app.sh" "$1" </dev/null >/dev/null 2>&1 &
# wait until it wrote its pid, so the re-check sees it
i=0
while [ $i -lt 100 ] && ! kill -0 "$(cat "$1/app.pid" 2>/dev/null)" 2>/dev/null; do
	sleep 0.05; i=$((i + 1))
done
STA
chmod +x "$WS"/*.sh
EXTRA_CLEANUP='[ -f "$WS/app.pid" ] && kill "$(cat "$WS/app.pid")" 2>/dev/null'
rm -f "$WS/app.pid"
"$WS/start_app.sh" "$WS"
first=$(cat "$WS/app.pid")

export APP_TOKEN="s3cr3t-app-token-4711"
{
	conf_head
	cat <<CONF
monitors = (
	{ name = "app"; plugin = "exec"; interval = "300ms";
	  command = ["$WS/check_app.sh", "$WS"];
	  secret_env = "APP_TOKEN"; secret_var = "APP_TOKEN";
	  recover = ( ["$WS/start_app.sh", "$WS"] ); }
);
CONF
} >"$WS/redundancyd.conf"

check "config test passes" "$RDD" -t -c "$WS/redundancyd.conf"
start_daemon
check "daemon answers on its control socket" sh -c "\"$CTL\" -s \"$WS/control.sock\" --json status | grep -q '\"ok\":true'"
check "app is OK before the kill" wait_for 10 ctl health app

kill -9 "$first"
check "journal records the detection" wait_for 15 grep -q '"kind":"detect"' "$WS/log/journal.jsonl"
check "journal records the recovery action" wait_for 15 grep -q '"kind":"action"' "$WS/log/journal.jsonl"
check "journal records the confirmed recovery" wait_for 15 grep -q '"kind":"recovered"' "$WS/log/journal.jsonl"
second=$(cat "$WS/app.pid")
check "a new process runs" test "$second" != "$first"
check "status is healthy again" wait_for 10 ctl status
ctl --json status >"$WS/status.json"
check "status JSON says OK" grep -q '"state_name":"OK"' "$WS/status.json"
check "status JSON shows a time to recover" grep -q '"last_ttr_ms"' "$WS/status.json"

check "daemon stops on SIGTERM with status 0" stop_daemon
check "app.log holds the detection" grep -q "app: OK -> CRITICAL" "$WS/log/app.log"
check "no token shape in any log" sh -c "! grep -rq 'ghp_abcdefghijklmnopqrstuvwxyz0123' '$WS/log'"
check "no registered secret in any log" sh -c "! grep -rq 's3cr3t-app-token-4711' '$WS/log' '$WS/daemon.out'"
check "the redaction marker is there" grep -rq 'REDACTED' "$WS/log"
finish
