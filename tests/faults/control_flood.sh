#!/bin/sh
# control_flood.sh: a client trickling one byte every 3 s is dropped at the
# request deadline, and 150 idle connections to the control socket, the
# owner's own or a control_group member's, do not lock the owner's
# redundancyctl out.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$S/tests/faults/surfaces_lib.sh"

surfaces_conf
check "the daemon starts" start_limited 1024

python3 "$FLOOD" trickle "$WS/control.sock" 3 40 >"$WS/trickle.out" 2>&1
rc=$?
echo "# trickler: $(cat "$WS/trickle.out")"
check "the trickler is disconnected" test "$rc" -eq 0
after=$(sed -n 's/^closed after \([0-9]*\).*/\1/p' "$WS/trickle.out")
check "within 20 s (after ${after:-?} s)" test "${after:-99}" -le 20
check "the drop is logged with the uid" grep -q \
    "WARN control: dropped uid $(id -u): no whole request line within 10 s" \
    "$WS/log/system.log"

python3 "$FLOOD" hold unix "$WS/control.sock" 150 8 "$WS/ready" \
    >"$WS/flood.out" 2>&1 &
FPID=$!
EXTRA_CLEANUP='kill $FPID 2>/dev/null'
check "150 connections are open" wait_for 10 test -s "$WS/ready"
check "status answers within 2 s as the flood starts" status_within 2000
sleep 2
check "status answers within 2 s in the flood" status_within 2000
sleep 2
check "status answers within 2 s later in the flood" status_within 2000
wait $FPID
echo "# flood: $(cat "$WS/flood.out")"
check "the daemon is still running" kill -0 "$DPID"
check "status answers after the flood" status_within 2000
# The trickler's drop opened a 10 s window: the count comes at its end.
check "making room is logged" wait_for 15 grep -Eq \
    "WARN control: (closed an idle connection of uid [0-9]+ to admit uid|[0-9]+ more connection)" \
    "$WS/log/system.log"
check "the daemon stops on SIGTERM with status 0" stop_daemon

# A control_group member floods: the owner's slots stay free for the owner.
if [ "$(id -u)" -eq 0 ] && [ "$(id -u nobody 2>/dev/null)" = 65534 ]; then
	rm -f "$WS/log/system.log"
	sed 's|^daemon: {|daemon: {\n\tcontrol_group = "65534";|' \
	    "$WS/redundancyd.conf" >"$WS/group.conf"
	mv "$WS/group.conf" "$WS/redundancyd.conf"
	check "the daemon starts with control_group 65534" start_limited 1024
	# the client, once nobody, may write only what nobody owns
	rm -f "$WS/ready"
	: >"$WS/ready"
	chown 65534 "$WS/ready"
	FLOOD_AS=65534 python3 "$FLOOD" hold unix "$WS/control.sock" 100 6 \
	    "$WS/ready" >"$WS/flood.out" 2>&1 &
	FPID=$!
	check "a group member's 100 connections are open" \
	    wait_for 10 test -s "$WS/ready"
	check "status answers within 2 s in the group's flood" \
	    status_within 2000
	wait $FPID
	echo "# flood: $(cat "$WS/flood.out")"
	check "the group member was refused before the owner's slots" grep -q \
	    "WARN control: refused uid 65534: [0-9]* connections open, the last 8 of 64 are kept for the owner and root" \
	    "$WS/log/system.log"
	check "no connection had to make way for the owner" sh -c \
	    "! grep -q 'closed an idle connection' '$WS/log/system.log'"
	check "the daemon stops on SIGTERM with status 0" stop_daemon
else
	echo "ok - # SKIP a control_group member's flood: needs root and nobody"
fi
finish
