#!/bin/sh
# http_flood.sh: a daemon with 64 descriptors and 100 idle connections to
# its HTTP port, held for 10 s: accept() must not spin, the log must not
# explode, redundancyctl must answer, and /health must answer afterwards.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$S/tests/faults/surfaces_lib.sh"

surfaces_conf
check "the daemon starts with 64 descriptors" start_limited 64
check "/health answers before the flood" wait_for 10 http_is 200 GET /health

t0=$(cpu_ticks)
python3 "$FLOOD" hold tcp "127.0.0.1:$PORT" 100 10 "$WS/ready" \
    >"$WS/flood.out" 2>&1 &
FPID=$!
EXTRA_CLEANUP='kill $FPID 2>/dev/null'
check "100 connections are open" wait_for 10 test -s "$WS/ready"
check "status answers within 2 s as the flood starts" status_within 2000
sleep 3
check "status answers within 2 s in the flood" status_within 2000
sleep 3
check "status answers within 2 s later in the flood" status_within 2000
wait $FPID
t1=$(cpu_ticks)
echo "# flood: $(cat "$WS/flood.out")"
hz=$(getconf CLK_TCK)
ms=$(((t1 - t0) * 1000 / hz))
check "the daemon used under 2 s of CPU over the flood ($ms ms)" \
    test "$ms" -lt 2000
check "the daemon is still running" kill -0 "$DPID"
bytes=$(log_bytes)
check "its log stayed under 100 KB ($bytes bytes)" test "$bytes" -lt 102400
check "/health answers again after the flood" \
    wait_for 15 http_is 200 GET /health
check "the refusals are in the log" \
    grep -q "WARN http: refused 127.0.0.1:[0-9]*: 8 connections open" \
    "$WS/log/system.log"
check "the daemon stops on SIGTERM with status 0" stop_daemon
finish
