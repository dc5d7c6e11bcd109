#!/bin/sh
# pm2_hang: PM2's God daemon stopped with SIGSTOP. While it is alive and
# silent, pm2-daemon is UNKNOWN and nothing is done: after SIGCONT every
# app still runs with its old pid and no restart. A hang past hang_max
# (scaled down: 6 s) kills that God daemon and resurrects: every app runs
# exactly once. `--once` never starts PM2: not on a hung daemon, not when
# pm2.pid names a live process that is not PM2 (a reused pid); and
# `--once` exits 1 on a plugin's config error.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$S/tests/integration/pm2_lib.sh"

plugins "$WS/plugins" pm2
for a in h1 h2 hc; do cp "$APPS/stable.js" "$WS/$a.js"; done
cat >"$WS/ecosystem.json" <<EOF2
{
  "apps": [
    { "name": "h1", "script": "$WS/h1.js", "env": { "PORT": $PORT_BASE } },
    { "name": "h2", "script": "$WS/h2.js", "pmx": false,
      "env": { "PORT": $((PORT_BASE + 1)) } },
    { "name": "hc", "script": "$WS/hc.js", "exec_mode": "cluster",
      "instances": 2, "env": { "PORT": $((PORT_BASE + 2)) } }
  ]
}
EOF2
pm2c start "$WS/ecosystem.json"
pm2c save
check "apps serve" wait_for 15 http_ok $((PORT_BASE + 2))

{
	conf_head
	pm2_conf_monitor "ecosystem = \"$WS/ecosystem.json\"; verify = \"1s\";
	  rpc_timeout = \"300ms\"; hang_max = \"6s\";"
} >"$WS/redundancyd.conf"
start_daemon
all_ok() {
	status_has "  h1 " OK && status_has "  h2 " OK &&
	    status_has "  hc " OK && status_has "pm2-daemon" OK
}
check "apps and PM2 are OK" wait_for 20 all_ok

# pids NAME: the pids PM2 lists for NAME, sorted, on one line.
pids() {
	"$PM2" jlist 2>/dev/null | node -e '
let s = "";
process.stdin.on("data", (d) => (s += d)).on("end", () => {
	const l = JSON.parse(s.slice(s.indexOf("[")));
	console.log(l.filter((x) => x.name === process.argv[1])
	    .map((x) => x.pid).sort().join(" "));
});' "$1"
}
# nprocs SCRIPT: processes running that script.
nprocs() {
	pgrep -f "$1" | wc -l
}
# once_each: each app has as many processes as PM2 instances, all online.
once_each() {
	[ "$(nprocs "$WS/h1.js")" -eq 1 ] && [ "$(nprocs "$WS/h2.js")" -eq 1 ] &&
	    [ "$(nprocs "$WS/hc.js")" -eq 2 ] && pm2_status_is h1 online &&
	    pm2_status_is h2 online && pm2_status_is hc online
}
check "each app runs once" once_each
before="$(pids h1) / $(pids h2) / $(pids hc)"

# 1. SIGSTOP for several intervals and longer than rpc_timeout, short of
# hang_max: UNKNOWN, then OK after SIGCONT; nothing restarted.
god=$(cat "$PM2_HOME/pm2.pid")
kill -STOP "$god"
check "pm2-daemon is UNKNOWN, not answering" wait_for 10 status_has pm2-daemon UNKNOWN "PM2 daemon not answering for"
check "apps are UNKNOWN meanwhile" wait_for 5 status_has "  h1 " UNKNOWN
# --once meanwhile, with jlist_fallback: UNKNOWN (3), no PM2 started.
sed 's|hang_max = "6s";|hang_max = "6s"; jlist_fallback = true;|' \
    "$WS/redundancyd.conf" >"$WS/once.conf"
"$RDD" --once pm2 -c "$WS/once.conf" >"$WS/once.out" 2>&1
rc=$?
check "--once on a hung PM2 exits UNKNOWN" test "$rc" -eq 3
check "--once says it does not answer" grep -q "pm2-daemon .*UNKNOWN *PM2 daemon not answering" "$WS/once.out"
check "several intervals pass silent" wait_for 10 status_has pm2-daemon "not answering for 3."
kill -CONT "$god"
check "pm2-daemon is OK again after SIGCONT" wait_for 10 status_has pm2-daemon OK "PM2 up (pid $god)"
check "apps are OK again" wait_for 10 all_ok
check "no action was taken" sh -c "! grep -q '\"kind\":\"action\"' '$WS/log/journal.jsonl'"
check "no app was restarted (same pids)" test "$(pids h1) / $(pids h2) / $(pids hc)" = "$before"
check "each app still runs once" once_each

# 2. A hang past hang_max: CRITICAL, God killed, apps resurrected once.
kill -STOP "$god"
check "past hang_max it is CRITICAL" wait_for 20 journal_has detect pm2-daemon "has not answered for"
check "the hung God daemon is killed" wait_for 15 journal_has pm2-killed pm2-daemon "PM2 daemon pid $god has not answered"
check "then resurrected" wait_for 30 journal_has result pm2-daemon "pm2 resurrect"
check "pm2-daemon recovered" wait_for 20 journal_has recovered pm2-daemon "healthy again"
check "the old God daemon is gone" sh -c "! kill -0 $god 2>/dev/null"
check "apps are OK after the resurrect" wait_for 20 all_ok
check "each app runs exactly once" wait_for 10 once_each
check "apps have new pids" test "$(pids h1) / $(pids h2) / $(pids hc)" != "$before"
check "daemon stops on SIGTERM" stop_daemon

# 3. pm2.pid naming a live process that is not PM2: --once with
# jlist_fallback reports PM2 down and starts nothing.
pm2c kill
sleep 300 &
other=$!
pm2_extra_cleanup() { kill "$other" 2>/dev/null; }
echo "$other" >"$PM2_HOME/pm2.pid"
"$RDD" --once pm2 -c "$WS/once.conf" >"$WS/once2.out" 2>&1
rc=$?
check "--once on a reused pid exits CRITICAL" test "$rc" -eq 2
check "--once says the pid is not PM2" grep -q "pm2-daemon .*CRITICAL.*is not PM2" "$WS/once2.out"
check "no God daemon appeared" sh -c "! pgrep -f 'God Daemon [(]$PM2_HOME' >/dev/null"
check "pm2.pid is untouched" test "$(cat "$PM2_HOME/pm2.pid")" = "$other"
kill "$other"

# 4. --once with a plugin config error exits 1, like any config error.
sed 's|hang_max = "6s";|hang_max = "6s"; backup_prefix = "";|' \
    "$WS/redundancyd.conf" >"$WS/bad.conf"
"$RDD" --once pm2 -c "$WS/bad.conf" >"$WS/once3.out" 2>&1
rc=$?
check "--once with a plugin config error exits 1" test "$rc" -eq 1
check "--once names the option" grep -q "backup_prefix" "$WS/once3.out"
finish
