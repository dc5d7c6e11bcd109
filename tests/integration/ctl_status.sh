#!/bin/sh
# ctl_status: the `redundancyctl status` table shows what an operator must
# know: the daemon's version, pid and uptime in a header; each monitor's
# last and next check; a give-up (needs an operator), a blocked monitor, a
# paused one and one whose worker is quarantined. `-c CONFIG` finds the
# socket in the config (@include too), and an unset control_socket is the
# daemon's default.
. "${top_srcdir:-.}/tests/integration/lib.sh"

plugins "$WS/plugins" exec || exit 1
# The daemon group comes in by @include: -c must follow it as the daemon does.
conf_head >"$WS/daemon.inc"
cat >"$WS/redundancyd.conf" <<CONF
@include "daemon.inc"
monitors = (
	{ name = "up"; plugin = "exec"; interval = "30s";
	  command = ["/bin/sh", "-c", "echo 'UP OK'"]; },
	{ name = "stuck"; plugin = "exec"; interval = "200ms";
	  recovery = { max_attempts = 1; cooldown = "1h"; };
	  command = ["/bin/sh", "-c", "echo 'STUCK CRITICAL: down'; exit 2"];
	  recover = ( ["/bin/false"] ); },
	{ name = "base"; plugin = "exec"; interval = "200ms";
	  command = ["/bin/sh", "-c", "echo 'BASE CRITICAL: down'; exit 2"]; },
	{ name = "child"; plugin = "exec"; interval = "200ms"; depends_on = ["base"];
	  command = ["/bin/sh", "-c", "echo 'CHILD CRITICAL: its base is down'; exit 2"]; },
	{ name = "crashy"; plugin = "exec"; interval = "200ms"; isolate = true;
	  command = ["/bin/sh", "-c", "echo 'CRASHY OK | load=1'"]; }
);
CONF

start_daemon || { not_ok "daemon starts"; finish; exit 1; }
J="$WS/log/journal.jsonl"
st() {
	ctl status >"$WS/status.txt" 2>&1
	return 0
}
row() {
	st
	grep -E "$1" "$WS/status.txt"
}

check "-c CONFIG finds the socket through @include" sh -c "'$CTL' -c '$WS/redundancyd.conf' status >'$WS/c.txt'; [ \$? -le 3 ] && grep -q '^MONITOR ' '$WS/c.txt'"
check "-c after the command too" sh -c "'$CTL' status -c '$WS/redundancyd.conf' | grep -q '^MONITOR '"
check "-s wins over -c" sh -c "'$CTL' -s '$WS/none.sock' -c '$WS/redundancyd.conf' status 2>&1 | grep -qF 'cannot connect to $WS/none.sock'"
# A config without control_socket: the daemon's default, which is the ctl's.
sed '/control_socket/d' "$WS/daemon.inc" >"$WS/nosock.conf"
check "an unset control_socket is the daemon's default" sh -c "'$CTL' -c '$WS/nosock.conf' status 2>&1 | grep -qF 'cannot connect to /run/redundancyd/control.sock'"
check "a config the daemon would refuse says so, exit 3" sh -c "echo 'daemon: { control_socket = 5; };' >'$WS/bad.conf'; '$CTL' -c '$WS/bad.conf' status >'$WS/bad.out' 2>&1; rc=\$?; [ \$rc -eq 3 ] && grep -q 'bad.conf.*cannot tell the control socket' '$WS/bad.out'"
check "a missing config too" sh -c "'$CTL' -c '$WS/missing.conf' status 2>&1 | grep -q 'missing.conf: No such file'"

check "the give-up is journaled" wait_for 20 grep -q '"kind":"giveup","monitor":"stuck"' "$J"
check "status: the give-up needs an operator" wait_for 10 row '^  stuck .*STUCK CRITICAL: down.*\[GAVE UP: needs an operator; redundancyctl recover\]'
check "status: child is blocked by its upstream" wait_for 10 row '^child .*\[blocked: upstream down\]'
check "status: base is not blocked" sh -c "! grep -q '^base .*blocked' '$WS/status.txt'"
check "status: stuck is not blocked" sh -c "! grep -q '^ *stuck .*blocked' '$WS/status.txt'"
check "pause up" ctl pause up --for 1h --comment "maintenance"
check "status: up is PAUSED" row "^up .*\[PAUSED by .* until 20[0-9-]* [0-9:]*: maintenance\]"

