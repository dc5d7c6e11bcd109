# alerts_lib.sh: helpers of the alerts delivery tests: loopback HTTP and
# SMTP receivers (python3, aiosmtpd) started in the workspace, and a
# daemon whose only monitor never fails.
PY3=/usr/bin/python3
[ -x "$PY3" ] || PY3=python3
SINKS=""
EXTRA_CLEANUP='for p in $SINKS; do kill "$p" 2>/dev/null; done'

need_aiosmtpd() {
	if ! "$PY3" -c 'import aiosmtpd' 2>/dev/null; then
		echo "python3-aiosmtpd missing: scripts/bootstrap installs it"
		# In CI a missing tool is a failure, never a skip.
		[ "${CI:-}" = "true" ] && exit 1
		exit 77
	fi
}

# http_sink NAME [ARGS...]: log in $WS/NAME.log, port in $WS/NAME.port.
http_sink() {
	n=$1
	shift
	"$PY3" "$S/tests/integration/alert_sink.py" --port-file "$WS/$n.port" \
	    --log "$WS/$n.log" "$@" &
	SINKS="$SINKS $!"
	wait_for 10 test -s "$WS/$n.port" || return 1
	: >>"$WS/$n.log"
}

smtp_sink() {
	"$PY3" "$S/tests/integration/smtp_sink.py" --port-file "$WS/smtp.port" \
	    --log "$WS/smtp.log" "$@" 2>"$WS/smtp.err" &
	SINKS="$SINKS $!"
	wait_for 10 test -s "$WS/smtp.port"
}

# alerts_conf RECEIVERS: the daemon, one quiet monitor, the receivers.
# The route (which the engine requires) holds the engine's own alerts
# (daemon started, reloaded) back for an hour: the tests count only what
# `alerts test` queues.
alerts_conf() {
	plugins "$WS/plugins" exec || return 1
	first=$(printf '%s\n' "$1" | sed -n 's/.*name = "\([^"]*\)".*/\1/p' | head -n 1)
	{
		conf_head
		cat <<CONF
monitors = ( { name = "quiet"; plugin = "exec"; interval = "10s";
	command = ["/bin/true"]; } );
alerts = {
	receivers = (
$1
	);
	route = { receivers = [ "$first" ]; group_wait = "1h";
		group_interval = "1h"; };
};
CONF
	} >"$WS/redundancyd.conf"
}

# lines FILE: the number of lines, 0 when missing.
lines() {
	if [ -f "$1" ]; then wc -l <"$1" | tr -d ' '; else echo 0; fi
}

# ok_count LOG: requests answered 200.
ok_count() {
	"$PY3" -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if not json.loads(l)["down"]))' "$1"
}

at_least() {
	[ "$($1 "$2")" -ge "$3" ]
}
