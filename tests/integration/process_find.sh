#!/bin/sh
# process_find: processes redundancyd did not start, found by pidfile and by
# a regex on the command line, restarted by their start commands; a port
# that never opens fails the restart after start_timeout; a port and URL
# that answer make it OK.
. "${top_srcdir:-.}/tests/integration/lib.sh"

plugins "$WS/plugins" process
cp /bin/sleep "$WS/pfsleep"
cp /bin/sleep "$WS/dbsleep"
cp /bin/sleep "$WS/npsleep"
cat >"$WS/start_pf.sh" <<'STA'
#!/bin/sh
# a daemon that forks away and writes its pidfile, as nginx does
setsid "$1/pfsleep" 1000 </dev/null >/dev/null 2>&1 &
echo $! >"$1/pf.pid"
STA
cat >"$WS/start_db.sh" <<'STA'
#!/bin/sh
setsid "$1/dbsleep" 2000 </dev/null >/dev/null 2>&1 &
STA
chmod +x "$WS"/*.sh
EXTRA_CLEANUP='for p in $(pgrep -f "^$WS/"); do kill -KILL $p; done 2>/dev/null'
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$WS/start_pf.sh" "$WS"
"$WS/start_db.sh" "$WS"
{
	conf_head
	cat <<CONF
monitors = (
	{ name = "pf"; plugin = "process"; interval = "1h";
	  pidfile = "$WS/pf.pid"; start = ["$WS/start_pf.sh", "$WS"]; },
	{ name = "db"; plugin = "process"; interval = "1h";
	  match = "^$WS/dbsleep 2000\$"; start = ["$WS/start_db.sh", "$WS"]; },
	{ name = "noport"; plugin = "process"; interval = "300ms";
	  command = ["$WS/npsleep", "1000"]; port = 1; start_timeout = "400ms"; },
	{ name = "web"; plugin = "process"; interval = "300ms";
	  command = ["python3", "-m", "http.server", "$port", "--bind", "127.0.0.1"];
	  cwd = "$WS"; port = $port; url = "http://127.0.0.1:$port/"; },
	{ name = "watchonly"; plugin = "process"; interval = "300ms";
	  match = "^no-such-process-anywhere\$"; }
);
CONF
} >"$WS/redundancyd.conf"

n() { pgrep -f "^$WS/$1" | wc -l; }
pid_of() { ctl run "$1" status | sed -n 's/^pid \([0-9]*\).*/\1/p'; }
check "config test passes" "$RDD" -t -c "$WS/redundancyd.conf"
start_daemon
check "pf is OK" wait_for 10 ctl health pf
check "db is OK" wait_for 10 ctl health db
pf1=$(cat "$WS/pf.pid")
check "pf watches the pid in the pidfile" test "$(pid_of pf)" = "$pf1"
db1=$(pgrep -f "^$WS/dbsleep")
check "db watches the matching process" test "$(pid_of db)" = "$db1"

kill -9 "$pf1"
check "pidfile: a new pid after kill -9 (1 h interval: pidfd)" wait_for 5 sh -c "p=\$(cat '$WS/pf.pid'); [ \"\$p\" != '$pf1' ] && kill -0 \$p"
check "pidfile: exactly one copy" test "$(n pfsleep)" -eq 1
check "pidfile: the recovery is confirmed" wait_for 10 grep -q '"kind":"recovered".*"monitor":"pf"' "$WS/log/journal.jsonl"
kill -9 "$db1"
check "match: a new process after kill -9" wait_for 5 sh -c "p=\$(pgrep -f '^$WS/dbsleep'); [ -n \"\$p\" ] && [ \"\$p\" != '$db1' ]"
check "match: exactly one copy" test "$(n dbsleep)" -eq 1
check "match: the recovery is confirmed" wait_for 10 grep -q '"kind":"recovered".*"monitor":"db"' "$WS/log/journal.jsonl"

check "port never opens: the restart fails after start_timeout" wait_for 15 grep -q 'not ready within start_timeout=400 ms: port 127.0.0.1:1' "$WS/log/journal.jsonl"
check "port never opens: the engine gives up after max_attempts" wait_for 20 grep -q '"kind":"giveup".*"monitor":"noport"' "$WS/log/journal.jsonl"
check "port never opens: never two copies" test "$(n npsleep)" -le 1
check "port never opens: CRITICAL" sh -c "'$CTL' -s '$WS/control.sock' health noport; test \$? -eq 2"

check "port and url answering: OK" wait_for 15 ctl health web
check "port and url metrics are reported" sh -c "'$CTL' -s '$WS/control.sock' --json health web | grep -q '\"url_ms\"'"
check "a watch-only monitor is CRITICAL, and nothing is run" wait_for 10 sh -c "'$CTL' -s '$WS/control.sock' health watchonly; test \$? -eq 2"
check "...its ladder does not apply (no start command)" wait_for 10 grep -q '"kind":"needs-operator".*"monitor":"watchonly"' "$WS/log/journal.jsonl"

check "daemon stops on SIGTERM with status 0" stop_daemon
check "found processes are not stopped with the daemon" test "$(n pfsleep)" -eq 1
finish