# Header: version, pid, uptime, overall state.
pid=$DPID
check "the header names version, host, pid and uptime" grep -Eq "^redundancyd [^ ]+ on $(hostname) \(pid $pid\), up [0-9]+s since 20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9:]{8}: CRITICAL$" "$WS/status.txt"
check "the columns" grep -Eq '^MONITOR +STATE +SINCE +LAST CHECK +NEXT CHECK +MESSAGE$' "$WS/status.txt"
# up checks every 30 s: checked a moment ago, next in some 29 s, or 31 s
# (the jitter adds up to interval/40 = 750 ms, shown rounded up).
check "up: last check some seconds ago, next in about 30 s" grep -Eq '^up +OK +20[0-9-]+ [0-9:]+ +[0-9]+s ago +in (2[0-9]|3[01])s +1 target OK' "$WS/status.txt"
check "stuck, every 200 ms: next check within the second" grep -Eq '^stuck +CRITICAL +20[0-9-]+ [0-9:]+ +[0-9]s ago +in (<1|1)s ' "$WS/status.txt"
check "targets have no check times" grep -Eq '^  up +OK +20[0-9-]+ [0-9:]+ +UP OK$' "$WS/status.txt"

# Quarantine: kill crashy's own worker three times (its pid from status).
wpid() {
	ctl --json status | python3 -c 'import json,sys; j=json.load(sys.stdin); print([w["pid"] for w in j["workers"] if w["name"]=="crashy" and w["state"]=="running"][0])'
}
for n in 1 2 3; do
	check "crashy's worker runs ($n)" wait_for 15 wpid
	p=$(wpid 2>/dev/null)
	[ -n "$p" ] && [ "$p" -gt 1 ] && kill -KILL "$p"
	check "crash $n is journaled" wait_for 10 sh -c "[ \$(grep -c '\"kind\":\"worker-crash\".*crashy' '$J') -ge $n ] || grep -q '\"kind\":\"worker-quarantine\"' '$J'"
done
check "crashy's worker is quarantined" wait_for 10 grep -q '"kind":"worker-quarantine"' "$J"
check "status: crashy is QUARANTINED, and says how to end it" wait_for 10 row '^crashy .*\[QUARANTINED: redundancyctl unquarantine crashy\]'
check "status: up is not quarantined" sh -c "! grep -q '^up .*QUARANTINED' '$WS/status.txt'"
check "unquarantine crashy" ctl unquarantine crashy
check "status: no longer quarantined" wait_for 10 sh -c "'$CTL' -s '$WS/control.sock' status | grep '^crashy ' | grep -qv QUARANTINED"
# The table asks for no metrics ("brief"); --json keeps them.
raw() {
	python3 - "$WS/control.sock" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
b = b""
while not b.endswith(b"\n"):
	d = s.recv(65536)
	if not d:
		break
	b += d
sys.stdout.write(b.decode())
PY
}
check "a full status carries the metrics" wait_for 5 sh -c "'$CTL' -s '$WS/control.sock' --json status | grep -q '\"load\"'"
raw '{"cmd":"status"}' >"$WS/full.json"
raw '{"cmd":"status","brief":true}' >"$WS/brief.json"
check "a brief status has the monitors but no metrics" sh -c "grep -q '\"crashy\"' '$WS/brief.json' && ! grep -q '\"metrics\"' '$WS/brief.json' && grep -q '\"metrics\"' '$WS/full.json'"
check "brief leaves out what the table does not show" sh -c "! grep -q '\"overruns\"' '$WS/brief.json' && ! grep -q '\"flapping\"' '$WS/brief.json' && grep -q '\"overruns\"' '$WS/full.json' && grep -q '\"flapping\"' '$WS/full.json'"
check "and the flags that are false, not those that are set" sh -c "! grep -q ':false' '$WS/brief.json' && grep -q '\"gave_up\":true' '$WS/brief.json' && grep -q '\"gave_up\":false' '$WS/full.json'"

check "the daemon stops cleanly" stop_daemon
finish
