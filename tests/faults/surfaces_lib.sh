# surfaces_lib.sh: what the flood scripts share on top of the integration
# lib.sh: a daemon with one trivial monitor and HTTP on, started under a
# descriptor limit, its HTTP port, its CPU time, and timed status calls.

FLOOD="$S/tests/faults/flood.py"
PORT=""

# surfaces_conf: HTTP on any free loopback port, one exec monitor of /bin/true.
surfaces_conf() {
	plugins "$WS/plugins" exec || return 1
	{
		HTTP_LISTEN=127.0.0.1:0 conf_head
		cat <<CONF
monitors = (
	{ name = "true"; plugin = "exec"; interval = "1s";
	  command = ["/bin/true"]; }
);
CONF
	} >"$WS/redundancyd.conf"
}

# start_limited FDS: the daemon in the foreground with ulimit -n FDS; sets
# DPID and PORT (from the "status page on" line of system.log).
start_limited() {
	(ulimit -n "$1" && exec "$RDD" -f -c "$WS/redundancyd.conf") \
	    >"$WS/daemon.out" 2>&1 &
	DPID=$!
	wait_for 10 "$CTL" -s "$WS/control.sock" logs -n 1 || return 1
	wait_for 10 grep -q "status page on http://127.0.0.1:" \
	    "$WS/log/system.log" || return 1
	PORT=$(sed -n 's|.*status page on http://127.0.0.1:\([0-9]*\)/.*|\1|p' \
	    "$WS/log/system.log" | tail -n 1)
	[ -n "$PORT" ]
}

# cpu_ticks: the daemon's utime + stime, in clock ticks.
cpu_ticks() {
	# The command name may hold spaces: count fields after its ')'.
	sed 's/.*) //' "/proc/$DPID/stat" | awk '{ print $12 + $13 }'
}

# http_is CODE METHOD PATH: one request answers with status CODE.
http_is() {
	python3 "$FLOOD" fetch "$2" "127.0.0.1:$PORT" "$3" 2>/dev/null |
	    grep -q "^status=$1 "
}

# status_within MS: redundancyctl status exits 0 within MS milliseconds.
status_within() {
	# sh has no locals: these names are the lib's own.
	sl_t0=$(($(date +%s%N) / 1000000))
	timeout 20 "$CTL" -s "$WS/control.sock" status >/dev/null 2>&1
	sl_rc=$?
	sl_ms=$(($(date +%s%N) / 1000000 - sl_t0))
	echo "# redundancyctl status: exit $sl_rc in $sl_ms ms"
	[ "$sl_rc" -eq 0 ] && [ "$sl_ms" -lt "$1" ]
}

# log_bytes: everything the daemon wrote: its log directory and stderr.
log_bytes() {
	cat "$WS"/log/* "$WS/daemon.out" 2>/dev/null | wc -c
}
