#!/bin/sh
# alerts_ctl: a failing exec monitor under recovery.mode = "dry-run": the
# journal says what would be done and the command never runs; then ack,
# silence, pause and resume from redundancyctl, kept across a restart.
. "${top_srcdir:-.}/tests/integration/lib.sh"

plugins "$WS/plugins" exec
cat >"$WS/check.sh" <<'CHK'
#!/bin/sh
echo "APP CRITICAL: down"
exit 2
CHK
cat >"$WS/fix.sh" <<'FIX'
#!/bin/sh
env | grep '^RDD_' > "$1/fixed"
FIX
cat >"$WS/fix2.sh" <<'FIX'
#!/bin/sh
env | grep '^RDD_' > "$1/env2.tmp" && mv "$1/env2.tmp" "$1/env2"
FIX
chmod +x "$WS"/*.sh
{
	conf_head
	cat <<CONF
monitors = (
	{ name = "app"; plugin = "exec"; interval = "200ms";
	  command = ["$WS/check.sh"];
	  recover = ( ["$WS/fix.sh", "$WS"] );
	  recovery = { mode = "dry-run"; }; },
	{ name = "app2"; plugin = "exec"; interval = "200ms";
	  command = ["$WS/check.sh"];
	  recover = ( ["$WS/fix2.sh", "$WS"] ); }
);
alerts = {
	receivers = ( { name = "ops"; type = "webhook"; url = "http://127.0.0.1:9/hook"; } );
	route = { receivers = [ "ops" ]; group_wait = "0s"; };
};
CONF
} >"$WS/redundancyd.conf"

J="$WS/log/journal.jsonl"
check "config test passes" "$RDD" -t -c "$WS/redundancyd.conf"
start_daemon
check "dry-run journals what it would do" wait_for 15 grep -q '"kind":"dry-run".*would recover-1 app' "$J"
check "dry-run gives up after the ladder" wait_for 15 grep -q '"kind":"giveup"' "$J"
check "no action was journaled for app" sh -c "! grep -q '\"kind\":\"action\",\"monitor\":\"app\",' '$J'"
check "the recovery command never ran" test ! -e "$WS/fixed"

check "a real recovery command ran for app2" wait_for 15 test -e "$WS/env2"
check "it got RDD_MONITOR" grep -q '^RDD_MONITOR=app2$' "$WS/env2"
check "it got RDD_TARGET" grep -q '^RDD_TARGET=app2$' "$WS/env2"
check "it got RDD_STATE and RDD_EVENT" sh -c "grep -q '^RDD_STATE=CRITICAL$' '$WS/env2' && grep -q '^RDD_EVENT=critical$' '$WS/env2'"
check "it got RDD_MESSAGE" grep -q '^RDD_MESSAGE=APP CRITICAL: down$' "$WS/env2"
check "alerts lists the firing alert" wait_for 10 sh -c "\"$CTL\" -s \"$WS/control.sock\" --json alerts | grep -q RecoveryGaveUp"
check "ack stops escalation" ctl ack app --comment "looking"
check "ack is journaled with its uid" grep -q "\"kind\":\"ack\".*\"uid\":$(id -u)" "$J"
check "alerts shows it acknowledged" sh -c "\"$CTL\" -s \"$WS/control.sock\" --json alerts | grep -q '\"state\":\"acknowledged\"'"
check "ack of a monitor that does not exist fails" sh -c "! \"$CTL\" -s \"$WS/control.sock\" ack nope 2>/dev/null"
check "silence needs --for" sh -c "! \"$CTL\" -s \"$WS/control.sock\" silence app 2>/dev/null"
check "silence for 2h" ctl silence app --for 2h --comment "deploy"
check "silence --list shows it" sh -c "\"$CTL\" -s \"$WS/control.sock\" silence --list | grep -q deploy"
check "pause with --for" ctl pause app --for 1h --comment "maintenance"
ctl --json status >"$WS/status.json"
check "status shows PAUSED with who" grep -q "\"paused\":{\"by_uid\":$(id -u)" "$WS/status.json"
check "alert counters in metrics" sh -c "\"$CTL\" -s \"$WS/control.sock\" ping >/dev/null"

check "daemon stops" stop_daemon
start_daemon
ctl --json alerts >"$WS/alerts.json"
check "the silence survives a restart" grep -q '"comment":"deploy"' "$WS/alerts.json"
check "the pause survives a restart" grep -q '"comment":"maintenance"' "$WS/alerts.json"
check "the ack survives a restart" grep -q '"comment":"looking"' "$WS/alerts.json"
id=$(sed -n 's/.*"silences":\[{"id":\([0-9]*\).*/\1/p' "$WS/alerts.json")
check "silence --remove" ctl silence --remove "$id"
check "resume" ctl resume app
check "resume twice fails" sh -c "! \"$CTL\" -s \"$WS/control.sock\" resume app 2>/dev/null"
check "still no recovery command ran" test ! -e "$WS/fixed"
check "daemon stops again" stop_daemon
finish
