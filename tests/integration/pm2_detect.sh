#!/bin/sh
# pm2_detect: one real PM2 daemon running real Node apps (a stable HTTP
# server, one that exits with autorestart off, one that crashes at start,
# one stuck in PM2 7's "waiting restart", one that leaks memory, one that
# blocks its event loop, one in a restart loop, a cluster, one an operator
# stopped, one declared but missing) and ecosystem files in JSON, JS and
# YAML; redundancyd must detect each the way the issue describes.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$S/tests/integration/pm2_lib.sh"

plugins "$WS/plugins" pm2
P1=$PORT_BASE
P2=$((PORT_BASE + 1))
P3=$((PORT_BASE + 2))

# PM2 counts an exit as unstable only within min_uptime x max_restarts of
# the app's creation (lib/God.js): 3 s by default for "crash", which a
# loaded machine's node startups overrun, and PM2 then restarts forever.
cat >"$WS/eco.json" <<EOF
{
  "apps": [
    { "name": "web", "script": "$APPS/stable.js", "env": { "PORT": $P1 } },
    { "name": "crash", "script": "$APPS/crash.js", "max_restarts": 3,
      "min_uptime": 10000 },
    { "name": "crashd", "script": "$APPS/crash.js", "max_restarts": 2,
      "min_uptime": 10000, "restart_delay": 200 },
    { "name": "leak", "script": "$APPS/leak.js",
      "env": { "LEAK_MB": 20, "LEAK_MAX_MB": 300 } },
    { "name": "block", "script": "$APPS/block.js" },
    { "name": "flappy", "script": "$APPS/exit_after.js",
      "env": { "EXIT_AFTER": 1.1 } },
    { "name": "stopme", "script": "$APPS/stable.js", "env": { "PORT": $P2 } },
    { "name": "ghost", "script": "$APPS/stable.js" }
  ]
}
EOF
cat >"$WS/cluster.config.js" <<EOF
// A cluster app, read through node like PM2 does.
module.exports = {
  apps: [{ name: "cl", script: "$APPS/stable.js", exec_mode: "cluster",
    instances: 2, env: { PORT: $P3 } }],
};
EOF
cat >"$WS/bad.yaml" <<EOF
apps:
  - name: typo
    script: $APPS/stable.js
    autostart: false
    max_restartz: 3
  - name: wrongtype
    script: $APPS/stable.js
    autostart: false
    instances: lots
  - name: nofile
    script: $APPS/no-such-app.js
    autostart: false
EOF

pm2c start "$WS/eco.json"
pm2c start "$WS/cluster.config.js"
pm2c delete ghost
god=$(cat "$PM2_HOME/pm2.pid")

{
	conf_head
	pm2_conf_monitor "ecosystem = [\"$WS/eco.json\", \"$WS/cluster.config.js\", \"$WS/bad.yaml\"];
	  memory_max = \"120M\"; cpu_max = 35.0; cpu_window = \"1500ms\";
	  restarts_max = 3; restarts_window = \"1m\";
	  recovery = { max_attempts = 1; delay = \"30s\"; cooldown = \"5m\"; };"
} >"$WS/redundancyd.conf"
check "config test passes" "$RDD" -t -c "$WS/redundancyd.conf"

# --once prints every app and its state, and exits with the worst state.
sed "s|$WS/state|$WS/state-once|" "$WS/redundancyd.conf" >"$WS/once.conf"
"$RDD" --once pm2 -c "$WS/once.conf" >"$WS/once.out" 2>"$WS/once.err"
rc=$?
check "--once exits CRITICAL (2)" test "$rc" -eq 2
check "--once lists the PM2 daemon as OK" grep -Eq "pm2-daemon +OK +PM2 up" "$WS/once.out"
check "--once lists web as OK" grep -Eq "^  web +OK +online, pid" "$WS/once.out"
check "--once lists crash as CRITICAL" grep -Eq "^  crash +CRITICAL +errored" "$WS/once.out"
check "--once lists the missing app" grep -Eq "^  ghost +CRITICAL +missing: declared in .*eco.json:" "$WS/once.out"

start_daemon
check "daemon answers" sh -c "\"$CTL\" -s \"$WS/control.sock\" --json status | grep -q '\"ok\":true'"
check "web is OK" wait_for 10 status_has "  web " "OK" "online, pid"
# Started now, it exits in 3 s with autorestart off.
EXIT_AFTER=3 pm2c start "$APPS/exit_after.js" --name once --no-autorestart
pm2c stop stopme
check "PM2 daemon target is OK" wait_for 10 status_has "pm2-daemon" "OK" "state read over rpc.sock"
check "cluster app shows each instance" wait_for 10 status_has "  cl " "cluster, 2/2 online (pm_ids"
check "JS ecosystem file is valid" wait_for 10 status_has "ecosystem:cluster.config.js" "OK" "valid: 1 app (cl)"

# errored: PM2 gave up after max_restarts unstable restarts.
check "errored detected" wait_for 20 journal_has detect crash "errored"
# PM2 7's stuck 'waiting restart' (pid 0, created_at null).
check "stuck waiting restart detected" wait_for 20 status_has "  crashd " "CRITICAL" "stuck in 'waiting restart'"
# autorestart off: PM2's exit event is pushed at once, not polled.
check "exit with autorestart off pushed" wait_for 20 journal_has detect once "autorestart is off: PM2 will not restart it"
# declared in the ecosystem but absent.
check "missing app detected" wait_for 10 journal_has detect ghost "missing: declared in $WS/eco.json:"
# operator stop is not an incident.
check "operator-stopped app is OK" wait_for 10 status_has "  stopme " "OK" "stopped by an operator"
# memory over memory_max at a check (PM2 itself looks every 30 s).
check "memory over memory_max detected" wait_for 20 journal_has detect leak "over 120 MB (memory_max)"
# CPU over cpu_max for cpu_window.
check "sustained CPU detected" wait_for 20 journal_has detect block "cpu"
check "CPU message names the window" wait_for 10 journal_has detect block "(cpu_window 1.5 s"
# restart loop: more than restarts_max restarts in the window.
check "restart loop detected" wait_for 30 journal_has detect flappy "restart loop:"

# Ecosystem validation against PM2's schema.json, with file:line.
check "bad YAML file is CRITICAL" status_has "ecosystem:bad.yaml" "CRITICAL"
check "wrong type is an error with its line" grep -q "bad.yaml:9: app 'wrongtype': instances: expected number, got string" "$WS/log/pm2.log"
check "unknown key is a warning with its line" grep -q "bad.yaml:5: app 'typo': unknown key 'max_restartz'" "$WS/log/pm2.log"
check "missing script is an error" grep -q "bad.yaml:11: app 'nofile': script '$APPS/no-such-app.js' not found" "$WS/log/pm2.log"
check "autostart false apps are not missing" status_has "  typo " "OK" "autostart is false"

# An operator stop survives a restart of redundancyd (state file).
check "daemon stops on SIGTERM" stop_daemon
start_daemon
check "stopme still OK after a daemon restart" wait_for 10 status_has "  stopme " "OK" "stopped by an operator"
check "PM2's daemon is the one we started with" test "$(cat "$PM2_HOME/pm2.pid")" = "$god"
finish
