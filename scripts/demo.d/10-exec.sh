# demo.d/10-exec.sh: a plain process watched by the exec plugin with a
# Nagios-style check; the demo kills it and redundancyd starts it again.

demo_exec_setup() {
	mkdir -p "$WS/exec"
	cat >"$WS/exec/app.sh" <<'APP'
#!/bin/sh
echo $$ >"$1/app.pid"
exec sleep 100000
APP
	cat >"$WS/exec/check_app" <<'CHK'
#!/bin/sh
pid=$(cat "$1/app.pid" 2>/dev/null)
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
	echo "PROCS OK: worker running as pid $pid | procs=1;;1;0"
	exit 0
fi
echo "PROCS CRITICAL: worker is not running | procs=0;;1;0"
exit 2
CHK
	cat >"$WS/exec/start_app" <<'STA'
#!/bin/sh
setsid "$1/app.sh" "$1" </dev/null >/dev/null 2>&1 &
i=0
while [ $i -lt 50 ] && ! kill -0 "$(cat "$1/app.pid" 2>/dev/null)" 2>/dev/null; do
	sleep 0.1; i=$((i + 1))
done
echo "worker started"
STA
	chmod +x "$WS/exec/app.sh" "$WS/exec/check_app" "$WS/exec/start_app"
	"$WS/exec/start_app" "$WS/exec" >/dev/null
}

demo_exec_conf() {
	cat <<CONF
	{ name = "worker"; plugin = "exec"; interval = "2s";
	  command = ["$WS/exec/check_app", "$WS/exec"];
	  recover = ( ["$WS/exec/start_app", "$WS/exec"] ); }
CONF
}

demo_exec_chaos() {
	sleep 4
	echo "demo: [exec] killing the worker (kill -9 $(cat "$WS/exec/app.pid"))"
	kill -9 "$(cat "$WS/exec/app.pid")" 2>/dev/null || true
	sleep 6
}

# The worker runs in a session of its own (setsid): out of reach of
# Ctrl-C, so ended here, by the pid it wrote (the last start's). The pid
# may be one the demo killed a moment ago: only a session leader of that
# pid is the worker, never whoever got the number since.
demo_exec_cleanup() {
	pid=$(cat "$WS/exec/app.pid" 2>/dev/null || true)
	case "$pid" in
	'' | *[!0-9]*) return 0 ;;
	esac
	[ "$(ps -o sid= -p "$pid" 2>/dev/null | tr -d ' ')" = "$pid" ] &&
	    demo_end "$pid"
	return 0
}
