#!/bin/sh
# refused_log.sh: refused peers are logged with their address (HTTP) or uid
# (control socket), one line per 10 s and then how many more were refused.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$S/tests/faults/surfaces_lib.sh"

surfaces_conf
# 256 descriptors: 32 HTTP connections at most.
check "the daemon starts with 256 descriptors" start_limited 256
python3 "$FLOOD" hold tcp "127.0.0.1:$PORT" 80 3 "$WS/ready" \
    >"$WS/flood.out" 2>&1
echo "# flood: $(cat "$WS/flood.out")"
sys="$WS/log/system.log"
check "a refusal is logged with the peer's address" grep -Eq \
    "WARN http: refused 127\.0\.0\.1:[0-9]+: 32 connections open, the limit" \
    "$sys"
check "the others are counted once the 10 s window ends" wait_for 20 \
    grep -Eq "WARN http: [0-9]+ more connection\(s\) refused or dropped" "$sys"
n=$(grep -Eo "http: [0-9]+ more" "$sys" | head -n 1 | tr -dc 0-9)
check "the count covers the flood ($n)" test "${n:-0}" -ge 40
lines=$(grep -c "WARN http:" "$sys")
check "two lines for the whole flood ($lines)" test "$lines" -eq 2

if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	nuid=$(id -u nobody)
	chmod 0666 "$WS/control.sock"
	python3 - "$WS/control.sock" "$nuid" <<'PY' >"$WS/denied.out" 2>&1
import os, socket, sys
os.setgroups([])
os.setgid(int(sys.argv[2]))
os.setuid(int(sys.argv[2]))
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
# The denial comes first, unasked; the daemon may close before a request.
print(s.recv(4096).decode())
PY
	check "a stranger is denied" grep -q "permission denied for uid $nuid" \
	    "$WS/denied.out"
	check "the denial is logged with the uid" grep -q \
	    "WARN control: refused uid $nuid: not the owner, root or a member of control_group" \
	    "$sys"
else
	echo "ok - # SKIP a stranger's uid: needs root and a user nobody"
fi
check "the daemon stops on SIGTERM with status 0" stop_daemon
finish
