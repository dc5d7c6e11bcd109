#!/bin/sh
# pm2_daemon: PM2's God daemon killed with SIGKILL. An app without pmx
# survives it as an orphan that keeps its port; redundancyd must see the
# daemon go (EOF on pub.sock, pushed at once), kill the orphan, start PM2
# again from the ecosystem file (no dump yet), and after a `pm2 save`,
# from the dump with `pm2 resurrect`. Checks never start a PM2 daemon:
# --once with jlist_fallback on a stopped PM2 leaves it stopped.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$S/tests/integration/pm2_lib.sh"

plugins "$WS/plugins" pm2
PO=$PORT_BASE
PN=$((PORT_BASE + 1))

cat >"$WS/ecosystem.json" <<EOF
{
  "apps": [
    { "name": "orph", "script": "$APPS/stable.js", "pmx": false,
      "env": { "PORT": $PO } },
    { "name": "norm", "script": "$APPS/stable.js", "env": { "PORT": $PN } }
  ]
}
EOF
pm2c start "$WS/ecosystem.json"
check "orph serves" wait_for 10 http_ok "$PO"

{
	conf_head
	pm2_conf_monitor "ecosystem = \"$WS/ecosystem.json\"; verify = \"1s\";"
} >"$WS/redundancyd.conf"
start_daemon
both_ok() {
	status_has "  orph " OK && status_has "  norm " OK &&
	    status_has "pm2-daemon" OK
}
check "apps and PM2 are OK" wait_for 15 both_ok

# 1. SIGKILL of the God daemon, no dump: orphan killed, ecosystem applied.
god=$(cat "$PM2_HOME/pm2.pid")
orphan=$(pm2_pid orph)
kill -9 "$god"
check "the daemon's death is pushed at once" wait_for 10 journal_has detect pm2-daemon "PM2 daemon went away"
check "rung restart runs for pm2-daemon" wait_for 10 journal_has action pm2-daemon "attempt 1: restart"
check "the orphan holding the port is killed" wait_for 15 journal_has orphans-killed pm2-daemon "$orphan"
check "PM2 restarted from the ecosystem file" wait_for 30 journal_has result pm2-daemon "pm2 start $WS/ecosystem.json"
check "pm2-daemon recovered" wait_for 15 journal_has recovered pm2-daemon "healthy again"
check "the orphan is gone" sh -c "! kill -0 $orphan 2>/dev/null"
check "a new God daemon runs" sh -c "test \"\$(cat '$PM2_HOME/pm2.pid')\" != '$god'"
check "orph runs again with a new pid" wait_for 15 pm2_status_is orph online
check "orph serves again on its port" wait_for 15 http_ok "$PO"
check "apps are OK again" wait_for 15 both_ok

# 2. With a dump: pm2 resurrect.
pm2c save
check "dump.pm2 written" test -s "$PM2_HOME/dump.pm2"
god=$(cat "$PM2_HOME/pm2.pid")
kill -9 "$god"
check "PM2 resurrected from dump.pm2" wait_for 30 journal_has result pm2-daemon "pm2 resurrect"
check "orph serves after resurrect" wait_for 15 http_ok "$PO"
check "apps are OK after resurrect" wait_for 15 both_ok
check "daemon stops on SIGTERM" stop_daemon

# 3. A stopped PM2 is reported, never started by a check, even with
# jlist_fallback (pm2 jlist would spawn a daemon).
pm2c kill
rm -f "$PM2_HOME/pm2.pid"
sed 's|verify = "1s";|verify = "1s"; jlist_fallback = true;|' \
    "$WS/redundancyd.conf" >"$WS/once.conf"
"$RDD" --once pm2 -c "$WS/once.conf" >"$WS/once.out" 2>&1
rc=$?
check "--once on a stopped PM2 exits CRITICAL" test "$rc" -eq 2
check "--once says PM2 is not running" grep -q "pm2-daemon .*CRITICAL *PM2 daemon is not running" "$WS/once.out"
check "--once did not start a PM2 daemon" test ! -e "$PM2_HOME/pm2.pid"
check "no God daemon appeared" sh -c "! pgrep -f 'God Daemon [(]$PM2_HOME' >/dev/null"
finish
