#!/bin/sh
# initscript: the LSB init script (etc/redundancyd.init, as built) beside a
# second instance and a `redundancyd --once` run: start tests the config
# and fails with its message, stop and restart act only on the pid its
# pidfile's lock proves, a stale pidfile naming another instance is left
# alone, status answers as LSB says, reload tests the config first.
. "${top_srcdir:-.}/tests/integration/lib.sh"

INIT="$B/etc/redundancyd"
[ -r /lib/lsb/init-functions ] || { echo "SKIP: /lib/lsb/init-functions missing"; exit 77; }
command -v start-stop-daemon >/dev/null || { echo "SKIP: start-stop-daemon missing"; exit 77; }
plugins "$WS/plugins" exec || exit 99
mkdir -p "$WS/a" "$WS/b"
# head DIR: a daemon block of its own under $WS/DIR.
head() {
	cat <<CONF
daemon: { plugin_dir = "$WS/plugins"; state_dir = "$WS/$1/state";
	log_dir = "$WS/$1/log"; control_socket = "$WS/$1/control.sock";
	http = { listen = ""; }; startup_delay = "0"; shutdown_deadline = "3s"; };
CONF
}
{
	head a
	echo 'monitors = ( { name = "ok"; plugin = "exec"; interval = "1s"; command = ["/bin/true"]; } );'
} >"$WS/a.conf"
{
	head b
	cat <<CONF
monitors = (
	{ name = "ok"; plugin = "exec"; interval = "1s"; command = ["/bin/true"]; },
	{ name = "gate"; plugin = "exec"; interval = "1h"; timeout = "2m";
	  command = ["/bin/sh", "-c", "while [ ! -e '$WS/gate' ]; do sleep 0.05; done; echo 'GATE OK'"]; }
);
CONF
} >"$WS/b.conf"
printf 'monitors = ( { name = "x"; plugin = "exec"; interval = "1s"; command = ["/bin/true"]; ' >"$WS/bad.conf"
PIDA="$WS/run/a.pid"
cat >"$WS/default" <<DEF
DAEMON="$RDD"
CONFIG="$WS/a.conf"
PIDFILE="$PIDA"
STOP_TIMEOUT=10
DEF
REDUNDANCYD_DEFAULTS="$WS/default"
export REDUNDANCYD_DEFAULTS
init() {
	sh "$INIT" "$@" >"$WS/init.out" 2>&1
}
alive() { kill -0 "$1" 2>/dev/null; }
EXTRA_CLEANUP='touch "$WS/gate"; [ -n "${BPID:-}" ] && kill -TERM "$BPID" 2>/dev/null; [ -s "$PIDA" ] && kill -TERM "$(cat "$PIDA")" 2>/dev/null'

init status
check "status before start: 3 (not running)" test $? -eq 3

# A bad configuration: start fails with its message; nothing runs.
sed -i "s|$WS/a.conf|$WS/bad.conf|" "$WS/default"
init start
check "start with a bad config fails (6: not configured)" test $? -eq 6
check "and prints the config error with its file and line" grep -q "$WS/bad.conf:1" "$WS/init.out"
init status
check "nothing was started" test $? -eq 3
sed -i "s|$WS/bad.conf|$WS/a.conf|" "$WS/default"

# Instance A through the script, B and a --once run beside it.
check "start" init start
A=$(cat "$PIDA" 2>/dev/null)
check "the pidfile's directory was made and holds A's pid" alive "$A"
check "A answers" "$CTL" -s "$WS/a/control.sock" ping
"$RDD" -c "$WS/b.conf" -p "$WS/b.pid" >"$WS/b.out" 2>&1
BPID=$(cat "$WS/b.pid" 2>/dev/null)
check "instance B runs" alive "$BPID"
"$RDD" --once gate -c "$WS/b.conf" >"$WS/once.out" 2>&1 &
ONCE=$!
check "the --once run is waiting in its check" wait_for 10 sh -c "pgrep -P $ONCE >/dev/null"
init status
check "status: 0 (running)" test $? -eq 0
check "start again: already running, exit 0" init start
check "and says so" grep -q "already running (pid $A)" "$WS/init.out"
check "A has the same pid" test "$(cat "$PIDA")" = "$A"

# reload: HUP to A only, after the config test.
check "reload" init reload
check "A reloaded" wait_for 10 grep -qi "reload" "$WS/a/log/system.log"
cp "$WS/a.conf" "$WS/a.good"
cat "$WS/bad.conf" >"$WS/a.conf"
init reload
check "reload with a bad config: 6, nothing sent" test $? -eq 6
init restart
check "restart with a bad config: 6" test $? -eq 6
check "and A kept running" alive "$A"
cp "$WS/a.good" "$WS/a.conf"

# stop: A and its workers go; B, its workers and --once stay.
check "stop" init stop
check "A is gone" wait_for 10 sh -c "! kill -0 $A 2>/dev/null"
check "B still runs" alive "$BPID"
check "B still answers" "$CTL" -s "$WS/b/control.sock" ping
check "the --once run still runs" alive "$ONCE"
init stop
check "stop when stopped: 0" test $? -eq 0

# A stale pidfile naming a live redundancyd (B) is not ours.
mkdir -p "$WS/run"
echo "$BPID" >"$PIDA"
init status
check "status with a stale pidfile: 1" test $? -eq 1
check "stop with a stale pidfile: 0" init stop
check "and B was not touched" alive "$BPID"
check "restart starts a new A" init restart
A2=$(cat "$PIDA" 2>/dev/null)
check "a new A, not B" sh -c "[ -n '$A2' ] && [ '$A2' != '$BPID' ] && kill -0 '$A2'"
check "stop A again" init stop
check "B still runs after all of it" alive "$BPID"

touch "$WS/gate"
wait "$ONCE"
check "the --once run finished on its own: OK" test $? -eq 0
kill -TERM "$BPID"
check "B stops on its own SIGTERM" wait_for 15 sh -c "! kill -0 $BPID 2>/dev/null"
BPID=""
finish
