#!/bin/sh
# pm2_firstread: a push that comes before the first state read waits for
# it (issue 12). redundancyd starts with a long startup_delay, so its
# first scheduled check is minutes away while the plugin already listens
# on PM2's event bus; an app PM2 will not restart (autorestart off) is
# killed then. Its exit is held, a process list is read at once, and the
# decision is made on that list: attempt 1 is the restart and succeeds.
# Before, the push went straight to the ladder: the restart failed ("no
# process list read yet") and spent attempt 1.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$S/tests/integration/pm2_lib.sh"

plugins "$WS/plugins" pm2
PW=$PORT_BASE

cat >"$WS/ecosystem.json" <<EOF2
{
  "apps": [
    { "name": "worker", "script": "$APPS/stable.js", "autorestart": false,
      "env": { "PORT": $PW } }
  ]
}
EOF2
pm2c start "$WS/ecosystem.json"
check "worker serves" wait_for 10 http_ok "$PW"

{
	conf_head | sed 's/startup_delay = "0"/startup_delay = "5m"/'
	pm2_conf_monitor "ecosystem = \"$WS/ecosystem.json\"; verify = \"1s\";"
} >"$WS/redundancyd.conf"
start_daemon
check "the plugin listens on PM2's event bus" \
    wait_for 10 grep -q "connected to PM2 at" "$WS/log/pm2.log"
check "no check ran yet (startup_delay)" status_has "pm2 " "not checked yet"

old=$(pm2_pid worker)
kill -9 "$old"
check "the early exit is held for a state read" wait_for 10 grep -q \
    "worker (pm_id [0-9]*): .*held: no process list read yet" \
    "$WS/log/pm2.log"
check "it is decided on the list read" wait_for 10 grep -q \
    "worker: held push decided on the process list read" "$WS/log/pm2.log"
check "attempt 1 is the restart" \
    wait_for 10 journal_has action worker "attempt 1: restart"
check "attempt 1 succeeds" \
    wait_for 15 journal_has result worker "attempt 1: restart succeeded"
check "worker recovered after 1 attempt" \
    wait_for 15 journal_has recovered worker "healthy again after 1 attempt"
check "worker serves again" wait_for 10 http_ok "$PW"
check "no attempt was spent without a state" sh -c \
    "! grep -q 'no process list read yet' '$WS/log/journal.jsonl'"
check "one attempt in all" sh -c \
    "test \$(grep -c '\"kind\":\"action\"' '$WS/log/journal.jsonl') -eq 1"
check "no give-up" sh -c "! grep -q '\"kind\":\"giveup\"' '$WS/log/journal.jsonl'"
check "the daemon stops cleanly" stop_daemon
finish
