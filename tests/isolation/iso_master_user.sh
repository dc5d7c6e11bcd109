#!/bin/sh
# iso_master_user: when every monitor runs as daemon.user, the master drops
# to that account too (after binding its sockets); it keeps working, refuses
# a reload that needs another account, and stays root, saying why, when its
# directories are not writable by that user.
. "${top_srcdir:-.}/tests/integration/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root to start as root and drop to nobody"
	[ "${CI:-}" = true ] && exit 99
	exit 77
fi
plugins "$WS/plugins" exec
NOBODY=$(id -u nobody)

# write_conf EXTRA_MONITOR: daemon.user = nobody; one exec monitor.
write_conf() {
	{
		conf_head | sed 's/^daemon: {/daemon: {\n\tuser = "nobody";/'
		cat <<CONF
monitors = (
	{ name = "whoami"; plugin = "exec"; interval = "300ms";
	  command = ["/bin/sh", "-c", "echo \"UID \$(id -u)\""]; }$1
);
CONF
	} >"$WS/redundancyd.conf"
}

uid_of() {
	awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$1/status"
}

st() {
	ctl --json status 2>/dev/null | python3 -c "
import json, sys
d = json.load(sys.stdin)
mons = {m['name']: m for m in d['monitors']}
sys.exit(0 if ($1) else 1)"
}

# 1. Directories the user may write: the master drops.
mkdir -p "$WS/state" "$WS/log"
chown nobody "$WS/state" "$WS/log"
write_conf ""
check "-t accepts the configuration" "$RDD" -t -c "$WS/redundancyd.conf"
start_daemon
check "the monitor is checked, as nobody" wait_for 15 st \
    "mons['whoami']['targets'] and mons['whoami']['targets'][0]['message'] == 'UID $NOBODY'"
check "the master runs as nobody (real, effective, saved, fs)" \
    test "$(uid_of "$DPID")" = "$NOBODY $NOBODY $NOBODY $NOBODY"
check "and has no supplementary group but its own" sh -c \
    "grep '^Groups:' /proc/$DPID/status | awk '{exit !(NF <= 2)}'"
check "the start is journaled with the uid that started it" \
    grep -q '"kind":"start","msg":"redundancyd started","uid":0' "$WS/log/journal.jsonl"
check "the log says so" grep -q "master runs as nobody" "$WS/log/system.log"
check "the control socket is the user's now" \
    test "$(stat -c %U "$WS/control.sock")" = nobody
check "a reload as nobody works" ctl reload
check "and is journaled by the dropped master" wait_for 5 \
    grep -q '"kind":"reload"' "$WS/log/journal.jsonl"

# 2. A reload that would need root is refused; the running config stays.
write_conf ",
	{ name = \"asroot\"; plugin = \"exec\"; interval = \"300ms\"; user = \"root\";
	  command = [\"/bin/true\"]; }"
out=$(ctl reload 2>&1)
check "a reload adding a root monitor is refused" test $? -ne 0
check "naming the monitor and the fix" sh -c \
    "printf '%s' \"\$1\" | grep -q \"monitor 'asroot'.*needs a master that runs as root\"" _ "$out"
check "the old monitor still runs" st \
    "'asroot' not in mons and mons['whoami']['targets'][0]['message'] == 'UID $NOBODY'"
check "the daemon stops cleanly" stop_daemon

# 3. state_dir not writable by nobody: the master stays root, and says why.
write_conf ""
chown root "$WS/state"
chmod 0755 "$WS/state"
start_daemon
check "the monitor is checked" wait_for 15 st \
    "mons['whoami']['targets'] and mons['whoami']['targets'][0]['message'] == 'UID $NOBODY'"
check "the master stayed root" test "$(uid_of "$DPID")" = "0 0 0 0"
check "the log names the directory and the fix" grep -q \
    "master stays root: state_dir $WS/state is not writable by nobody: chown nobody $WS/state" \
    "$WS/log/system.log"
check "the daemon stops cleanly" stop_daemon
finish
