#!/bin/sh
# iso_hang: a plugin that sleeps 30 s in its second check stops answering
# the master's ping; after stall_timeout (3 s here) its worker is killed,
# journaled as worker-stall, and restarted; the daemon never waits on it.
. "${top_srcdir:-.}/tests/isolation/lib.sh"

iso_plugins bad_hang
iso_conf bad_hang 1s 'stall_timeout = "3s"; ping_interval = "1s";'
iso_listed bad_hang
iso_start

check "the bad_hang worker runs with a pid" \
    dwait 10 st 'isinstance(wk("bad_hang").get("pid"), int) and wk("bad_hang").get("state") == "running"'
wpid=$(stv 'wk("bad_hang").get("pid")')
case $wpid in '' | *[!0-9]*) wpid='' ;; esac
T0=$(now_ns)
check "bad reported t OK before misbehaving" \
    dwait 5 grep -q "t: UNKNOWN -> OK" "$WS/log/bad.log"
check "the stall is journaled (worker-stall, bad_hang)" \
    dwait 20 jhas worker-stall bad_hang
need_answer "while the plugin hangs"
check "the stall record says what happened" \
    jmsg worker-stall bad_hang 'bad_hang plugin stalled in check of monitor bad for [0-9]+ s'
check "the stalled worker (pid ${wpid:-unknown}) was killed" \
    dwait 5 sh -c "test -n '$wpid' && ! kill -0 '$wpid' 2>/dev/null"
# The UNKNOWN lasts until the restarted worker's first check (about a
# second): its record in the monitor's log, not a poll that may miss it.
check "monitor bad went UNKNOWN saying it stalled" \
    dwait 5 grep -q "t: OK -> UNKNOWN: bad_hang plugin stalled in check of monitor bad" "$WS/log/bad.log"
check "the text status names the plugin, the monitor and the stall" \
    status_names bad_hang bad stalled
check "status: last_failure of bad_hang says it stalled" \
    st '"stall" in (wk("bad_hang").get("last_failure") or "")'
check "a new worker is started for bad_hang" \
    dwait 15 st 'wk("bad_hang").get("restarts", 0) >= 1 and wk("bad_hang").get("pid") not in (None, '"${wpid:-None}"')'
check "the exec worker was not touched" \
    st 'wk("exec").get("restarts") == 0 and wk("exec").get("crashes") == 0'
observe "$T0" 8
survives "$T0"
iso_stop "(with a worker hanging)"
finish
