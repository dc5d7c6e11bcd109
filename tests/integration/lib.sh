# lib.sh: shared helpers of the integration tests: a scratch workspace, the
# daemon started in the foreground, and polls with deadlines (never sleeps
# as synchronisation).
set -u

B=${top_builddir:-.}
S=${top_srcdir:-.}
B=$(cd "$B" && pwd)
S=$(cd "$S" && pwd)
RDD="$B/redundancyd"
CTL="$B/redundancyctl"
WS=$(mktemp -d "${TMPDIR:-/tmp}/rdd-it.XXXXXX")
chmod 0755 "$WS"
DPID=""
fails=0
passes=0
failed=""

cleanup() {
	if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
		kill -TERM "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
	fi
	[ -n "${EXTRA_CLEANUP:-}" ] && eval "$EXTRA_CLEANUP"
	if [ "$fails" -ne 0 ] && [ -d "$WS/log" ]; then
		for f in "$WS"/log/*; do
			echo "--- $f"
			tail -n 40 "$f"
		done
	fi
	# Last, so a CI excerpt that keeps only the ends still names them.
	[ "$fails" -eq 0 ] || printf 'failed checks:%s\n' "$failed"
	[ -n "${KEEP_WS:-}" ] || rm -rf "$WS"
}
trap cleanup EXIT

ok() {
	passes=$((passes + 1))
	echo "ok - $*"
}

not_ok() {
	fails=$((fails + 1))
	failed="$failed
  not ok - $*"
	echo "not ok - $*"
}

check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# wait_for SECONDS CMD...: poll CMD every 50 ms until it succeeds.
wait_for() {
	limit=$1
	shift
	end=$(($(date +%s%N) / 1000000 + limit * 1000))
	while [ "$(($(date +%s%N) / 1000000))" -lt "$end" ]; do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# plugins DIR NAME...: copy built plugins into a private plugin directory.
plugins() {
	dir=$1
	shift
	mkdir -p "$dir"
	chmod 0755 "$dir"
	for p in "$@"; do
		cp "$B/plugins/$p/.libs/$p.so" "$dir/" || return 1
		chmod 0755 "$dir/$p.so"
	done
}

# conf_head: the daemon group for a workspace; monitors follow.
conf_head() {
	cat <<CONF
daemon: {
	plugin_dir = "$WS/plugins";
	state_dir = "$WS/state";
	log_dir = "$WS/log";
	control_socket = "$WS/control.sock";
	pidfile = "$WS/redundancyd.pid";
	http = { listen = "${HTTP_LISTEN:-}"; };
	startup_delay = "0";
	shutdown_deadline = "5s";
};
recovery: { max_attempts = 3; delay = "100ms"; backoff = 2.0; cooldown = "1m"; };
CONF
}

start_daemon() {
	"$RDD" -f -c "$WS/redundancyd.conf" "$@" >"$WS/daemon.out" 2>&1 &
	DPID=$!
	# logs answers 0 whenever the daemon is up, whatever its health.
	wait_for 10 "$CTL" -s "$WS/control.sock" logs -n 1
}

ctl() {
	"$CTL" -s "$WS/control.sock" "$@"
}

stop_daemon() {
	kill -TERM "$DPID" 2>/dev/null
	wait "$DPID"
	rc=$?
	DPID=""
	return $rc
}

finish() {
	echo "$passes passed, $fails failed"
	[ "$fails" -eq 0 ]
}
