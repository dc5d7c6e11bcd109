#!/bin/sh
# records_nonregular: a FIFO, a symbolic link, a directory or a device
# where the daemon keeps its records (state.json, the state_dir lock,
# journal.jsonl, system.log) is refused at start-up within seconds, with a
# message naming the path and the fix. A FIFO named state.json used to
# hang start-up silently.
. "${top_srcdir:-.}/tests/integration/lib.sh"

plugins "$WS/plugins" exec
{
	conf_head
	cat <<CONF
monitors = (
	{ name = "svc"; plugin = "exec"; interval = "1s";
	  command = ["/bin/true"]; }
);
CONF
} >"$WS/redundancyd.conf"

# refused DESC PATH: the daemon exits (not killed by the deadline) with a
# non-zero status and an error that names PATH and says to move it away.
refused() {
	what=$1
	path=$2
	timeout 10 "$RDD" -f -c "$WS/redundancyd.conf" >"$WS/out" 2>&1
	rc=$?
	check "$what: start-up ends within the deadline" test "$rc" -ne 124
	check "$what: it is refused (exit $rc)" test "$rc" -ne 0
	check "$what: the message names the path and the fix" \
	    grep -q "$path is .*, not a regular file: move it away" "$WS/out"
	grep -q "not a regular file" "$WS/out" || cat "$WS/out"
}

# start_clean: the daemon starts and stops, every record file in place.
start_clean() {
	start_daemon
	rc=$?
	check "$1" test "$rc" -eq 0
	stop_daemon
}

mkdir -p "$WS/state" "$WS/log"
mkfifo "$WS/state/state.json"
refused "a FIFO named state.json" "$WS/state/state.json"
rm "$WS/state/state.json"

echo '{"version":1,"scopes":{}}' >"$WS/elsewhere.json"
ln -s "$WS/elsewhere.json" "$WS/state/state.json"
refused "a symbolic link named state.json" "$WS/state/state.json"
rm "$WS/state/state.json"

mkdir "$WS/state/state.json"
refused "a directory named state.json" "$WS/state/state.json"
rmdir "$WS/state/state.json"

rm -f "$WS/state/redundancyd.lock"
mkfifo "$WS/state/redundancyd.lock"
refused "a FIFO named redundancyd.lock" "$WS/state/redundancyd.lock"
rm "$WS/state/redundancyd.lock"

mknod "$WS/state/redundancyd.lock" c 1 3 2>/dev/null &&
	refused "a device named redundancyd.lock" "$WS/state/redundancyd.lock"
rm -f "$WS/state/redundancyd.lock"

rm -f "$WS/log/journal.jsonl"
mkfifo "$WS/log/journal.jsonl"
refused "a FIFO named journal.jsonl" "$WS/log/journal.jsonl"
rm "$WS/log/journal.jsonl"

# The target is a decoy in the workspace: never a real system file, which
# a daemon without the fix would append to.
echo "root:x:0:0:decoy:/root:/bin/sh" >"$WS/decoy-passwd"
ln -s "$WS/decoy-passwd" "$WS/log/journal.jsonl"
refused "a link from journal.jsonl to another file" "$WS/log/journal.jsonl"
check "the file the link pointed to is untouched" test "$(wc -l <"$WS/decoy-passwd")" -eq 1
rm "$WS/log/journal.jsonl"

rm -f "$WS/log/system.log"
mkfifo "$WS/log/system.log"
refused "a FIFO named system.log" "$WS/log/system.log"
rm "$WS/log/system.log"

start_clean "with regular files in their places the daemon starts"
check "state.json is a regular file" test -f "$WS/state/state.json" -o ! -e "$WS/state/state.json"
check "the lock file is a regular file" test -f "$WS/state/redundancyd.lock"
finish
