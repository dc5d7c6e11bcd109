#!/bin/sh
# iso_nodone: a plugin that reports "t" OK but never calls check_done: each
# check times out, and the monitor is UNKNOWN ("timed out") everywhere,
# never OK: status --json, /health, and `redundancyctl health bad`.
. "${top_srcdir:-.}/tests/isolation/lib.sh"

iso_plugins bad_nodone
iso_conf bad_nodone 1s '' 'timeout = "500ms";'
iso_listed bad_nodone
iso_start

check "monitor bad is UNKNOWN and says the check timed out" \
    dwait 10 st 'mon("bad").get("state_name") == "UNKNOWN" and "timed out" in mon("bad").get("message", "")'
T0=$(now_ns)
need_answer "after a check that never ends"
check "/health: monitor bad is UNKNOWN, timed out" \
    hj 'mon("bad").get("state_name") == "UNKNOWN" and "timed out" in mon("bad").get("message", "")'
check "/health lists the workers" \
    hj 'wk("bad_nodone").get("plugin") == "bad_nodone" and wk("exec").get("state") == "running"'
qctl health bad >"$WS/health.out" 2>&1
rc=$?
check "redundancyctl health bad exits non-zero (3 = UNKNOWN), got $rc" test "$rc" -eq 3
check "and answered (it did not fail to connect)" \
    sh -c "! grep -q 'cannot connect' '$WS/health.out' && grep -q 'timed out' '$WS/health.out'"

# The window: sample the state of bad for 8 s and at least 6 times (each
# sample is a ctl and a python3, slow under ASan on a loaded machine; 60 s
# at most); it must never read OK.
seen_ok=0 samples=0
end=$((T0 + 8000000000))
bound=$((T0 + 60000000000))
while { [ "$(now_ns)" -lt "$end" ] || [ "$samples" -le 5 ]; } &&
    [ "$(now_ns)" -lt "$bound" ]; do
	if st 'mon("bad").get("state_name") == "OK"'; then
		seen_ok=$((seen_ok + 1))
	fi
	samples=$((samples + 1))
	sleep 0.2
done
echo "# $samples samples of monitor bad over the window"
check "monitor bad never showed OK over the window ($seen_ok of $samples)" \
    test "$samples" -gt 5 -a "$seen_ok" -eq 0
check "the overall state is not OK either" \
    st 'd.get("state_name") != "OK"'
check "the checks kept coming and timing out (several in bad.log)" \
    test "$(grep -c 'did not complete\|timed out' "$WS/log/bad.log")" -ge 3
survives "$T0"
iso_stop "with checks never done"
finish
