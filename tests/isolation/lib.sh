# tests/isolation/lib.sh: shared helpers of the plugin isolation tests
# (issue 8): a misbehaving plugin built out of tree against the installed
# SDK runs beside a 1 s exec monitor that stamps a file; the daemon must
# survive, keep checking the exec monitor on time, and say what happened.
# On top of tests/integration/lib.sh (workspace, daemon, wait_for, check).
. "${top_srcdir:-.}/tests/integration/lib.sh"

# bail MSG: a failure that makes the remaining checks meaningless.
bail() {
	not_ok "$*"
	finish
	exit 1
}

# dwait SECONDS CMD...: wait_for that gives up at once when the daemon's
# process is gone: a dead daemon fails fast instead of burning deadlines.
dwait() {
	limit=$1
	shift
	end=$(($(date +%s%N) / 1000000 + limit * 1000))
	while [ "$(($(date +%s%N) / 1000000))" -lt "$end" ]; do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$DPID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# need_alive WHAT: stop the row when the daemon died (the rest would only
# time out); say how it ended.
need_alive() {
	if ! kill -0 "$DPID" 2>/dev/null; then
		wait "$DPID" 2>/dev/null
		rc=$?
		DPID=""
		bail "the daemon is alive $1 (it ended with status $rc$( [ "$rc" -gt 128 ] && echo ", signal $((rc - 128))"))"
	fi
}

# need_answer WHAT: need_alive, and the control socket answers too.
need_answer() {
	need_alive "$1"
	alive || bail "the daemon answers its control socket $1"
}

# now_ns: wall clock in nanoseconds, the unit of the tick file.
now_ns() {
	date +%s%N
}

# iso_plugins NAME...: `make install` the build tree into $WS/inst, build
# tests/isolation/plugins/NAME.c out of tree against that installed SDK
# (pkg-config, as a third party would), and put the results and the
# build tree's exec.so into $WS/plugins. A build failure is a hard error.
iso_plugins() {
	dest="$WS/inst"
	if ! make -s -C "$B" install DESTDIR="$dest" >"$WS/install.out" 2>&1; then
		cat "$WS/install.out"
		echo "Bail out! make install into $dest failed"
		exit 99
	fi
	pc=$(find "$dest" -name redundancyd-plugin.pc | head -n 1)
	if [ -z "$pc" ]; then
		echo "Bail out! no redundancyd-plugin.pc under $dest"
		exit 99
	fi
	# The .pc file names the final prefix: the sysroot maps it into dest.
	sdk_cflags=$(PKG_CONFIG_PATH="$(dirname "$pc")" \
	    PKG_CONFIG_SYSROOT_DIR="$dest" pkg-config --cflags redundancyd-plugin)
	mkdir -p "$WS/plugins"
	chmod 0755 "$WS/plugins"
	for n in "$@"; do
		# shellcheck disable=SC2086 # sdk_cflags is a list of flags
		if ! ${CC:-cc} -O2 -g -Wall -Wextra -fPIC -fvisibility=hidden \
		    -shared $sdk_cflags -o "$WS/plugins/$n.so" \
		    "$S/tests/isolation/plugins/$n.c" >"$WS/cc-$n.out" 2>&1; then
			cat "$WS/cc-$n.out"
			echo "Bail out! cannot build $n.so against the installed SDK"
			exit 99
		fi
		chmod 0755 "$WS/plugins/$n.so"
	done
	plugins "$WS/plugins" exec || {
		echo "Bail out! no exec.so in the build tree"
		exit 99
	}
}

# iso_conf PLUGIN INTERVAL [DAEMON_KEYS [MONITOR_KEYS]]: the configuration
# of one row: monitor "tick" (exec, 1 s, appends `date +%s%N` to
# $WS/ticks) and monitor "bad" of PLUGIN. HTTP on 127.0.0.1, any port.
iso_conf() {
	: >"$WS/ticks"
	{
		HTTP_LISTEN=127.0.0.1:0 conf_head |
		    sed "s|shutdown_deadline = \"5s\";|shutdown_deadline = \"5s\"; ${3:-}|"
		cat <<CONF
monitors = (
	{ name = "tick"; plugin = "exec"; interval = "1s";
	  command = ["/bin/sh", "-c", "date +%s%N >>'$WS/ticks'; echo 'TICK OK'"]; },
	{ name = "bad"; plugin = "$1"; interval = "$2"; ${4:-} }
);
CONF
	} >"$WS/redundancyd.conf"
}

# iso_listed PLUGIN: --plugins loads PLUGIN.so built against the installed
# SDK (before the daemon runs, so that a failure to build or load is told
# apart from the misbehaviour).
iso_listed() {
	"$RDD" --plugins -c "$WS/redundancyd.conf" >"$WS/plugins.out" 2>&1
	check "--plugins lists $1.so with its name and ABI" \
	    grep -Eq "^$1.so.*$1 0.0.1.*ABI 1\.[0-9]+" "$WS/plugins.out"
}

# iso_start: start the daemon, or give up on the row.
iso_start() {
	"$RDD" -f -c "$WS/redundancyd.conf" >"$WS/daemon.out" 2>&1 &
	DPID=$!
	if ! dwait 10 "$CTL" -s "$WS/control.sock" logs -n 1; then
		sed 's/^/# daemon.out: /' "$WS/daemon.out" | tail -n 5
		need_alive "once started"
		bail "the daemon starts and answers"
	fi
	ok "the daemon starts and answers"
}

# qctl ARGS...: redundancyctl that cannot hang the test on a wedged daemon.
qctl() {
	timeout 5 "$CTL" -s "$WS/control.sock" "$@"
}

# JSON expressions over a status document on stdin: d is the document,
# mon(NAME) a monitor, wk(NAME) a worker, tgt(MON, NAME) a target ({} when
# missing). Exit 0 when the expression is true; 1 otherwise, also when the
# input is no JSON (a dead daemon).
JPY='
import json, sys
try:
    d = json.load(sys.stdin)
except Exception:
    sys.exit(1)
def find(lst, name):
    for x in lst or []:
        if isinstance(x, dict) and x.get("name") == name:
            return x
    return {}
def mon(n):
    return find(d.get("monitors"), n)
def wk(n):
    return find(d.get("workers"), n)
def tgt(m, n):
    return find(mon(m).get("targets"), n)
try:
    r = eval(sys.argv[1])
except Exception as e:
    sys.stderr.write("expression failed: %r\n" % (e,))
    sys.exit(1)
if len(sys.argv) > 2:
    print(r)
sys.exit(0 if r else 1)
'

# st EXPR: EXPR holds for `redundancyctl --json status`.
st() {
	qctl --json status 2>/dev/null | python3 -c "$JPY" "$1"
}

# stv EXPR: print EXPR's value over the status (for messages).
stv() {
	qctl --json status 2>/dev/null | python3 -c "$JPY" "$1" print
}

# http_port: the port the daemon bound, from its "status page on" line.
http_port() {
	sed -n 's|.*status page on http://[^:]*:\([0-9][0-9]*\)/.*|\1|p' \
	    "$WS/log/system.log" 2>/dev/null | tail -n 1
}

# http_get PATH: the body of an HTTP GET to the daemon, whatever the status.
http_get() {
	p=$(http_port)
	[ -n "$p" ] || return 1
	python3 -c '
import sys, urllib.request, urllib.error
try:
    body = urllib.request.urlopen(sys.argv[1], timeout=5).read()
except urllib.error.HTTPError as e:
    body = e.read()
sys.stdout.write(body.decode("utf-8", "replace"))
' "http://127.0.0.1:$p$1"
}

# hj EXPR: EXPR holds for /health.
hj() {
	http_get /health 2>/dev/null | python3 -c "$JPY" "$1"
}

# jcount KIND [TEXT]: journal records of KIND that mention TEXT.
jcount() {
	grep -F "\"kind\":\"$1\"" "$WS/log/journal.jsonl" 2>/dev/null |
	    grep -cF -- "${2:-}"
}

# jhas KIND [TEXT] / jmore KIND TEXT N: at least one / more than N records.
jhas() {
	[ "$(jcount "$@")" -ge 1 ]
}
jmore() {
	[ "$(jcount "$1" "$2")" -gt "$3" ]
}

# jmsg KIND TEXT REGEX: a record of KIND mentioning TEXT has a msg that
# matches REGEX (Python re.search).
jmsg() {
	python3 -c '
import json, re, sys
kind, text, rx = sys.argv[2:5]
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    if r.get("kind") == kind and text in line and re.search(rx, r.get("msg") or ""):
        sys.exit(0)
sys.exit(1)
' "$WS/log/journal.jsonl" "$1" "$2" "$3"
}

# alive: the daemon's process exists and its control socket answers.
alive() {
	kill -0 "$DPID" 2>/dev/null &&
	    qctl --json status 2>/dev/null | python3 -c "$JPY" 'mon("tick")'
}

# status_names WORD...: the text status names every WORD.
status_names() {
	out=$(qctl status 2>&1)
	for w in "$@"; do
		case $out in
		*"$w"*) ;;
		*) return 1 ;;
		esac
	done
}

