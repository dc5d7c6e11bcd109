#!/bin/sh
# process_reload: a reload never restarts an owned process. An unrelated
# edit keeps the same pid and one copy; an edit of the process's own
# definition keeps it too, says that the old definition runs and how to
# apply the new one, which run NAME restart does; a monitor the reload
# drops has its process stopped; a daemon stop still stops the processes,
# all of them signalled before any is killed.
. "${top_srcdir:-.}/tests/integration/lib.sh"

plugins "$WS/plugins" process
# Named copies so that pgrep counts exactly our processes.
cp /bin/sleep "$WS/websleep"
cp /bin/sleep "$WS/othersleep"
EXTRA_CLEANUP='for p in $(pgrep -f "$WS/"); do kill -KILL $p; done 2>/dev/null'

# conf WEB_ARG OTHER_INTERVAL MEM_WARN: web's argument is its definition;
# the other monitor's interval and web's mem_warn are not. OTHER_INTERVAL
# "none" drops the other monitor.
conf() {
	{
		conf_head
		echo "monitors = ("
		if [ "$2" != none ]; then
			cat <<CONF
	{ name = "other"; plugin = "process"; interval = "$2";
	  command = ["$WS/othersleep", "1000"]; },
CONF
		fi
		cat <<CONF
	{ name = "web"; plugin = "process"; interval = "1h";
	  command = ["$WS/websleep", "$1"]; mem_warn = "$3"; }
);
CONF
	} >"$WS/redundancyd.conf"
}

count() { pgrep -f "^$WS/websleep" | wc -l; }
webpid() { ctl run web status | sed -n 's/^pid \([0-9]*\).*/\1/p'; }
worker() { pgrep -P "$DPID" -x 'rdd:process'; }
new_worker() { w=$(worker); [ -n "$w" ] && [ "$w" != "$1" ]; }
starts() { grep -c '"kind":"process-start".*"target":"web"' "$WS/log/journal.jsonl"; }
adopts() { grep -c '"kind":"process-adopt".*"monitor":"web"' "$WS/log/journal.jsonl"; }
noted() { grep -c '"kind":"process-old-definition".*"monitor":"web"' "$WS/log/journal.jsonl"; }
old_def() { ctl health web | grep -q 'running the definition from before the reload (command changed): redundancyctl run web restart to apply it'; }

conf 1000 1h 0
check "config test passes" "$RDD" -t -c "$WS/redundancyd.conf"
start_daemon
check "web is OK" wait_for 10 ctl health web
first=$(webpid)
check "one web process runs" test "$(count)" -eq 1
check "its start is journaled once" test "$(starts)" -eq 1
w1=$(worker)
check "the plugin worker is found" test -n "$w1"

# (a) An unrelated edit: another monitor's interval, web's own threshold.
conf 1000 2h 1G
check "reload with an unrelated change" ctl reload
check "a new worker runs the reloaded configuration" wait_for 10 new_worker "$w1"
check "the new instance adopted web" wait_for 10 sh -c "test \$(grep -c '\"kind\":\"process-adopt\".*\"monitor\":\"web\"' '$WS/log/journal.jsonl') -eq 1"
check "web is OK after the reload" wait_for 10 ctl health web
check "the same pid runs after the reload" test "$(webpid)" = "$first"
check "and it is the very process (alive)" kill -0 "$first"
check "exactly one web process" test "$(count)" -eq 1
check "the journal has no new start of web" test "$(starts)" -eq 1
check "no old-definition note for a threshold" test "$(noted)" -eq 0
ctl health web >"$WS/health.a"
check "health says plainly running" grep -q "pid $first running\$" "$WS/health.a"

# (b) web's own command changes: kept, and said so.
w2=$(worker)
conf 2000 2h 1G
check "reload with web's command changed" ctl reload
check "a new worker again" wait_for 10 new_worker "$w2"
check "the check says the old definition runs and how to apply it" wait_for 10 old_def
check "still the same pid" test "$(webpid)" = "$first"
check "still exactly one web process" test "$(count)" -eq 1
check "still no new start of web" test "$(starts)" -eq 1
check "the status command says so too" sh -c "'$CTL' -s '$WS/control.sock' run web status | grep -q 'before the reload: command changed'"
check "the log names the fix" grep -q 'web: running the definition from before the reload (command changed): redundancyctl run web restart to apply it' "$WS/log/web.log"
check "it is journaled" test "$(noted)" -eq 1
ctl health web >/dev/null
rc=$?
check "health is WARNING (exit 1), not OK: rc=$rc" test "$rc" -eq 1

