#!/bin/sh
# process_limits: Monit-like resource checks on watched processes: memory
# of the process and its children, CPU over a window, open fds, threads and
# uptime, each with WARNING/CRITICAL thresholds and metrics.
. "${top_srcdir:-.}/tests/integration/lib.sh"

plugins "$WS/plugins" process
cp /bin/sleep "$WS/fdsleep"
cat >"$WS/memtree.sh" <<'APP'
#!/bin/sh
# a parent whose child holds the memory: only a tree sum sees 40 MiB
python3 -c 'x = bytearray(40 * 1024 * 1024); import time; time.sleep(1000)' "$0" &
wait
APP
cat >"$WS/spin.sh" <<'APP'
#!/bin/sh
while :; do :; done
APP
chmod +x "$WS"/*.sh
EXTRA_CLEANUP='for p in $(pgrep -f "$WS/"); do kill -KILL $p; done 2>/dev/null'
{
	conf_head
	cat <<CONF
monitors = (
	{ name = "mem"; plugin = "process"; interval = "300ms";
	  command = ["$WS/memtree.sh"]; mem_warn = "30M"; mem_crit = "1G"; },
	{ name = "cpu"; plugin = "process"; interval = "300ms";
	  command = ["$WS/spin.sh"]; cpu_warn = 40.0; cpu_window = "1s"; },
	{ name = "fds"; plugin = "process"; interval = "300ms";
	  command = ["$WS/fdsleep", "1000"]; fds_crit = 3; },
	{ name = "young"; plugin = "process"; interval = "300ms";
	  match = "^$WS/fdsleep 1000\$"; uptime_warn = "1h"; threads_warn = 50; },
	{ name = "bad"; plugin = "process";
	  match = "x"; mem_warn = "2G"; mem_crit = "1G"; }
);
CONF
} >"$WS/redundancyd.conf"

health() { "$CTL" -s "$WS/control.sock" health "$1"; }
is() { health "$1" >/dev/null; test $? -eq "$2"; }
check "warn above crit is refused with the file and line" sh -c "'$RDD' -t -c '$WS/redundancyd.conf' 2>&1 | grep -q 'redundancyd.conf:[0-9]*: .*mem_warn is above mem_crit'"
sed -i '/name = "bad"/,$d' "$WS/redundancyd.conf"
sed -i 's/uptime_warn = "1h"; threads_warn = 50; },/uptime_warn = "1h"; threads_warn = 50; }\n);/' "$WS/redundancyd.conf"
check "config test passes" "$RDD" -t -c "$WS/redundancyd.conf"
start_daemon
check "memory of the process tree: WARNING" wait_for 15 is mem 1
check "...and the message says why" sh -c "'$CTL' -s '$WS/control.sock' health mem | grep -q 'memory [0-9]* MiB >= warning 30 MiB'"
check "rss_total counts the child (polled: the child may still be filling its 40 MiB when WARNING shows at 30)" wait_for 10 sh -c "'$CTL' -s '$WS/control.sock' --json health mem | python3 -c 'import json,sys; d=json.load(sys.stdin); v=d[\"monitors\"][0][\"targets\"][0][\"metrics\"]; sys.exit(0 if v[\"rss_total\"][\"value\"] > 40*1024*1024 > v[\"rss\"][\"value\"] else 1)'"
check "CPU over the window: WARNING" wait_for 15 is cpu 1
check "...cpu metric near one core" sh -c "'$CTL' -s '$WS/control.sock' health cpu | grep -q 'cpu [0-9]*% >= warning 40%'"
check "open fds at the critical level: detected" wait_for 15 grep -q '"kind":"detect".*"monitor":"fds".*open fds 3 >= critical 3' "$WS/log/journal.jsonl"
check "...and restarted by the engine" wait_for 15 grep -q '"kind":"action".*"monitor":"fds".*restart' "$WS/log/journal.jsonl"
check "uptime below uptime_warn: WARNING" wait_for 15 sh -c "'$CTL' -s '$WS/control.sock' health young | grep -q 'uptime [0-9]* s below warning 3600 s'"
check "threads metric is reported" sh -c "'$CTL' -s '$WS/control.sock' --json health young | grep -q '\"threads\"'"
check "WARNING is not acted on" sh -c "! grep -q '\"kind\":\"action\".*\"monitor\":\"mem\"' '$WS/log/journal.jsonl'"
check "daemon stops" stop_daemon
finish
