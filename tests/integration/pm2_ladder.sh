#!/bin/sh
# pm2_ladder: every rung against a real PM2. restart over RPC (an app with
# autorestart off killed by SIGKILL: PM2's exit event is pushed and the
# restart request goes out at once); start-from-ecosystem (an app added
# to the ecosystem file that PM2 does not run); start-backup (a critical
# app crash-looping because its port is taken: backup-api starts on the
# backup port, and the incident is served from it, WARNING, not given up
# on); and the backup deleted once the primary has been healthy for
# `settle`, which closes the incident.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$S/tests/integration/pm2_lib.sh"

plugins "$WS/plugins" pm2
PA=$PORT_BASE
PB=$((PORT_BASE + 1))
PW=$((PORT_BASE + 2))

# min_uptime 10 s: PM2 errors a crash loop only within min_uptime x
# max_restarts of the start (lib/God.js), 3 s by default, which slow node
# startups on a loaded machine overrun (see pm2_detect).
cat >"$WS/ecosystem.json" <<EOF
{
  "apps": [
    { "name": "api", "script": "$APPS/stable.js", "max_restarts": 3,
      "min_uptime": 10000, "env": { "PORT": $PA } },
    { "name": "worker", "script": "$APPS/stable.js", "autorestart": false,
      "env": { "PORT": $PW } },
    { "name": "gone", "script": "$APPS/exit_after.js",
      "env": { "EXIT_AFTER": 100000 } }
  ]
}
EOF
pm2c start "$WS/ecosystem.json"

{
	conf_head
	pm2_conf_monitor "ecosystem = \"$WS/ecosystem.json\"; critical = [\"api\"];
	  backup_env = [\"api:PORT=$PB\"]; settle = \"2s\"; verify = \"1s\";
	  restarts_max = 0;"
} >"$WS/redundancyd.conf"
start_daemon
all_ok() {
	status_has "  api " OK && status_has "  worker " OK &&
	    status_has "  gone " OK
}
check "api, worker and gone are OK" wait_for 15 all_ok
check "api serves on its port" wait_for 10 http_ok "$PA"

# Rung 1, restart: PM2 will not restart worker (autorestart off).
old=$(pm2_pid worker)
kill -9 "$old"
check "the exit is pushed at once" wait_for 10 journal_has detect worker "autorestart is off"
check "rung 1 restart is chosen" wait_for 10 journal_has action worker "attempt 1: restart"
check "restart over RPC succeeds" wait_for 15 journal_has result worker "restart succeeded"
check "worker recovered" wait_for 15 journal_has recovered worker "healthy again after 1 attempt"
check "worker has a new pid" sh -c "test \"\$(\"$PM2\" pid worker)\" != \"$old\""
check "worker serves again" wait_for 10 http_ok "$PW"
check "the decision latency is logged" grep -q "worker (pm_id [0-9]*): restartProcessId written .* ms after PM2's exit event" "$WS/log/pm2.log"

# Rung 2, start-from-ecosystem: an app added to the ecosystem file that
# PM2 does not run (an app an operator deleted is left alone: pm2_intent).
PL=$((PORT_BASE + 3))
sed "s|\"apps\": \\[|\"apps\": [ { \"name\": \"late\", \"script\": \"$APPS/stable.js\", \"env\": { \"PORT\": $PL } },|" \
    "$WS/ecosystem.json" >"$WS/eco.new" && mv "$WS/eco.new" "$WS/ecosystem.json"
check "missing app detected" wait_for 10 journal_has detect late "missing: declared in"
check "restart does not apply to a missing app" wait_for 10 journal_has result late "restart does not apply"
check "rung 2 starts it from the ecosystem file" wait_for 20 journal_has result late "start-from-ecosystem succeeded"
check "late is in PM2" wait_for 10 pm2_status_is late online
check "late recovered; the rung that did not apply is no attempt" wait_for 15 journal_has recovered late "healthy again after 1 attempt"

# Rung 3, start-backup: api is stopped, its port taken, then started
# again: it crash-loops (EADDRINUSE); restarts and the ecosystem cannot
# help; the backup runs on the backup port.
pm2c stop api
node -e '
require("net").createServer().listen(+process.argv[1], "127.0.0.1", () => {
	require("fs").writeFileSync(process.argv[2], String(process.pid));
});' "$PA" "$WS/squatter.pid" &
check "a squatter holds api's port" wait_for 10 test -s "$WS/squatter.pid"
pm2_extra_cleanup() { kill "$(cat "$WS/squatter.pid" 2>/dev/null)" 2>/dev/null; }
pm2c start api
check "api crash loop detected" wait_for 20 journal_has detect api "errored"
check "rung 1 restart fails" wait_for 20 journal_has result api "attempt 1: restart failed"
check "rung 2 start-from-ecosystem fails" wait_for 20 journal_has result api "attempt 2: start-from-ecosystem failed"
check "rung 3 starts backup-api" wait_for 30 journal_has result api "attempt 3: start-backup succeeded"
check "the backup serves on the backup port" wait_for 10 http_ok "$PB"
check "backup-api is online in PM2" pm2_status_is backup-api online
check "the incident is served from the backup" \
    wait_for 15 journal_has served api "serving from backup-api (1/1 online)"
check "served, no give-up" journal_has served api "no give-up"
check "backup-api is reported as a backup" wait_for 10 status_has "  backup-api " "backup of api"
check "api is WARNING while served" \
    status_has "  api " "WARNING" "serving from backup-api" "[served, degraded"
check "status does not say it needs an operator" sh -c \
    "! \"$CTL\" -s '$WS/control.sock' status | grep -F '  api ' | grep -q 'CRITICAL'"
check "no giving up for api" sh -c \
    "! grep '\"kind\":\"giveup\"' '$WS/log/journal.jsonl' | grep -q '\"target\":\"api\"'"
check "no give-up logged" sh -c "! grep -q 'api: giving up' '$WS/log/pm2.log'"
check "no fourth attempt while served" sh -c \
    "! grep -q 'attempt 4' '$WS/log/journal.jsonl'"

# The operator frees the port and restarts api: after `settle` healthy,
# the backup goes away.
kill "$(cat "$WS/squatter.pid")"
pm2c restart api
check "api serves again" wait_for 15 http_ok "$PA"
check "api is OK again" wait_for 15 status_has "  api " "OK" "online"
check "the served incident closes" \
    wait_for 15 journal_has recovered api "healthy again after 3 attempts"
check "the backup is deleted after settle" wait_for 20 journal_has backup-removed api "deleting backup-api"
check "backup-api left PM2" wait_for 10 pm2_absent backup-api
check "no other rung ran for worker or gone" sh -c "! grep -q '\"target\":\"worker\".*start-backup' '$WS/log/journal.jsonl'"
finish
