# demo.d/20-pm2.sh: a real PM2 (from node_modules) in the workspace with a
# worker that crashes and a critical HTTP api. The demo kills the worker
# (PM2 will not restart it: autorestart is off) and redundancyd restarts it
# over PM2's RPC socket; then it takes the api's port away so the api
# crash-loops, and redundancyd walks its ladder up to a backup-api on
# another port; when the port is free again and the api is back, the
# backup is removed.

DEMO_PM2="$TOP/node_modules/.bin/pm2"
DEMO_PM2_PORT=${DEMO_PM2_PORT:-3710}
DEMO_PM2_BACKUP_PORT=$((DEMO_PM2_PORT + 1))

demo_pm2_say() {
	echo "demo: [pm2] $*"
}

demo_pm2_http() {
	node -e '
require("http").get({ host: "127.0.0.1", port: +process.argv[1], timeout: 1000 },
    (r) => { let b = ""; r.on("data", (d) => (b += d)).on("end", () => {
	console.log("HTTP " + r.statusCode + ": " + b.trim()); }); })
    .on("error", (e) => console.log("no answer (" + e.code + ")"));' "$1"
}

demo_pm2_setup() {
	export PM2_HOME="$WS/pm2"
	mkdir -p "$PM2_HOME"
	cat >"$WS/pm2-ecosystem.json" <<EOF
{
  "apps": [
    { "name": "worker", "script": "$TOP/tests/integration/apps/stable.js",
      "autorestart": false, "env": { "PORT": $((DEMO_PM2_PORT + 2)) } },
    { "name": "api", "script": "$TOP/tests/integration/apps/stable.js",
      "max_restarts": 3, "env": { "PORT": $DEMO_PM2_PORT } }
  ]
}
EOF
	"$DEMO_PM2" start "$WS/pm2-ecosystem.json" >"$WS/pm2-start.out" 2>&1
	demo_pm2_say "PM2 runs worker and api (PM2_HOME=$PM2_HOME)"
}

demo_pm2_conf() {
	cat <<CONF
	{ name = "pm2"; plugin = "pm2"; interval = "2s";
	  pm2_home = "$PM2_HOME"; pm2_bin = "$DEMO_PM2";
	  ecosystem = "$WS/pm2-ecosystem.json"; critical = ["api"];
	  backup_env = ["api:PORT=$DEMO_PM2_BACKUP_PORT"]; settle = "5s";
	  restarts_window = "30s"; }
CONF
}

demo_pm2_chaos() {
	sleep 4
	demo_pm2_say "scene 1: kill -9 the worker; PM2 will not restart it (autorestart off)"
	demo_pm2_pid=$("$DEMO_PM2" pid worker 2>/dev/null | head -n 1)
	# pm2 pid prints 0 for a stopped app: kill -9 0 would hit us.
	case "$demo_pm2_pid" in
	'' | 0 | *[!0-9]*) demo_pm2_say "worker is not running (port busy?)" ;;
	*) kill -9 "$demo_pm2_pid" 2>/dev/null || true ;;
	esac
	sleep 5
	demo_pm2_say "worker is $("$DEMO_PM2" jlist 2>/dev/null | node -e '
let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const p=JSON.parse(s).find(x=>x.name==="worker");
console.log(p ? p.pm2_env.status + ", pid " + p.pid : "absent")})')"

	demo_pm2_say "scene 2: stop api, take its port $DEMO_PM2_PORT, start api again: it crash-loops"
	"$DEMO_PM2" stop api >/dev/null 2>&1 || true
	node -e 'require("net").createServer().listen(+process.argv[1], "127.0.0.1")' \
	    "$DEMO_PM2_PORT" &
	echo $! >"$WS/pm2-squatter.pid"
	sleep 1
	"$DEMO_PM2" start api >/dev/null 2>&1 || true
	demo_pm2_say "watch: restart fails, start-from-ecosystem fails, start-backup runs backup-api"
	sleep 12
	demo_pm2_say "backup port $DEMO_PM2_BACKUP_PORT: $(demo_pm2_http "$DEMO_PM2_BACKUP_PORT")"

	demo_pm2_say "scene 3: free the port and restart api; after 5 s healthy the backup goes"
	kill "$(cat "$WS/pm2-squatter.pid")" 2>/dev/null || true
	# Gone: the clean-up must not signal whoever gets its pid next.
	rm -f "$WS/pm2-squatter.pid"
	"$DEMO_PM2" restart api >/dev/null 2>&1 || true
	sleep 16
	demo_pm2_say "api port $DEMO_PM2_PORT: $(demo_pm2_http "$DEMO_PM2_PORT")"
	demo_pm2_say "backup-api: $("$DEMO_PM2" pid backup-api 2>/dev/null | grep -q . && echo still there || echo removed)"
}

# demo_pm2_port_free PORT: nothing listens on 127.0.0.1:PORT.
demo_pm2_port_free() {
	! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

# demo_pm2_gone SECONDS PID...: until none of the pids is alive and the
# three ports are free.
demo_pm2_gone() {
	n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		alive=""
		for pid in "$@"; do
			kill -0 "$pid" 2>/dev/null && alive="$alive $pid"
		done
		if [ -z "$alive" ] && demo_pm2_port_free "$DEMO_PM2_PORT" &&
		    demo_pm2_port_free "$DEMO_PM2_BACKUP_PORT" &&
		    demo_pm2_port_free $((DEMO_PM2_PORT + 2)); then
			return 0
		fi
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# Only the PM2 this demo started: its God daemon under the demo's
# PM2_HOME, named here rather than taken from the environment (a bare
# `pm2 kill` ends whichever PM2 PM2_HOME points at, maybe the user's own),
# and its apps, by the pids PM2 recorded.
demo_pm2_cleanup() {
	h="$WS/pm2"
	# (The port squatter, a child of the scenes' shell, ended with it.)
	god=$(cat "$h/pm2.pid" 2>/dev/null || true)
	case "$god" in
	'' | 0 | *[!0-9]*) return 0 ;; # never started
	esac
	# Any pm2 command starts a God daemon when none runs: ask only a live one.
	kill -0 "$god" 2>/dev/null || return 0
	# The apps' pids as God knows them now (pid files may be stale).
	apps=$(PM2_HOME="$h" "$DEMO_PM2" jlist 2>/dev/null | node -e '
let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{
for(const p of JSON.parse(s))if(p.pid>0)console.log(p.pid)}catch(e){}})' | tr '\n' ' ')
	# delete first: apps without pmx outlive a bare `pm2 kill`.
	PM2_HOME="$h" "$DEMO_PM2" delete all >/dev/null 2>&1
	PM2_HOME="$h" "$DEMO_PM2" kill >/dev/null 2>&1
	# shellcheck disable=SC2086 # a list of pids
	if ! demo_pm2_gone 10 "$god" $apps; then
		demo_pm2_say "PM2 (God pid $god, apps:${apps:- none}) outlived pm2 kill: SIGKILL"
		# shellcheck disable=SC2086
		kill -KILL "$god" $apps 2>/dev/null
		# shellcheck disable=SC2086
		demo_pm2_gone 5 "$god" $apps ||
		    demo_pm2_say "ports $DEMO_PM2_PORT-$((DEMO_PM2_PORT + 2)) still held: see ss -ltnp"
	fi
	return 0
}
