#!/bin/sh
# records_full_disk: on a full disk a short write left half a journal
# record with the next one glued onto it, and the state write error was
# logged 3,275 times in 90 s. Now every line of journal.jsonl (and of
# system.log) stays whole, each error is logged once (a summary at most
# every 60 s), and the recovery once when space comes back.
#
# The disk is a 1 MiB tmpfs holding log_dir and state_dir (we run as root
# in CI); where mount is not allowed (or RECORDS_NO_MOUNT=1) the daemon
# runs under a file size limit instead (RLIMIT_FSIZE: writes past it fail
# with EFBIG once SIGXFSZ is ignored), and "space comes back" when the
# files are rotated.
. "${top_srcdir:-.}/tests/integration/lib.sh"

plugins "$WS/plugins" exec
cat >"$WS/fix.sh" <<'FIX'
#!/bin/sh
# a repair that never works; counts its runs outside the full disk
n=$(( $(cat "$1/count" 2>/dev/null || echo 0) + 1 ))
echo $n >"$1/count"
echo "fix $n failed: the service is still down, see its own log for details"
exit 1
FIX
chmod +x "$WS/fix.sh"

disk="$WS/disk"
mkdir -p "$disk"
mode=rlimit
if [ -z "${RECORDS_NO_MOUNT:-}" ] && mount -t tmpfs -o size=1m,mode=0755 rdd-full "$disk" 2>/dev/null; then
	mode=tmpfs
	EXTRA_CLEANUP='umount "$WS/disk" 2>/dev/null'
fi
echo "# full disk by $mode"

{
	# A repair every 50 ms or so, never given up on: records and state
	# writes keep coming while the disk is full.
	conf_head | sed -e "s|$WS/state|$disk/state|" -e "s|$WS/log|$disk/log|" \
	    -e 's|^recovery: .*|recovery: { max_attempts = 100; delay = "50ms"; backoff = 1.0; window = "2s"; window_max = 1000; cooldown = "100ms"; };|'
	cat <<CONF
monitors = (
	{ name = "svc"; plugin = "exec"; interval = "100ms";
	  command = ["/bin/sh", "-c", "echo 'SVC CRITICAL: down'; exit 2"];
	  recover = ( ["$WS/fix.sh", "$WS"] ); }
);
CONF
} >"$WS/redundancyd.conf"
journal="$disk/log/journal.jsonl"

# The daemon's stderr is not on the full disk (nor under the limit): a
# pipe to a cat of our own.
mkfifo "$WS/out.fifo"
cat "$WS/out.fifo" >"$WS/daemon.out" &
CATPID=$!
if [ "$mode" = tmpfs ]; then
	"$RDD" -f -c "$WS/redundancyd.conf" >"$WS/out.fifo" 2>&1 &
else
	# 256 KiB per file for the daemon; its children get their own.
	prlimit --fsize=262144 -- "$RDD" -f -c "$WS/redundancyd.conf" \
	    >"$WS/out.fifo" 2>&1 &
fi
DPID=$!
check "the daemon starts" wait_for 10 "$CTL" -s "$WS/control.sock" logs -n 1
if [ "$fails" -ne 0 ]; then
	cat "$WS/daemon.out"
	exit 1
fi
check "repairs are journaled" wait_for 10 grep -q '"kind":"result","monitor":"svc"' "$journal"

count() { cat "$WS/count" 2>/dev/null || echo 0; }

fill() {
	if [ "$mode" = tmpfs ]; then
		dd if=/dev/zero of="$disk/fill" bs=4096 2>/dev/null
		# What the daemon freed in between is taken too.
		dd if=/dev/zero of="$disk/fill2" bs=512 2>/dev/null
	fi
	# Under the limit the files fill up by themselves.
	return 0
}

fill
check "the journal write error is logged" wait_for 60 grep -q "journal $journal: cannot append" "$WS/daemon.out"
[ "$mode" = tmpfs ] &&
	check "the state write error is logged" wait_for 10 grep -q "state file $disk/state/state.json: cannot write" "$WS/daemon.out"
# Many more records and state writes fail meanwhile.
n0=$(count)
check "thirty more repairs run while the disk is full" wait_for 30 sh -c "test \$(cat '$WS/count') -ge $((n0 + 30))"
check "the daemon is still running" kill -0 "$DPID"
nj=$(grep -c "journal $journal: cannot append" "$WS/daemon.out")
check "the journal error was logged $nj time(s), not once per record" test "$nj" -le 2
if [ "$mode" = tmpfs ]; then
	ns=$(grep -c "state file $disk/state/state.json: cannot write" "$WS/daemon.out")
	check "the state error was logged $ns time(s), not once per change" test "$ns" -le 2
fi
check "no other line about it (recover_save said it twice)" sh -c "! grep -q 'cannot write recovery state' '$WS/daemon.out'"

# every_line_parses FILE...: every line is one JSON object, and the file
# ends with a newline (no half record waiting for the next to glue on).
every_line_parses() {
	python3 -c '
import json, sys
for p in sys.argv[1:]:
    data = open(p, "rb").read()
    if data and not data.endswith(b"\n"):
        sys.exit("%s: ends mid-line" % p)
    for i, l in enumerate(data.split(b"\n")[:-1]):
        try:
            o = json.loads(l)
            assert isinstance(o, dict) and "ts_ms" in o
        except Exception as e:
            sys.exit("%s:%d: %r: %s" % (p, i + 1, l[:120], e))
' "$@"
}
check "while full, every journal line parses" every_line_parses "$journal"

# Space comes back.
if [ "$mode" = tmpfs ]; then
	rm -f "$disk/fill" "$disk/fill2"
else
	mv "$journal" "$journal.1"
	mv "$disk/log/system.log" "$disk/log/system.log.1"
	for f in "$disk"/log/*.log; do mv "$f" "$f.1"; done
	kill -USR1 "$DPID"
fi
check "the journal's recovery is logged" wait_for 20 grep -q "journal $journal: appending again after [0-9]* failures" "$WS/daemon.out"
check "it is logged once" test "$(grep -c "journal $journal: appending again" "$WS/daemon.out")" -eq 1
if [ "$mode" = tmpfs ]; then
	check "the state file's recovery is logged" wait_for 10 grep -q "state file $disk/state/state.json: written again after" "$WS/daemon.out"
	check "the state file is valid JSON again" python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$disk/state/state.json"
fi
lines=$(wc -l <"$journal")
check "new records reach the journal" wait_for 10 sh -c "test \$(wc -l <'$journal') -gt $((lines + 4))"
if [ "$mode" = tmpfs ]; then
	check "every journal line parses" every_line_parses "$journal"
else
	check "every journal line parses" every_line_parses "$journal" "$journal.1"
fi
check "every system.log line is whole (starts with a timestamp)" sh -c "! grep -v '^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:.]*Z [A-Z]* ' '$disk/log/system.log' | grep -q ."
check "the daemon stops cleanly" stop_daemon
wait "$CATPID" 2>/dev/null
if [ "$fails" -ne 0 ]; then
	echo "--- daemon.out (errors)"
	grep -e ERROR -e "again" "$WS/daemon.out" | tail -n 20
	ls -l "$disk" "$disk/log"
fi
finish
