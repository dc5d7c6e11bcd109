#!/bin/sh
# demo_cleanup: scripts/demo, run as a newcomer would (its own process
# group, as in a terminal), is stopped by Ctrl-C (SIGINT to the group)
# halfway through its PM2 scenes: it exits 0, prints the incident journal
# of the run, and leaves nothing behind: no process of its session, not
# PM2's God daemon (which runs in a session of its own) nor its apps, not
# the exec worker (setsid), and every port it listened on is free. Then
# once more, Ctrl-C after all its scenes played (the scenes' shell is gone
# by then: the clean-up used to stop at it, exit 1 and leave the rest).
. "${top_srcdir:-.}/tests/integration/lib.sh"

need() {
	if ! command -v "$1" >/dev/null 2>&1 && [ ! -x "$1" ]; then
		echo "$1 missing: scripts/bootstrap installs it"
		# In CI a missing tool is a failure, never a skip.
		[ "${CI:-}" = "true" ] && exit 1
		exit 77
	fi
}
need node
need python3
need setsid
need ss
need "$S/node_modules/.bin/pm2"

# alive PID: PID runs (a zombie does not: it ended, its parent has not
# reaped it yet).
alive() {
	case "$(ps -o stat= -p "$1" 2>/dev/null)" in
	'' | Z*) return 1 ;;
	esac
	return 0
}

port_free() {
	! ss -Hltn "sport = :$1" | grep -q .
}

# Three free ports in a row for the PM2 scenes (api, backup-api, worker),
# away from the demo's default 3710 so that a demo running beside us is
# never touched.
P=$((20000 + $$ % 20000))
while ! { port_free $P && port_free $((P + 1)) && port_free $((P + 2)); }; do
	P=$((P + 3))
done

OUT="$WS/demo.out"
# As a shell starts a foreground job: SIGINT at its default. (A job this
# script starts with & would ignore SIGINT, and a shell cannot trap what it
# was started ignoring: the demo would never see the Ctrl-C.)
DEMO_BUILD="$B" DEMO_SCENES="alerts exec pm2 netlify" DEMO_PM2_PORT=$P \
    TMPDIR="$WS" setsid env --default-signal=INT "$S/scripts/demo" >"$OUT" 2>&1 &
DEMO=$!
# If a check below fails half-way: the demo's own SIGTERM clean-up ends
# what it started. ($DEMO is cleared once reaped: its pid is free then.)
EXTRA_CLEANUP='[ -z "$DEMO" ] || { kill -TERM "$DEMO"; wait "$DEMO"; } 2>/dev/null'
check "the demo leads a process group of its own" \
    test "$(ps -o pgid= -p "$DEMO" | tr -d ' ')" = "$DEMO"

workspace() {
	DWS=$(sed -n 's/^ *redundancyd demo workspace: //p' "$OUT")
	[ -n "$DWS" ]
}
check "the demo makes its workspace" wait_for 60 workspace
J="$DWS/log/journal.jsonl"
check "the exec scene: the worker is repaired" \
    wait_for 60 grep -q '"kind":"recovered","monitor":"worker"' "$J"
check "the pm2 scene 1: PM2's worker is restarted" \
    wait_for 60 grep -q '"kind":"recovered","monitor":"pm2","target":"worker"' "$J"
# Scene 2 is under way: a port squatter and pm2 commands run in the
# background, the api crash-loops.
check "the pm2 scene 2 starts" wait_for 30 grep -q 'scene 2:' "$OUT"
check "...its port squatter runs" wait_for 10 test -s "$DWS/pm2-squatter.pid"

# What the demo started, recorded before Ctrl-C: its session's processes,
# PM2's God daemon and apps, the exec worker; the ports they listen on.
GOD=$(cat "$DWS/pm2/pm2.pid")
check "PM2's God daemon runs ($GOD)" alive "$GOD"
APPS=$(ps -o pid= --ppid "$GOD" | tr -d ' ' | tr '\n' ' ')
check "PM2's apps run (${APPS})" test -n "$APPS"
WORKER=$(cat "$DWS/exec/app.pid")
check "the exec worker runs ($WORKER)" alive "$WORKER"
SESSION=$(ps -eo pid=,sid= | awk -v s="$DEMO" '$2 == s { print $1 }' | tr '\n' ' ')
# The daemon runs in a session of its own, its workers with it.
RDDPID=$(cat "$DWS/redundancyd.pid")
check "the daemon runs ($RDDPID)" alive "$RDDPID"
DAEMON=$(ps -eo pid=,sid= | awk -v s="$RDDPID" '$2 == s { print $1 }' | tr '\n' ' ')
RECORDED="$SESSION $DAEMON $GOD $APPS $WORKER"
PORTS="$P $((P + 2)) $(cat "$DWS/netlify/port") $(cat "$DWS/alerts/hook.port")"
[ -s "$DWS/alerts/smtp.port" ] && PORTS="$PORTS $(cat "$DWS/alerts/smtp.port")"
HTTP=$(sed -n 's/.*status page on http:\/\/127.0.0.1:\([0-9]*\)\/.*/\1/p' "$DWS/log/system.log" | head -n 1)
PORTS="$PORTS $HTTP"
check "the demo listens on $PORTS" wait_for 10 sh -c "for p in $PORTS; do ss -Hltn \"sport = :\$p\" | grep -q . || exit 1; done"

