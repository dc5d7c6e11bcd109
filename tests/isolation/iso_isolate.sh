#!/bin/sh
# iso_isolate: the new monitor keys: isolate = true gives a monitor its own
# worker, named after the monitor; user and group are accepted; the worker
# object reports them. One exec worker is shared by the other monitors.
. "${top_srcdir:-.}/tests/isolation/lib.sh"

iso_plugins
me=$(id -un)
grp=$(id -gn)
iso_conf exec 1s 'stall_timeout = "10s"; memory_max = "256M"; ping_interval = "1s";' \
    "command = [\"/bin/true\"]; isolate = true; user = \"$me\"; group = \"$grp\"; memory_max = \"64M\";"
"$RDD" -t -c "$WS/redundancyd.conf" >"$WS/t.out" 2>&1
rc=$?
sed 's/^/# -t: /' "$WS/t.out"
check "-t accepts isolate, user, group, memory_max, stall_timeout, ping_interval (got $rc)" \
    test "$rc" -eq 0
check "-t warns about none of them" sh -c "! grep -qi 'unknown' '$WS/t.out'"
iso_start
T0=$(now_ns)
check "both monitors are OK" \
    dwait 10 st 'mon("tick").get("state_name") == "OK" and mon("bad").get("state_name") == "OK"'
stv 'd.get("workers")' | sed 's/^/# workers: /'
check "monitor bad runs in its own worker, named bad" \
    st 'mon("bad").get("worker") == "bad" and wk("bad").get("plugin") == "exec"'
check "monitor tick runs in the shared exec worker" \
    st 'mon("tick").get("worker") == "exec" and wk("exec").get("plugin") == "exec"'
check "two processes, neither the daemon" \
    st 'len({wk("bad").get("pid"), wk("exec").get("pid"), '"$DPID"'} - {None}) == 3'
check "the worker reports its user ($me)" \
    st 'wk("bad").get("user") == "'"$me"'" and wk("exec").get("user") == "'"$me"'"'
check "both are running" \
    st 'wk("bad").get("state") == "running" and wk("exec").get("state") == "running"'
observe "$T0" 3
survives "$T0"
iso_stop
finish