# Another reload with the same pending change: journaled once, not again;
# it drops the other monitor, whose process has nobody to adopt it.
o1=$(pgrep -f "^$WS/othersleep")
check "one other process before it is dropped" test -n "$o1"
w3=$(worker)
conf 2000 none 1G
ctl reload >/dev/null
check "a third worker" wait_for 10 new_worker "$w3"
check "the dropped monitor's process was stopped" wait_for 10 sh -c "! kill -0 $o1 2>/dev/null || grep -q '^State:.*Z' /proc/$o1/status"
check "the note is still in the check" wait_for 10 old_def
check "the same pending change is journaled once only" test "$(noted)" -eq 1
check "same pid through three configurations" test "$(webpid)" = "$first"

check "run web restart is answered" ctl run web restart
newpid() { p=$(webpid); [ -n "$p" ] && [ "$p" != "$first" ]; }
check "a new pid runs" wait_for 10 newpid
second=$(webpid)
check "the old process is gone" wait_for 5 sh -c "! kill -0 $first 2>/dev/null || grep -q '^State:.*Z' /proc/$first/status"
check "the new process runs the new command" sh -c "tr '\\0' ' ' </proc/$second/cmdline | grep -q 'websleep 2000'"
check "exactly one web process after the restart" test "$(count)" -eq 1
check "health no longer mentions the old definition" wait_for 10 sh -c "'$CTL' -s '$WS/control.sock' health web | grep -q 'pid $second running\$'"

# (c) A daemon stop still stops what it owns.
check "daemon stops on SIGTERM with status 0" stop_daemon
check "web went with the daemon" wait_for 5 sh -c "! kill -0 $second 2>/dev/null || grep -q '^State:.*Z' /proc/$second/status"
check "no web process runs" test "$(count)" -eq 0
check "nor the other one" test "$(pgrep -f "^$WS/othersleep" | wc -l)" -eq 0

# (d) Two processes that ignore SIGTERM: both are signalled before either
# is killed. Each notes, when its SIGTERM comes, whether the other still
# runs: one stop after another would have killed the first already.
cat >"$WS/stubborn" <<'APP'
#!/bin/sh
# stubborn ME OTHER DIR: survives SIGTERM, noting whether OTHER still runs
me=$1 other=$2 dir=$3
echo $$ >"$dir/$me.pid"
trap 'o=$(cat "$dir/$other.pid"); s=$(cut -d" " -f3 "/proc/$o/stat" 2>/dev/null); echo "TERM $me other=${s:-gone}" >>"$dir/stops"' TERM
while :; do sleep 0.05; done
APP
chmod +x "$WS/stubborn"
{
	conf_head
	cat <<CONF
monitors = (
	{ name = "s1"; plugin = "process"; interval = "1h"; stop_timeout = "2s";
	  command = ["$WS/stubborn", "s1", "s2", "$WS"]; },
	{ name = "s2"; plugin = "process"; interval = "1h"; stop_timeout = "2s";
	  command = ["$WS/stubborn", "s2", "s1", "$WS"]; }
);
CONF
} >"$WS/redundancyd.conf"
start_daemon
check "s1 is OK" wait_for 10 ctl health s1
check "s2 is OK" wait_for 10 ctl health s2
check "both wrote their pids" wait_for 5 test -s "$WS/s1.pid" -a -s "$WS/s2.pid"
p1=$(cat "$WS/s1.pid")
p2=$(cat "$WS/s2.pid")
t0=$(date +%s%N)
check "daemon stops with status 0" stop_daemon
t1=$(date +%s%N)
echo "# stop with two processes ignoring SIGTERM, stop_timeout 2 s: $(((t1 - t0) / 1000000)) ms"
check "both got SIGTERM" test "$(grep -c '^TERM ' "$WS/stops" 2>/dev/null)" -eq 2
check "each while the other still ran (signalled together)" sh -c "! grep -Eq 'other=(gone|Z|X)' '$WS/stops'"
check "s1 was killed" sh -c "! kill -0 $p1 2>/dev/null || grep -q '^State:.*Z' /proc/$p1/status"
check "s2 was killed" sh -c "! kill -0 $p2 2>/dev/null || grep -q '^State:.*Z' /proc/$p2/status"
finish