# gaps_ok FROM_NS TO_NS: the exec monitor's stamps cover [FROM, TO] with
# no gap over 2 s (two intervals), counting the edges of the window: a
# daemon that stops checking fails as surely as one that stalls. Prints
# the worst gap.
gaps_ok() {
	python3 -c '
import sys
lo, hi = int(sys.argv[2]), int(sys.argv[3])
ts = []
for line in open(sys.argv[1]):
    line = line.strip()
    if line.isdigit():
        ts.append(int(line))
ts.sort()
inside = [t for t in ts if lo <= t <= hi]
before = [t for t in ts if t < lo]
pts = ([before[-1]] if before else [lo]) + inside + [hi]
worst = max(b - a for a, b in zip(pts, pts[1:]))
print("# %d checks of tick in a %.1f s window, worst gap %.2f s"
      % (len(inside), (hi - lo) / 1e9, worst / 1e9))
sys.exit(0 if worst <= 2 * 10**9 else 1)
' "$WS/ticks" "$1" "$2"
}

# observe FROM_NS SECONDS: let the window run to FROM + SECONDS (the one
# sleep that is no synchronisation: the window is what is measured).
observe() {
	end=$(($1 + $2 * 1000000000))
	now=$(now_ns)
	if [ "$now" -lt "$end" ]; then
		sleep "$(((end - now) / 1000000000)).$(printf '%09d' $(((end - now) % 1000000000)))"
	fi
}

