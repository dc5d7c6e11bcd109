#!/bin/sh
# ctl_basic.sh: redundancyctl's exit codes and messages without a daemon:
# an unreachable socket (3), usage errors (64), -V and -h (0).
# Needs REDUNDANCYCTL (the binary); defaults to $top_builddir/redundancyctl.

CTL=${REDUNDANCYCTL:-${top_builddir:-.}/redundancyctl}
if [ ! -x "$CTL" ]; then
	echo "ctl_basic: $CTL is not an executable: set REDUNDANCYCTL" >&2
	exit 99
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ctlbasic.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
sock="$tmp/missing.sock"
fails=0

# expect WANT_RC PATTERN_IN_STDERR_OR_STDOUT ARGS...
expect() {
	want=$1 pat=$2
	shift 2
	"$CTL" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL: redundancyctl $*: exit $rc, want $want" >&2
		cat "$tmp/err" >&2
		fails=$((fails + 1))
		return
	fi
	if [ -n "$pat" ] && ! grep -qF -- "$pat" "$tmp/out" "$tmp/err"; then
		echo "FAIL: redundancyctl $*: no '$pat' in the output:" >&2
		cat "$tmp/out" "$tmp/err" >&2
		fails=$((fails + 1))
		return
	fi
	echo "ok: redundancyctl $* -> $rc"
}

unreach="redundancyctl: cannot connect to $sock: No such file or directory: is redundancyd running? (-s to choose the socket)"

# unreachable daemon: 3 for every command, one clear message
expect 3 "$unreach" -s "$sock" status
expect 3 "$unreach" -s "$sock" health pm2
expect 3 "$unreach" -s "$sock" --json status
expect 3 "$unreach" -s "$sock" reload
expect 3 "$unreach" -s "$sock" recover pm2 api
expect 3 "$unreach" -s "$sock" history --since 1h
expect 3 "$unreach" -s "$sock" logs pm2 -n 10
expect 3 "$unreach" -s "$sock" run-workflow gh deploy.yml build
expect 3 "$unreach" -s "$sock" stop
expect 3 "$unreach" -s "$sock" config history
expect 3 "$unreach" -s "$sock" config rollback 2
expect 3 "$unreach" status -s "$sock"
# the environment names the socket when -s does not
REDUNDANCYD_SOCKET=$sock expect 3 "$unreach" status
# -c: a config that cannot be read names the file and the way out
expect 3 "cannot tell the control socket" -c "$tmp/missing.conf" status
# -s wins over -c, whatever the config
expect 3 "$unreach" -c "$tmp/missing.conf" -s "$sock" status
# a regular file is no socket either
: >"$tmp/file"
expect 3 "cannot connect to $tmp/file" -s "$tmp/file" status

# usage errors: 64, before any connection
expect 64 "usage: redundancyctl" -s "$sock"
expect 64 "unknown command 'bogus'" -s "$sock" bogus
expect 64 "unknown option '--nope'" --nope status
expect 64 "recover: expected MONITOR [TARGET]" -s "$sock" recover
expect 64 "run-workflow: expected MONITOR WORKFLOW [JOB]" -s "$sock" run-workflow gh
expect 64 "status: expected no arguments" -s "$sock" status extra
expect 64 "history: --since 'soon'" -s "$sock" history --since soon
expect 64 "logs: -n 'many'" -s "$sock" logs -n many
expect 64 "logs: -n needs" -s "$sock" logs -n
expect 64 "-s needs a socket path" -s
expect 64 "-c needs a config file" -c
expect 64 "config: expected history, diff N or rollback N" -s "$sock" config
expect 64 "config diff: expected N, a number from redundancyctl config history" -s "$sock" config diff
expect 64 "config rollback: expected N" -s "$sock" config rollback 0
expect 64 "config history: expected no arguments" -s "$sock" config history 3

# version and help: 0
expect 0 "redundancyctl " -V
expect 0 "usage: redundancyctl" -h
expect 0 "usage: redundancyctl" help

if [ "$fails" -ne 0 ]; then
	echo "ctl_basic: $fails failure(s)" >&2
	exit 1
fi
exit 0
