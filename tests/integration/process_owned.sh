#!/bin/sh
# process_owned: redundancyd starts and owns a process; with a monitor
# interval of one hour a kill -9 is still repaired at once (only the pidfd
# can have seen it); an operator's stop is respected; the logs rotate and
# no line written while they do is lost; the process goes with the daemon
# (detach = false).
. "${top_srcdir:-.}/tests/integration/lib.sh"

plugins "$WS/plugins" process
# Named copies so that pgrep counts exactly our processes.
cp /bin/sleep "$WS/websleep"
cat >"$WS/chatty.sh" <<'APP'
#!/bin/sh
# writes 100 bytes every 10 ms to stdout, and a line to stderr
echo "chatty starts" >&2
while :; do
	echo "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456"
	sleep 0.01
done
APP
chmod +x "$WS/chatty.sh"
# Numbered lines in bursts (the shell's own echo: fast) until its log has
# rotated twice (or a cap), then stays: every line must be in the rotated
# files and the live log, in order, once.
cat >"$WS/counter.sh" <<'APP'
#!/bin/sh
i=0
while [ $i -lt 2000000 ] && [ ! -e "$1.2" ]; do
	j=0
	while [ $j -lt 500 ]; do
		i=$((i + 1)); j=$((j + 1))
		echo "line $i"
	done
	sleep 0.02
done
echo "counter done $i"
exec sleep 1000
APP
chmod +x "$WS/counter.sh"
EXTRA_CLEANUP='for p in $(pgrep -f "^$WS/"); do kill -KILL $p; done 2>/dev/null'
{
	conf_head
	cat <<CONF
monitors = (
	{ name = "web"; plugin = "process"; interval = "1h";
	  command = ["$WS/websleep", "1000"]; cwd = "$WS"; umask = "027";
	  env = ["WEB_MODE=test"]; },
	{ name = "chatty"; plugin = "process"; interval = "200ms";
	  command = ["$WS/chatty.sh"]; log_max = "4K"; log_keep = 2;
	  stdout_log = "$WS/chatty.out"; stderr_log = "$WS/chatty.err"; },
	{ name = "counter"; plugin = "process"; interval = "100ms";
	  command = ["$WS/counter.sh", "$WS/counter.out"]; log_max = "64K";
	  log_keep = 99;
	  stdout_log = "$WS/counter.out"; }
);
CONF
} >"$WS/redundancyd.conf"

count() { pgrep -f "^$WS/websleep" | wc -l; }
webpid() { ctl run web status | sed -n 's/^pid \([0-9]*\).*/\1/p'; }
check "config test passes" "$RDD" -t -c "$WS/redundancyd.conf"
start_daemon
check "web is OK" wait_for 10 ctl health web
first=$(webpid)
check "one web process runs, as the status says" sh -c "[ \"\$(pgrep -f '^$WS/websleep')\" = '$first' ]"
check "it got its env and cwd" sh -c "tr '\\0' '\\n' </proc/$first/environ | grep -qx WEB_MODE=test && [ \"\$(readlink /proc/$first/cwd)\" = '$WS' ]"

t0=$(date +%s%N)
kill -9 "$first"
newpid() { p=$(webpid); [ -n "$p" ] && [ "$p" != "$first" ]; }
check "a kill -9 is repaired with a 1 h interval (pidfd)" wait_for 5 newpid
t1=$(date +%s%N)
echo "# kill -9 -> running again (seen by the test, polling 50 ms): $(((t1 - t0) / 1000000)) ms"
check "the exit was pushed, not polled" grep -q 'killed by signal 9' "$WS/log/web.log"
check "journal records the confirmed recovery" wait_for 10 grep -q '"kind":"recovered".*"target":"web"' "$WS/log/journal.jsonl"
check "exactly one web process" test "$(count)" -eq 1

second=$(webpid)
check "operator stop is answered" ctl run web stop
check "the process is gone" wait_for 5 sh -c "! kill -0 $second 2>/dev/null"
check "no web process runs" test "$(count)" -eq 0
check "a forced recovery does not override the operator" sh -c "'$CTL' -s '$WS/control.sock' recover web --force --wait --timeout 10s; test \$(pgrep -f '^$WS/websleep' | wc -l) -eq 0"
check "health is OK: stopped by an operator" sh -c "'$CTL' -s '$WS/control.sock' health web | grep -q 'stopped by an operator'"
check "the operator stop is journaled" grep -q '"kind":"operator-stop"' "$WS/log/journal.jsonl"
check "operator start brings it back" ctl run web start
check "one web process again" wait_for 5 sh -c "test \$(pgrep -f '^$WS/websleep' | wc -l) -eq 1"

check "the chatty log rotated" wait_for 15 test -s "$WS/chatty.out.1"
check "stderr went to its own file" grep -q 'chatty starts' "$WS/chatty.err"
check "the live log stays near log_max" wait_for 10 sh -c "test \$(stat -c %s '$WS/chatty.out') -lt 60000"
check "no more than log_keep rotations" test ! -e "$WS/chatty.out.3"

# Oldest first: FILE.N .. FILE.1, then FILE; split lines rejoin.
cat >"$WS/counter_all.sh" <<'APP'
#!/bin/sh
n=$(ls "$1" | grep -c '^counter\.out\.[0-9]*$')
while [ "$n" -gt 0 ]; do
	cat "$1/counter.out.$n"
	n=$((n - 1))
done
cat "$1/counter.out"
APP
chmod +x "$WS/counter_all.sh"
check "the counter saw two rotations and stopped" wait_for 60 sh -c "'$WS/counter_all.sh' '$WS' | grep -q '^counter done'"
nrot=$(ls "$WS" | grep -c '^counter\.out\.[0-9]*$')
total=$("$WS/counter_all.sh" "$WS" | sed -n 's/^counter done //p')
check "its log rotated while it wrote ($nrot times, $total lines)" test "$nrot" -ge 2 -a "${total:-2000000}" -lt 2000000
"$WS/counter_all.sh" "$WS" | grep '^line ' >"$WS/counter.all"
check "no line lost or repeated across $nrot rotations" sh -c "seq 1 ${total:-0} | sed 's/^/line /' | cmp -s - '$WS/counter.all'"

check "daemon stops on SIGTERM with status 0" stop_daemon
check "the owned process went with the daemon" wait_for 5 sh -c "test \$(pgrep -f '^$WS/websleep' | wc -l) -eq 0"
finish
