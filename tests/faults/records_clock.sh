#!/bin/sh
# records_clock: after a wall-clock step back, a state file whose cooldown
# and window lay 24 h ahead kept a failing target unrepaired for 24 h.
# Loaded times are now clamped: the cooldown ends within
# recovery.cooldown, attempts in the future are dropped from the window,
# and both are journaled. Times 24 h in the past (a step forward) end the
# cooldown at once.
. "${top_srcdir:-.}/tests/integration/lib.sh"

plugins "$WS/plugins" exec
cat >"$WS/fix.sh" <<'FIX'
#!/bin/sh
# a repair that never works; counts its runs
n=$(( $(cat "$1/count" 2>/dev/null || echo 0) + 1 ))
echo $n >"$1/count"
exit 1
FIX
chmod +x "$WS/fix.sh"
{
	conf_head | sed 's/cooldown = "1m"/cooldown = "3s"; window = "1h"; window_max = 3/'
	cat <<CONF
monitors = (
	{ name = "svc"; plugin = "exec"; interval = "200ms";
	  command = ["/bin/sh", "-c", "echo 'SVC CRITICAL: down'; exit 2"];
	  recover = ( ["$WS/fix.sh", "$WS"] ); }
);
CONF
} >"$WS/redundancyd.conf"
journal="$WS/log/journal.jsonl"

# state_file OFFSET_MS: a target that gave up, with cooldown, incident
# and three window attempts at now + OFFSET_MS (the format of state.c and
# recover_save: wall-clock ms as strings).
state_file() {
	now=$(($(date +%s%N) / 1000000))
	t=$((now + $1))
	mkdir -p "$WS/state"
	cat >"$WS/state/state.json" <<STATE
{ "version": 1, "scopes": { "svc/svc": { "attempts": "3",
  "incident": "$((t - 3000))", "cooldown": "$t", "gave_up": "1",
  "window": "$((t - 3000)),$((t - 2000)),$((t - 1000))" } } }
STATE
}

day=$((24 * 3600 * 1000))

# 1. The clock was stepped back a day since the file was written.
state_file "$day"
start=$(date +%s)
check "the daemon starts" start_daemon
check "the clamp is journaled" wait_for 5 grep -q '"kind":"clock","monitor":"svc"' "$journal"
check "it names the cooldown and the dropped attempts" \
    grep -q 'cooldown ends within recovery.cooldown: next try in [0-3] s; 3 attempts of the window dropped' "$journal"
check "the cooldown still holds for a moment: no repair at once" test ! -e "$WS/count"
check "the repair runs within the configured cooldown (3 s), not 24 h" wait_for 10 test -s "$WS/count"
took=$(($(date +%s) - start))
check "it took ${took} s, at most cooldown + a few" test "$took" -le 8
check "the cooldown end is journaled" grep -q '"kind":"cooldown-end","monitor":"svc"' "$journal"
check "the dropped window did not make it give up again first" \
    sh -c "sed -n '/cooldown-end/,\$p' '$journal' | grep -m1 -e '\"kind\":\"action\"' -e '\"kind\":\"giveup\"' | grep -q '\"kind\":\"action\"'"
check "the state file now holds times near now" wait_for 5 sh -c "
	now=\$((\$(date +%s%N) / 1000000))
	python3 -c '
import json, sys
now = int(sys.argv[2])
s = json.load(open(sys.argv[1]))[\"scopes\"][\"svc/svc\"]
ts = [int(x) for x in s[\"window\"].split(\",\")] + [int(s[\"incident\"])]
sys.exit(0 if all(abs(now - x) < 3600 * 1000 for x in ts) else 1)
' '$WS/state/state.json' \$now"
check "the daemon stops cleanly" stop_daemon

# 2. The clock was stepped forward a day: the cooldown is long over.
rm -f "$WS/count" "$journal"
state_file "-$day"
check "the daemon starts again" start_daemon
check "the repair runs at once" wait_for 3 test -s "$WS/count"
check "nothing was clamped" sh -c "! grep -q '\"kind\":\"clock\"' '$journal'"
check "the daemon stops cleanly" stop_daemon
finish