# Ctrl-C in the terminal: SIGINT to the whole foreground process group.
kill -INT -- -"$DEMO"
check "the demo ends after Ctrl-C" wait_for 60 sh -c "! ps -o stat= -p $DEMO | grep -qv Z"
wait "$DEMO"
rc=$?
DEMO=""
check "...with status 0 (got $rc)" test "$rc" -eq 0
check "it printed the incident journal of the run" \
    grep -q '^demo: the incident journal of this run' "$OUT"
check "...with the detections and repairs in it" sh -c \
    "sed -n '/the incident journal of this run/,\$p' '$OUT' | grep -q ' recovered  *pm2/worker: healthy again'"
check "...and no worker crashed of the Ctrl-C" sh -c \
    "! sed -n '/the incident journal of this run/,\$p' '$OUT' | grep -q 'crashed'"
left=""
for p in $RECORDED; do
	alive "$p" && left="$left $p($(ps -o args= -p "$p" | cut -c1-60))"
done
check "no process it started is left:${left:- none}" test -z "$left"
check "PM2's God daemon is gone" sh -c "! ps -o stat= -p $GOD | grep -qv Z"
# (A zombie has ended: only its pid waits for init to reap it.)
in_session=$(ps -eo sid=,pid=,stat=,args= | awk -v s="$DEMO" '$1 == s && $3 !~ /^Z/' | cut -c1-80)
check "nothing is left in the demo's session${in_session:+: $in_session}" \
    test -z "$in_session"
busy=""
for p in $PORTS $((P + 1)); do
	port_free "$p" || busy="$busy $p"
done
check "every port it listened on is free:${busy:- yes}" test -z "$busy"
check "its workspace is removed" test ! -e "$DWS"
[ "$fails" -eq 0 ] || tail -n 40 "$OUT"

# Once more, Ctrl-C after the last scene, with the exec scene alone.
OUT="$WS/demo2.out"
DEMO_BUILD="$B" DEMO_SCENES="exec" TMPDIR="$WS" setsid env --default-signal=INT "$S/scripts/demo" \
    >"$OUT" 2>&1 &
DEMO=$!
RECORDED=""
check "the short demo makes its workspace" wait_for 60 workspace
check "...and plays all its scenes" \
    wait_for 60 grep -q '^demo: the daemon keeps watching; Ctrl-C to stop' "$OUT"
WORKER=$(cat "$DWS/exec/app.pid")
SESSION=$(ps -eo pid=,sid= | awk -v s="$DEMO" '$2 == s { print $1 }' | tr '\n' ' ')
RECORDED="$SESSION $WORKER"
check "the exec worker runs ($WORKER)" alive "$WORKER"
kill -INT -- -"$DEMO"
check "the demo ends after Ctrl-C" wait_for 60 sh -c "! ps -o stat= -p $DEMO | grep -qv Z"
wait "$DEMO"
rc=$?
DEMO=""
check "...with status 0 (got $rc)" test "$rc" -eq 0
check "it printed the incident journal of the run" sh -c \
    "sed -n '/the incident journal of this run/,\$p' '$OUT' | grep -q ' recovered  *worker/worker: healthy again'"
left=""
for p in $RECORDED; do
	alive "$p" && left="$left $p($(ps -o args= -p "$p" | cut -c1-60))"
done
check "no process it started is left:${left:- none}" test -z "$left"
check "its workspace is removed" test ! -e "$DWS"
[ "$fails" -eq 0 ] || tail -n 40 "$OUT"

# SIGTERM to the demo alone (as a service manager or `kill PID` sends it):
# the same clean end, the daemon stopped by the demo.
OUT="$WS/demo3.out"
DEMO_BUILD="$B" DEMO_SCENES="exec" TMPDIR="$WS" setsid env --default-signal=INT "$S/scripts/demo" \
    >"$OUT" 2>&1 &
DEMO=$!
RECORDED=""
check "the third demo makes its workspace" wait_for 60 workspace
check "...and its daemon answers" wait_for 30 "$CTL" -s "$DWS/control.sock" logs -n 1
WORKER=$(cat "$DWS/exec/app.pid")
SESSION=$(ps -eo pid=,sid= | awk -v s="$DEMO" '$2 == s { print $1 }' | tr '\n' ' ')
RECORDED="$SESSION $WORKER"
kill -TERM "$DEMO"
check "the demo ends after SIGTERM" wait_for 60 sh -c "! ps -o stat= -p $DEMO | grep -qv Z"
wait "$DEMO"
rc=$?
DEMO=""
check "...with status 0 (got $rc)" test "$rc" -eq 0
check "it printed the incident journal of the run" sh -c \
    "sed -n '/the incident journal of this run/,\$p' '$OUT' | grep -q ' start  *-: redundancyd started'"
left=""
for p in $RECORDED; do
	alive "$p" && left="$left $p($(ps -o args= -p "$p" | cut -c1-60))"
done
check "no process it started is left:${left:- none}" test -z "$left"
# (A zombie has ended: only its pid waits for init to reap it.)
in_session=$(ps -eo sid=,pid=,stat=,args= | awk -v s="$DEMO" '$1 == s && $3 !~ /^Z/' | cut -c1-80)
check "nothing is left in the demo's session${in_session:+: $in_session}" \
    test -z "$in_session"
[ "$fails" -eq 0 ] || tail -n 40 "$OUT"
finish
