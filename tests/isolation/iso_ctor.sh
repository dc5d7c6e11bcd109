#!/bin/sh
# iso_ctor: a plugin whose constructor aborts, so that dlopen itself dies.
# `redundancyd --plugins` names it with SIGABRT and lists the others; -t
# and the daemon run fine when no monitor uses it (only plugins in use are
# loaded, each in its worker).
. "${top_srcdir:-.}/tests/isolation/lib.sh"

iso_plugins bad_ctor
iso_conf exec 1s '' 'command = ["/bin/true"];'

"$RDD" --plugins -c "$WS/redundancyd.conf" >"$WS/plugins.out" 2>&1
rc=$?
sed 's/^/# --plugins: /' "$WS/plugins.out"
check "--plugins exits 0 (got $rc)" test "$rc" -eq 0
check "--plugins lists exec.so normally" \
    grep -Eq "^exec.so.*exec .*ABI 1\.[0-9]+" "$WS/plugins.out"
check "--plugins names bad_ctor.so with SIGABRT" \
    grep -q "bad_ctor.so.*SIGABRT" "$WS/plugins.out"
"$RDD" -t -c "$WS/redundancyd.conf" >"$WS/t.out" 2>&1
rc=$?
check "-t passes (got $rc)" test "$rc" -eq 0
check "-t says configuration OK" grep -q "configuration OK" "$WS/t.out"

iso_start
T0=$(now_ns)
check "tick is OK" dwait 10 st 'mon("tick").get("state_name") == "OK"'
check "monitor bad (exec) is OK" dwait 10 st 'mon("bad").get("state_name") == "OK"'
check "no worker for bad_ctor (no monitor uses it)" \
    st 'd.get("workers") is not None and not wk("bad_ctor") and not any(w.get("plugin") == "bad_ctor" for w in d["workers"])'
check "one exec worker serves both monitors" \
    st 'wk("exec").get("state") == "running" and mon("tick").get("worker") == "exec" and mon("bad").get("worker") == "exec"'
observe "$T0" 4
survives "$T0"
check "no worker crashed" test "$(jcount worker-crash)" -eq 0
iso_stop
finish
