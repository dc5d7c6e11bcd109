#!/bin/sh
# iso_user: a monitor with user = "nobody" runs in a worker that dropped to
# that account for good: it cannot read a root-only 0600 file that a root
# worker beside it reads, and its process and children run as nobody.
. "${top_srcdir:-.}/tests/integration/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root to switch a worker to nobody"
	[ "${CI:-}" = true ] && exit 99
	exit 77
fi
plugins "$WS/plugins" exec
# Only the file's mode may stand in the way: the directory is open to all.
mkdir -p "$WS/pub"
chmod 0755 "$WS" "$WS/pub"
echo "root only" >"$WS/pub/secret.txt"
chmod 0600 "$WS/pub/secret.txt"
readcmd="[\"/bin/sh\", \"-c\", \"cat '$WS/pub/secret.txt' >/dev/null 2>&1 && echo 'READ OK' || { echo 'CANNOT READ: permission denied'; exit 2; }\"]"
{
	conf_head
	cat <<CONF
monitors = (
	{ name = "asroot"; plugin = "exec"; interval = "300ms";
	  command = $readcmd; },
	{ name = "asnobody"; plugin = "exec"; interval = "300ms"; user = "nobody";
	  command = $readcmd; },
	{ name = "whoami"; plugin = "exec"; interval = "300ms"; user = "nobody";
	  command = ["/bin/sh", "-c", "echo \"UID \$(id -u)\""]; }
);
CONF
} >"$WS/redundancyd.conf"

check "-t accepts user = nobody" "$RDD" -t -c "$WS/redundancyd.conf"
start_daemon
st() {
	ctl --json status 2>/dev/null | python3 -c "
import json, sys
d = json.load(sys.stdin)
mons = {m['name']: m for m in d['monitors']}
wk = {w['name']: w for w in d.get('workers') or []}
sys.exit(0 if ($1) else 1)"
}
check "the root worker reads the file" wait_for 15 st \
    "mons['asroot']['targets'] and mons['asroot']['targets'][0]['message'] == 'READ OK'"
check "the nobody worker cannot read it" wait_for 15 st \
    "mons['asnobody']['targets'] and 'CANNOT READ' in mons['asnobody']['targets'][0]['message']"
check "its child ran with nobody's uid" wait_for 15 st \
    "mons['whoami']['targets'] and mons['whoami']['targets'][0]['message'] == 'UID $(id -u nobody)'"
check "one worker per plugin and user" st \
    "sorted(wk) == ['exec', 'exec@nobody'] and wk['exec@nobody']['user'] == 'nobody'"
wpid=$(ctl --json status | python3 -c "
import json, sys
print([w['pid'] for w in json.load(sys.stdin)['workers'] if w['name'] == 'exec@nobody'][0])")
check "the worker process runs as nobody (real, effective, saved)" sh -c \
    "grep '^Uid:' /proc/$wpid/status | awk '{exit !(\$2 == \$3 && \$3 == \$4 && \$2 == $(id -u nobody))}'"
check "and has no supplementary group but its own" sh -c \
    "grep '^Groups:' /proc/$wpid/status | awk '{exit !(NF <= 2)}'"
check "the daemon stops cleanly" stop_daemon
finish
