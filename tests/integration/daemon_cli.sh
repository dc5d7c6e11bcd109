#!/bin/sh
# daemon_cli: -t, --once, --plugins, --plugin-help, the pidfile guard,
# SIGHUP reload (valid and invalid), SIGUSR1 reopen, and the exit codes.
. "${top_srcdir:-.}/tests/integration/lib.sh"

plugins "$WS/plugins" exec
mk_conf() {
	{
		conf_head
		cat <<CONF
monitors = (
	{ name = "ok"; plugin = "exec"; interval = "1h"; command = ["/bin/true"]; },
	{ name = "$1"; plugin = "exec"; interval = "1h";
	  command = ["/bin/sh", "-c", "echo '$2'; exit $3"]; }
);
CONF
	} >"$WS/redundancyd.conf"
}

mk_conf warn "DISK WARNING: 91% used" 1
out=$("$RDD" -t -c "$WS/redundancyd.conf")
check "-t prints OK for a valid config" sh -c "echo '$out' | grep -q 'configuration OK'"

# A broken drop-in: the error names the file and the line.
mkdir -p "$WS/conf.d"
printf 'monitors = (\n  { name = "x"; plugin = "exec";\n    interval = true; command = ["/bin/true"]; }\n);\n' >"$WS/conf.d/20-bad.conf"
"$RDD" -t -c "$WS/redundancyd.conf" >"$WS/t.out" 2>&1
rc=$?
check "-t exits non-zero on an error" test "$rc" -ne 0
check "-t names the drop-in file and line" grep -q "conf.d/20-bad.conf:3" "$WS/t.out"
printf 'monitors = ( { name = "y"; plugin = "exec"; command = ["/bin/true"]; bogus = 1; } );\n' >"$WS/conf.d/20-bad.conf"
"$RDD" -t -c "$WS/redundancyd.conf" >"$WS/t.out" 2>&1
check "an unknown plugin option is reported" grep -q "unknown option 'bogus'" "$WS/t.out"
printf 'monitors = ( { name = "z"; plugin = "nosuch"; } );\n' >"$WS/conf.d/20-bad.conf"
"$RDD" -t -c "$WS/redundancyd.conf" >"$WS/t.out" 2>&1
check "an unknown plugin is reported" grep -q "nosuch" "$WS/t.out"
printf 'monitors = ( { name = "dropin"; plugin = "exec"; interval = "1h"; command = ["/bin/true"]; } );\n' >"$WS/conf.d/20-bad.conf"
out=$("$RDD" -t -c "$WS/redundancyd.conf")
check "a drop-in adds a monitor" sh -c "echo '$out' | grep -q '3 monitors'"
rm -f "$WS/conf.d/20-bad.conf"
chmod 0666 "$WS/redundancyd.conf"
"$RDD" -t -c "$WS/redundancyd.conf" >"$WS/t.out" 2>&1
check "a world-writable config is refused" sh -c "test $? -ne 0 && grep -q 'writable by anybody' '$WS/t.out'"
chmod 0644 "$WS/redundancyd.conf"

"$RDD" --once -c "$WS/redundancyd.conf" >"$WS/once.out" 2>&1
rc=$?
check "--once exits with the worst state (1 = WARNING)" test "$rc" -eq 1
check "--once prints the target and its message" grep -q "DISK WARNING: 91% used" "$WS/once.out"
"$RDD" --once ok -c "$WS/redundancyd.conf" >"$WS/once.out" 2>&1
check "--once MONITOR checks that monitor only" sh -c "test $? -eq 0 && ! grep -q warn '$WS/once.out'"
mk_conf crit "PROC CRITICAL" 2
"$RDD" --once -c "$WS/redundancyd.conf" >/dev/null 2>&1
check "--once exits 2 on CRITICAL" test "$?" -eq 2
check "--once wrote no state" test ! -e "$WS/state/state.json"

"$RDD" --plugins -c "$WS/redundancyd.conf" >"$WS/plugins.out" 2>&1
check "--plugins lists exec with its ABI" grep -Eq "exec.so.*ABI 1\.[0-9]+" "$WS/plugins.out"
"$RDD" --plugin-help exec -c "$WS/redundancyd.conf" >"$WS/help.out" 2>&1
check "--plugin-help lists the options" grep -q "check_timeout" "$WS/help.out"
"$RDD" --plugin-help nosuch -c "$WS/redundancyd.conf" >/dev/null 2>&1
check "--plugin-help of an unknown plugin fails" test "$?" -ne 0