# survives FROM_NS: the common end of every row: the daemon is alive and
# answers, and the exec monitor was checked on time from FROM to now.
survives() {
	to=$(now_ns)
	check "the daemon survives (pid $DPID alive, status answers)" alive
	check "the exec monitor kept its 1 s cadence (no gap over 2 s)" gaps_ok "$1" "$to"
	check "the exec monitor is still OK" st 'mon("tick").get("state_name") == "OK"'
}

# rss_kib PID: resident set of a process in KiB (0 when gone).
rss_kib() {
	awk '/^VmRSS:/ { print $2; f = 1 } END { if (!f) print 0 }' \
	    "/proc/$1/status" 2>/dev/null || echo 0
}

# crash_row PLUGIN MESSAGE_REGEX FAILURE_WORD: the crash checks shared by
# bad_segv and bad_exit. Sets T0 to the first crash; leaves the worker
# quarantined.
crash_row() {
	plugin=$1 rx=$2 word=$3
	check "the first crash is journaled (worker-crash, $plugin)" \
	    dwait 15 jhas worker-crash "$plugin"
	T0=$(now_ns)
	need_alive "after the first crash"
	check "the crash record says what happened: /$rx/" \
	    jmsg worker-crash "$plugin" "$rx"
	check "the daemon survives the crash" alive
	check "bad reported t OK before misbehaving" \
	    grep -q "t: UNKNOWN -> OK" "$WS/log/bad.log"
	check "monitor bad is UNKNOWN and names the plugin and the monitor" \
	    dwait 5 st 'mon("bad").get("state_name") == "UNKNOWN" and "'"$plugin"'" in mon("bad").get("message", "") and "monitor bad" in mon("bad").get("message", "")'
	check "the worker is restarted after the crash" \
	    dwait 15 st 'wk("'"$plugin"'").get("restarts", 0) >= 1'
	check "3 crashes quarantine the worker (worker-quarantine)" \
	    dwait 30 jhas worker-quarantine "$plugin"
	check "it took 3 crashes, each journaled" \
	    test "$(jcount worker-crash "$plugin")" -ge 3
	check "status: worker $plugin is quarantined" \
	    dwait 5 st 'wk("'"$plugin"'").get("state") == "quarantined"'
	stv 'wk("'"$plugin"'")' | sed 's/^/# worker: /'
	check "status: the worker object has every field" \
	    st 'set(["name", "plugin", "user", "pid", "state", "crashes", "restarts", "last_failure", "rss_bytes", "slow_callbacks"]) <= set(wk("'"$plugin"'"))'
	check "status: worker plugin is $plugin, crashes >= 3" \
	    st 'wk("'"$plugin"'").get("plugin") == "'"$plugin"'" and wk("'"$plugin"'").get("crashes", 0) >= 3'
	check "status: last_failure says $word" \
	    st '"'"$word"'" in (wk("'"$plugin"'").get("last_failure") or "")'
	check "status: monitor bad runs in worker $plugin" \
	    st 'mon("bad").get("worker") == "'"$plugin"'"'
	check "status: monitor bad stays UNKNOWN while quarantined" \
	    st 'mon("bad").get("state_name") == "UNKNOWN"'
	check "status: the exec worker runs, apart from the daemon" \
	    st 'wk("exec").get("state") == "running" and mon("tick").get("worker") == "exec" and wk("exec").get("pid") not in (None, '"$DPID"')'
	check "the text status names the plugin, the monitor and the quarantine" \
	    status_names "$plugin" bad quarantined
	check "no other worker was touched" \
	    st 'wk("exec").get("crashes") == 0 and wk("exec").get("restarts") == 0'
}

# iso_stop [WHAT]: SIGTERM the daemon; it exits 0 and takes its workers
# with it (any left are killed by pid, and fail the row).
iso_stop() {
	wpids=$(stv '" ".join(str(w["pid"]) for w in d.get("workers") or [] if isinstance(w.get("pid"), int) and w["pid"] > 0)' 2>/dev/null)
	check "the daemon stops cleanly${1:+ $1}" stop_daemon
	if [ -n "$wpids" ]; then
		check "its workers ($wpids) exit with it" wait_for 10 sh -c "
			for p in $wpids; do kill -0 \$p 2>/dev/null && exit 1; done
			exit 0"
		for p in $wpids; do
			kill -KILL "$p" 2>/dev/null
		done
	fi
}
