#!/bin/sh
# process_outside: a stop from outside redundancyd is respected. An owned
# process killed with SIGTERM (a person's `kill PID`) and a found daemon
# that shut down cleanly (status 0, its pidfile removed) are not started
# again, not even by a forced recovery, nor after a daemon restart; run
# NAME start brings the owned one back, a manual start of the found one is
# noticed; a kill -9 is still a failure and still repaired.
. "${top_srcdir:-.}/tests/integration/lib.sh"

plugins "$WS/plugins" process
# Named copies so that pgrep counts exactly our processes.
cp /bin/sleep "$WS/websleep"
cp /bin/sleep "$WS/pfsleep"
# A daemon as nginx is one: forks away, writes its pidfile, and on SIGTERM
# removes it and exits 0.
cat >"$WS/pfd.sh" <<'DAE'
#!/bin/sh
echo $$ >"$1/pf.pid"
trap 'rm -f "$1/pf.pid"; kill $s 2>/dev/null; exit 0' TERM
while :; do
	"$1/pfsleep" 1000 &
	s=$!
	wait $s
done
DAE
cat >"$WS/start_pf.sh" <<'STA'
#!/bin/sh
setsid "$1/pfd.sh" "$1" </dev/null >/dev/null 2>&1 &
i=0
until [ -s "$1/pf.pid" ] || [ $i -ge 100 ]; do sleep 0.05; i=$((i + 1)); done
STA
chmod +x "$WS"/*.sh
EXTRA_CLEANUP='for p in $(pgrep -f "$WS/"); do kill -KILL $p; done 2>/dev/null'
{
	conf_head
	cat <<CONF
monitors = (
	{ name = "web"; plugin = "process"; interval = "1h";
	  command = ["$WS/websleep", "1000"]; },
	{ name = "pf"; plugin = "process"; interval = "1h";
	  pidfile = "$WS/pf.pid"; start = ["$WS/start_pf.sh", "$WS"]; }
);
CONF
} >"$WS/redundancyd.conf"

n() { pgrep -f "^$WS/$1" | wc -l; }
pid_of() { ctl run "$1" status | sed -n 's/^pid \([0-9]*\).*/\1/p'; }
warning() { ctl health "$1" >/dev/null 2>&1; test $? -eq 1; }
"$WS/start_pf.sh" "$WS"
start_daemon
check "web is OK" wait_for 10 ctl health web
check "pf is OK" wait_for 10 ctl health pf

# --- an owned process, killed by a person with SIGTERM
w1=$(pid_of web)
kill -TERM "$w1"
check "web: the stop is journaled" wait_for 5 grep -q '"outside-stop".*stopped outside redundancyd: pid '"$w1"' killed by signal 15' "$WS/log/journal.jsonl"
check "web: WARNING, not CRITICAL" wait_for 5 warning web
check "web: status says why and what to do" sh -c "'$CTL' -s '$WS/control.sock' run web status | grep -q 'not restarted; redundancyctl run web start brings it back'"
check "web: a forced recovery does not apply" sh -c "'$CTL' -s '$WS/control.sock' recover web --force --wait --timeout 10s 2>&1 | grep -q 'stopped outside redundancyd'"
check "web: not started again" test "$(n websleep)" -eq 0

# --- a found daemon that shut down cleanly
d1=$(cat "$WS/pf.pid")
kill -TERM "$d1"
check "pf: the clean exit is journaled" wait_for 5 grep -q "stopped outside redundancyd: pid $d1 exited with status 0" "$WS/log/journal.jsonl"
check "pf: WARNING" wait_for 5 warning pf
check "pf: a forced recovery does not apply" sh -c "'$CTL' -s '$WS/control.sock' recover pf --force --wait --timeout 10s 2>&1 | grep -q 'stopped outside redundancyd'"
check "pf: not started again" test ! -e "$WS/pf.pid"

# --- both stops outlive a daemon restart
check "daemon stops" stop_daemon
start_daemon
check "web: still stopped after a daemon restart" wait_for 10 warning web
check "pf: still stopped after a daemon restart" wait_for 10 warning pf
check "web: no copy was started" test "$(n websleep)" -eq 0
check "pf: no copy was started" test ! -e "$WS/pf.pid"

# --- the person starts them again
check "web: run web start brings it back" sh -c "'$CTL' -s '$WS/control.sock' run web start"
check "web: OK" wait_for 10 ctl health web
check "web: one copy" test "$(n websleep)" -eq 1
"$WS/start_pf.sh" "$WS"
check "pf: a manual start is noticed (1 h interval)" wait_for 10 ctl health pf
check "pf: journaled" grep -q '"outside-start".*running again as pid' "$WS/log/journal.jsonl"

# --- a failure is still repaired
w2=$(pid_of web)
kill -9 "$w2"
check "web: kill -9 is repaired" wait_for 5 sh -c "p=\$(pgrep -f '^$WS/websleep'); [ -n \"\$p\" ] && [ \"\$p\" != '$w2' ]"
d2=$(cat "$WS/pf.pid")
kill -9 "$d2"
check "pf: kill -9 is repaired (the pidfile stayed: a crash)" wait_for 10 sh -c "p=\$(cat '$WS/pf.pid'); [ \"\$p\" != '$d2' ] && kill -0 \$p"
check "daemon stops on SIGTERM with status 0" stop_daemon
finish
