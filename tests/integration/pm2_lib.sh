# pm2_lib.sh: what the PM2 integration tests share on top of lib.sh: the
# real PM2 from node_modules in a private PM2_HOME, killed at the end, and
# polls on redundancyd's status and journal.

PM2="$S/node_modules/.bin/pm2"
APPS="$S/tests/integration/apps"
if ! command -v node >/dev/null 2>&1 || [ ! -x "$PM2" ]; then
	echo "node or $PM2 missing: run scripts/bootstrap (npm ci)" >&2
	# In CI a missing tool is a failure, never a skip.
	[ "${CI:-}" = "true" ] && exit 1
	exit 77
fi
# A short home: unix socket paths are limited to 107 bytes.
PM2_HOME=$(mktemp -d "${TMPDIR:-/tmp}/pm2h.XXXXXX")
export PM2_HOME
# Never let PM2 reach out (pm2.io, update checks).
export PM2_DISABLE_VERSION_CHECK=true
EXTRA_CLEANUP='"$PM2" kill >/dev/null 2>&1; rm -rf "$PM2_HOME"; pm2_extra_cleanup'
pm2_extra_cleanup() { :; }

pm2c() {
	"$PM2" "$@" >>"$WS/pm2.out" 2>&1
}

# Ports unlikely to collide between parallel test runs.
# Eight consecutive free loopback ports at a random place: tests run in
# parallel, and bases derived from neighbouring pids overlapped.
PORT_BASE=$(python3 -c '
import random, socket
for _ in range(200):
    base = random.randrange(20000, 60000, 8)
    try:
        socks = []
        for p in range(base, base + 8):
            s = socket.socket()
            s.bind(("127.0.0.1", p))
            socks.append(s)
        print(base)
        break
    except OSError:
        pass
')

# status_has TEXT...: every TEXT is in one line of `redundancyctl status`.
status_has() {
	line=$(ctl status 2>/dev/null) || true
	for t in "$@"; do
		line=$(printf '%s\n' "$line" | grep -F -- "$t") || return 1
	done
	return 0
}

# journal_has KIND TARGET TEXT: a journal record of that kind and target
# whose message holds TEXT.
journal_has() {
	grep -F "\"kind\":\"$1\"" "$WS/log/journal.jsonl" 2>/dev/null |
	    grep -F "\"target\":\"$2\"" | grep -qF -- "$3"
}

# pm2_pid NAME: the pid PM2 reports for app NAME (first instance).
pm2_pid() {
	"$PM2" pid "$1" 2>/dev/null | head -n 1
}

# pm2_status_is NAME STATUS: PM2's own status of the app.
pm2_status_is() {
	"$PM2" jlist 2>/dev/null | node -e '
let s = "";
process.stdin.on("data", (d) => (s += d)).on("end", () => {
	const l = JSON.parse(s.slice(s.indexOf("[")));
	const p = l.find((x) => x.name === process.argv[1]);
	process.exit(p && p.pm2_env.status === process.argv[2] ? 0 : 1);
});' "$1" "$2"
}

# pm2_absent NAME: PM2 does not list the app.
pm2_absent() {
	"$PM2" jlist 2>/dev/null | node -e '
let s = "";
process.stdin.on("data", (d) => (s += d)).on("end", () => {
	const l = JSON.parse(s.slice(s.indexOf("[")));
	process.exit(l.some((x) => x.name === process.argv[1]) ? 1 : 0);
});' "$1"
}

# http_ok PORT: something answers HTTP 200 on 127.0.0.1:PORT.
http_ok() {
	node -e '
require("http").get({ host: "127.0.0.1", port: +process.argv[1],
    timeout: 1000 }, (r) => process.exit(r.statusCode === 200 ? 0 : 1))
    .on("error", () => process.exit(1));' "$1"
}

pm2_conf_monitor() {
	# pm2_conf_monitor EXTRA: the pm2 monitor block with test defaults.
	cat <<CONF
monitors = (
	{ name = "pm2"; plugin = "pm2"; interval = "500ms"; timeout = "5s";
	  pm2_home = "$PM2_HOME"; pm2_bin = "$PM2";
	  $1 }
);
CONF
}