# A world-writable plugin is refused and the others still load.
cp "$WS/plugins/exec.so" "$WS/plugins/evil.so"
chmod 0777 "$WS/plugins/evil.so"
"$RDD" --plugins -c "$WS/redundancyd.conf" >"$WS/plugins.out" 2>&1
check "--plugins says why a world-writable file is refused" grep -q "evil.so.*REFUSED.*writable" "$WS/plugins.out"
check "exec still loads beside it" grep -q "^exec.so" "$WS/plugins.out"
rm -f "$WS/plugins/evil.so"

mk_conf warn "DISK WARNING" 1
start_daemon
check "the daemon runs" kill -0 "$DPID"
check "the control socket is mode 0600" sh -c "stat -c %a '$WS/control.sock' | grep -qx 600"
"$RDD" -f -c "$WS/redundancyd.conf" >"$WS/second.out" 2>&1
rc=$?
check "a second instance is refused with exit 3" test "$rc" -eq 3
check "the refusal names the pid" grep -q "already running as pid $DPID" "$WS/second.out"
status_is() {
	ctl status >/dev/null 2>&1
	test "$?" -eq "$1"
}
check "redundancyctl status exits 1 on WARNING" wait_for 10 status_is 1

# Reload: an invalid config keeps the old one running.
cp "$WS/redundancyd.conf" "$WS/good.conf"
mkdir -p "$WS/conf.d"
echo 'monitors = ( { name = "broken"; plugin = "exec"; interval = "soon"; command = ["/bin/true"]; } );' >"$WS/conf.d/50-broken.conf"
ctl reload >"$WS/reload.out" 2>&1
check "an invalid reload is refused" test "$?" -ne 0
check "the refusal names the file" grep -q "50-broken.conf" "$WS/reload.out"
check "the old monitors keep running" sh -c "'$CTL' -s '$WS/control.sock' --json status | grep -q '\"name\":\"warn\"'"
check "the failed reload is journaled" grep -q '"kind":"reload-failed"' "$WS/log/journal.jsonl"
echo 'monitors = ( { name = "added"; plugin = "exec"; interval = "1h"; command = ["/bin/true"]; } );' >"$WS/conf.d/50-broken.conf"
kill -HUP "$DPID"
check "SIGHUP applies a valid config" wait_for 10 sh -c "'$CTL' -s '$WS/control.sock' --json status | grep -q '\"name\":\"added\"'"
check "the reload is journaled" grep -q '"kind":"reload"' "$WS/log/journal.jsonl"

"$CTL" -s "$WS/control.sock" logs -f >"$WS/follow.out" 2>&1 &
follow=$!
check "logs -f is connected" wait_for 10 test -s "$WS/follow.out"
mv "$WS/log/system.log" "$WS/log/system.log.1"
kill -USR1 "$DPID"
check "SIGUSR1 reopens the logs" wait_for 10 test -s "$WS/log/system.log"
check "logs -f streams the new line" wait_for 10 grep -q "SIGUSR1: log files reopened" "$WS/follow.out"

ctl history --since 1h >"$WS/history.out" 2>&1
check "history lists the reload" grep -q "reload" "$WS/history.out"
ctl logs -n 5 >"$WS/logs.out" 2>&1
check "logs shows the system log" grep -q "SIGUSR1" "$WS/logs.out"
check "stop over the control socket" ctl stop
wait "$DPID"
check "the daemon exited 0 with a logs -f client still attached" test "$?" -eq 0
DPID=""
check "the logs -f client ends with the daemon" wait_for 10 sh -c "! kill -0 $follow 2>/dev/null"
wait "$follow" 2>/dev/null
check "the pidfile is gone" test ! -e "$WS/redundancyd.pid"

# Daemon mode: the parent returns once the child listens.
"$RDD" -c "$WS/redundancyd.conf"
check "daemon mode returns 0 once started" test $? -eq 0
dpid=$(cat "$WS/redundancyd.pid")
check "the pidfile names the running daemon" kill -0 "$dpid"
check "it answers at once" ctl logs -n 1
kill -TERM "$dpid"
check "it stops on SIGTERM and removes its pidfile" wait_for 10 test ! -e "$WS/redundancyd.pid"
finish
