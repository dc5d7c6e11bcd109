#!/bin/sh
# pm2_intent: what an operator does through pm2 is respected. `pm2 delete`
# (a fork app and a cluster app) is not undone from the ecosystem file,
# is remembered across restarts of redundancyd and of PM2, is shown in
# status, and ends when the operator starts the app again. A PM2 daemon
# recovered without dump.pm2 starts only the apps that were running, not
# the one the operator had stopped.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$S/tests/integration/pm2_lib.sh"

plugins "$WS/plugins" pm2
cat >"$WS/ecosystem.json" <<EOF2
{
  "apps": [
    { "name": "fa", "script": "$APPS/stable.js", "env": { "PORT": $PORT_BASE } },
    { "name": "ca", "script": "$APPS/stable.js", "exec_mode": "cluster",
      "instances": 2, "env": { "PORT": $((PORT_BASE + 1)) } },
    { "name": "keep", "script": "$APPS/stable.js",
      "env": { "PORT": $((PORT_BASE + 2)) } },
    { "name": "held", "script": "$APPS/stable.js",
      "env": { "PORT": $((PORT_BASE + 3)) } }
  ]
}
EOF2
pm2c start "$WS/ecosystem.json"
{
	conf_head
	pm2_conf_monitor "ecosystem = \"$WS/ecosystem.json\"; verify = \"1s\";"
} >"$WS/redundancyd.conf"
start_daemon
all_ok() {
	status_has "  fa " OK && status_has "  ca " OK &&
	    status_has "  keep " OK && status_has "  held " OK
}
check "apps are OK" wait_for 20 all_ok

# stays_for SECONDS CMD...: CMD holds at every poll for the whole time (a
# negative observation: nothing undoes what the operator did).
stays_for() {
	limit=$1
	shift
	end=$(($(date +%s%N) / 1000000 + limit * 1000))
	while [ "$(($(date +%s%N) / 1000000))" -lt "$end" ]; do
		"$@" >/dev/null 2>&1 || return 1
		sleep 0.1
	done
	return 0
}
both_deleted() {
	status_has "  fa " OK "deleted by an operator" &&
	    status_has "  ca " OK "deleted by an operator"
}
both_absent() { pm2_absent fa && pm2_absent ca; }

# 1. pm2 delete of a fork app and a cluster app; pm2 stop of another.
pm2c delete fa
pm2c delete ca
pm2c stop held
check "the deletes are journaled" wait_for 10 journal_has operator-delete ca "deleted from PM2"
check "status says deleted by an operator" wait_for 10 both_deleted
check "neither comes back over several intervals" stays_for 4 both_absent
check "the stopped app stays stopped" pm2_status_is held stopped
check "no action for fa or ca" sh -c "! grep '\"kind\":\"action\"' '$WS/log/journal.jsonl' | grep -q '\"target\":\"[fc]a\"'"

# 2. Remembered across a restart of redundancyd.
check "daemon stops" stop_daemon
start_daemon
check "still deleted after a restart of redundancyd" wait_for 15 both_deleted
check "and still absent" stays_for 3 both_absent

# 3. PM2 dies (no dump.pm2): only the app that was running comes back.
god=$(cat "$PM2_HOME/pm2.pid")
kill -9 "$god"
check "PM2 restarted with keep only" wait_for 30 journal_has result pm2-daemon "--only keep\""
check "pm2-daemon recovered" wait_for 20 journal_has recovered pm2-daemon "healthy again"
check "keep runs" wait_for 15 pm2_status_is keep online
check "fa and ca were not started" both_absent
check "held was not started" pm2_absent held
check "still deleted after a restart of PM2" wait_for 15 both_deleted
check "held is reported as the operator left it" wait_for 10 status_has "  held " OK "stopped by an operator"

# 4. The operator starts fa again: no longer deleted.
pm2c start "$WS/ecosystem.json" --only fa
check "fa is OK and online" wait_for 15 status_has "  fa " OK "online"
check "fa is no longer remembered as deleted" sh -c "! \"$CTL\" -s \"$WS/control.sock\" status | grep '  fa ' | grep -q deleted"
check "ca stays deleted" status_has "  ca " "deleted by an operator"
finish
