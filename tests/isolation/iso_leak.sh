#!/bin/sh
# iso_leak: a plugin leaking 1 MiB per check (10 MiB/s here) grows its
# worker, not the daemon: past the monitor's memory_max = "20M" the worker
# is restarted (journal worker-memory) and status shows its rss_bytes.
. "${top_srcdir:-.}/tests/isolation/lib.sh"

iso_plugins bad_leak
iso_conf bad_leak 100ms '' 'memory_max = "20M";'
iso_listed bad_leak
iso_start

check "bad reports t OK" dwait 10 grep -q "t: UNKNOWN -> OK" "$WS/log/bad.log"
T0=$(now_ns)
rss0=$(rss_kib "$DPID")
check "status: workers report rss_bytes" \
    dwait 5 st 'isinstance(wk("bad_leak").get("rss_bytes"), int) and wk("exec").get("rss_bytes", 0) > 0'
check "the worker is restarted past memory_max (worker-memory, bad_leak)" \
    dwait 20 jhas worker-memory bad_leak
need_answer "while the plugin leaks"
grep -F '"kind":"worker-memory"' "$WS/log/journal.jsonl" | head -n 1 | sed 's/^/# journal: /'
check "the worker-memory record names the plugin and the limit" \
    jmsg worker-memory bad_leak 'bad_leak.*(20M|20971520|20 ?MiB)'
check "status: bad_leak was restarted, its last_failure says memory" \
    dwait 5 st 'wk("bad_leak").get("restarts", 0) >= 1 and "memory" in (wk("bad_leak").get("last_failure") or "")'
observe "$T0" 8
rss1=$(rss_kib "$DPID")
echo "# daemon VmRSS: ${rss0} KiB -> ${rss1} KiB over the window"
check "the leak never landed in the daemon (its RSS grew < 20 MiB)" \
    test "$((rss1 - rss0))" -lt 20480
# 20M plus what leaks between two pings, with room: unchecked, the
# worker would hold 80 MiB more by now.
check "no worker holds much more than memory_max" \
    st 'd.get("workers") and all(w.get("rss_bytes", 0) < 64 * 2**20 for w in d["workers"])'
check "the exec worker was not restarted" \
    st 'wk("exec").get("restarts") == 0'
survives "$T0"
http_get /metrics >"$WS/metrics.txt" 2>&1
check "/metrics: redundancyd_worker_rss_bytes for bad_leak" \
    grep -Eq '^redundancyd_worker_rss_bytes\{worker="bad_leak",plugin="bad_leak"\} [0-9]' "$WS/metrics.txt"
check "/metrics: redundancyd_worker_restarts_total of bad_leak >= 1" \
    grep -Eq '^redundancyd_worker_restarts_total\{worker="bad_leak",plugin="bad_leak"\} [1-9]' "$WS/metrics.txt"
iso_stop
finish
