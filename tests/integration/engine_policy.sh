#!/bin/sh
# engine_policy: soft and hard states (hard_after), flap detection, the
# sliding-window give-up that stops a crash loop whose every incident looks
# repaired for a moment, and an action that leaves its target WARNING
# (served by a fallback): the ladder ends there, served, not given up,
# even when a check that started before the action ended answers after it.
. "${top_srcdir:-.}/tests/integration/lib.sh"

plugins "$WS/plugins" exec
cat >"$WS/blink.sh" <<'BLINK'
#!/bin/sh
# CRITICAL on every other run: a service that dies right after each repair
n=$(( $(cat "$1" 2>/dev/null || echo 0) + 1 ))
echo $n >"$1"
if [ $((n % 2)) -eq 1 ]; then echo "BLINK CRITICAL: run $n"; exit 2; fi
echo "BLINK OK: run $n"
BLINK
chmod +x "$WS/blink.sh"
{
	conf_head
	cat <<CONF
monitors = (
	{ name = "soft"; plugin = "exec"; interval = "150ms";
	  recovery = { hard_after = 3; };
	  command = ["/bin/sh", "-c", "n=\$(( \$(cat '$WS/soft.n' 2>/dev/null || echo 0) + 1 )); echo \$n > '$WS/soft.n'; echo \"SOFT CRITICAL \$n\"; exit 2"]; },
	{ name = "blink"; plugin = "exec"; interval = "100ms";
	  recovery = { window = "1h"; window_max = 4; max_attempts = 3; };
	  command = ["$WS/blink.sh", "$WS/blink.n"];
	  recover = ( ["/bin/true"] ); },
	{ name = "loop"; plugin = "exec"; interval = "100ms";
	  recovery = { window = "1h"; window_max = 2; max_attempts = 3;
	               cooldown = "300ms"; };
	  command = ["$WS/blink.sh", "$WS/loop.n"];
	  recover = ( ["/bin/true"] ); },
	{ name = "fallback"; plugin = "exec"; interval = "100ms";
	  command = ["/bin/sh", "-c", "if [ -e '$WS/fb.ok' ]; then echo 'FB OK'; elif [ -e '$WS/fb.spare' ]; then echo 'FB WARNING: down, the spare serves'; exit 1; else echo 'FB CRITICAL: down'; exit 2; fi"];
	  recover = ( ["/bin/false"], ["/usr/bin/touch", "$WS/fb.spare"] ); },
	{ name = "stale"; plugin = "exec"; interval = "100ms"; timeout = "20s";
	  command = ["/bin/sh", "$WS/stale.sh"];
	  recover = ( ["/bin/sh", "-c", "touch '$WS/st.acting'; while [ ! -e '$WS/st.held' ]; do sleep 0.01; done; touch '$WS/st.spare'"] ); },
	{ name = "midway"; plugin = "exec"; interval = "100ms";
	  command = ["/bin/sh", "-c", "if [ -e '$WS/mw.spare' ]; then echo 'MW WARNING: the spare serves'; exit 1; fi; echo 'MW CRITICAL: down'; exit 2"];
	  recover = ( ["/bin/sh", "-c", "touch '$WS/mw.spare'; until grep -q 'midway: CRITICAL -> WARNING' '$WS/log/midway.log'; do sleep 0.01; done"] ); },
	{ name = "midfail"; plugin = "exec"; interval = "100ms";
	  recovery = { max_attempts = 1; };
	  command = ["/bin/sh", "-c", "if [ -e '$WS/mf.spare' ]; then echo 'MF WARNING: half up'; exit 1; fi; echo 'MF CRITICAL: down'; exit 2"];
	  recover = ( ["/bin/sh", "-c", "touch '$WS/mf.spare'; until grep -q 'midfail: CRITICAL -> WARNING' '$WS/log/midfail.log'; do sleep 0.01; done; exit 1"] ); }
);
CONF
} >"$WS/redundancyd.conf"

# The check that holds: it looked before the spare was up (the action
# waits for it to hold), and answers only once the action's success is
# journaled, so its CRITICAL is stale by construction, not by timing.
cat >"$WS/stale.sh" <<STALE
if [ -e '$WS/st.spare' ]; then echo 'ST WARNING: the spare serves'; exit 1; fi
if [ -e '$WS/st.acting' ] && [ ! -e '$WS/st.held' ]; then
	touch '$WS/st.held'
	until grep -q '"kind":"result","monitor":"stale".*succeeded' '$WS/log/journal.jsonl'; do sleep 0.01; done
fi
echo 'ST CRITICAL: down'; exit 2
STALE
start_daemon -d
check "the third failure makes the state hard" wait_for 10 grep -q '"kind":"detect","monitor":"soft"' "$WS/log/journal.jsonl"
check "the first failure was logged as soft" grep -q 'UNKNOWN -> CRITICAL (soft): SOFT CRITICAL 1' "$WS/log/soft.log"
check "the third made it hard" grep -q 'CRITICAL is hard after 3 checks: SOFT CRITICAL 3' "$WS/log/soft.log"
check "the detection came with the third" grep -q '"monitor":"soft","target":"soft","msg":"SOFT CRITICAL 3"' "$WS/log/journal.jsonl"

check "a target that dies after every repair is given up on" wait_for 20 grep -q '"kind":"giveup","monitor":"blink"' "$WS/log/journal.jsonl"
check "the reason is the sliding window" grep -q 'recoveries within 3600 s: a crash loop' "$WS/log/journal.jsonl"
check "each repair was confirmed before the next incident" test "$(grep -c '"kind":"recovered","monitor":"blink"' "$WS/log/journal.jsonl")" -ge 3
check "flapping is detected" wait_for 10 grep -q '"kind":"flap-start","monitor":"blink"' "$WS/log/journal.jsonl"
ctl --json health blink >"$WS/blink.json" 2>/dev/null
check "status shows the give-up and the flapping" sh -c "grep -q '\"gave_up\":true' '$WS/blink.json' && grep -q '\"flapping\":true' '$WS/blink.json'"
n=$(grep -c '"kind":"action","monitor":"blink"' "$WS/log/journal.jsonl")
check "the give-up is journaled once, not at every relapse" test "$(grep -c '"kind":"giveup","monitor":"blink"' "$WS/log/journal.jsonl")" -eq 1
check "no action after the give-up ($n actions, window_max 4)" test "$n" -eq 4
# A crash loop past its window: the give-up stands through every
# cooldown end, journaled once for the incident (cooldown 300 ms here).
check "a crash loop is given up on" wait_for 20 grep -q '"kind":"giveup","monitor":"loop"' "$WS/log/journal.jsonl"
stands() {
	[ "$(grep -c 'loop: no recovery now: the recovery window is still full' "$WS/log/loop.log")" -ge 3 ]
}
check "three cooldowns end with the window still full" wait_for 20 stands
check "the give-up is journaled once for the incident" test "$(grep -c '"kind":"giveup","monitor":"loop"' "$WS/log/journal.jsonl")" -eq 1
check "no cooldown-end while the window is full" sh -c "! grep -q '\"kind\":\"cooldown-end\",\"monitor\":\"loop\"' '$WS/log/journal.jsonl'"
check "no action after it either" test "$(grep -c '"kind":"action","monitor":"loop"' "$WS/log/journal.jsonl")" -eq 2
# Rung 1 fails, rung 2 brings a spare up: WARNING at the re-check.
check "an action that leaves it WARNING ends the ladder as served" \
    wait_for 20 grep -q '"kind":"served","monitor":"fallback".*FB WARNING: down, the spare serves; degraded but served after 2 attempts' "$WS/log/journal.jsonl"
check "served is no new detection" sh -c \
    "! grep '\"kind\":\"detect\",\"monitor\":\"fallback\"' '$WS/log/journal.jsonl' | grep -q 'FB WARNING'"
ctl --json health fallback >"$WS/fb.json" 2>/dev/null
check "status says served, not given up" sh -c "grep -q '\"served\":true' '$WS/fb.json' && grep -q '\"gave_up\":false' '$WS/fb.json' && grep -q '\"needs_operator\":false' '$WS/fb.json'"
check "redundancyctl status marks it" sh -c \
    "ctl() { \"$CTL\" -s '$WS/control.sock' \"\$@\"; }; ctl status | grep -F 'FB WARNING' | grep -qF '[served, degraded: incident open]'"
check "a stale CRITICAL neither refutes the action nor costs an attempt" \
    wait_for 20 grep -q '"kind":"served","monitor":"stale".*ST WARNING: the spare serves; degraded but served after 1 attempt' "$WS/log/journal.jsonl"
check "the stale answer is logged as such" \
    grep -q 'stale: CRITICAL from a check started before the last action ended' "$WS/log/stale.log"
check "one attempt, no give-up, no WARNING detection for it" sh -c \
    "! grep -q '\"monitor\":\"stale\".*\(giveup\|attempt 2\)' '$WS/log/journal.jsonl' && ! grep '\"kind\":\"detect\",\"monitor\":\"stale\"' '$WS/log/journal.jsonl' | grep -q 'ST WARNING'"
# WARNING seen while the action still runs (it waits until a check saw
# it): the re-check says served, and that is the only record of it.
check "WARNING during the action, then served" \
    wait_for 20 grep -q '"kind":"served","monitor":"midway".*MW WARNING' "$WS/log/journal.jsonl"
check "and no WARNING detection for it" sh -c \
    "! grep '\"kind\":\"detect\",\"monitor\":\"midway\"' '$WS/log/journal.jsonl' | grep -q 'MW WARNING'"
# The same, but the action fails: not served, and the WARNING it left is
# journaled as a detection once the failure is known, not lost.
check "WARNING during an action that fails is detected after it" \
    wait_for 20 grep -q '"kind":"detect","monitor":"midfail".*MF WARNING: half up' "$WS/log/journal.jsonl"
check "after the failure, once, and not served" sh -c \
    "grep -n '\"monitor\":\"midfail\"' '$WS/log/journal.jsonl' | grep -A1 '\"kind\":\"result\".*failed' | grep -q '\"kind\":\"detect\".*MF WARNING' && [ \$(grep -c '\"kind\":\"detect\",\"monitor\":\"midfail\".*MF WARNING' '$WS/log/journal.jsonl') -eq 1 ] && ! grep -q '\"kind\":\"served\",\"monitor\":\"midfail\"' '$WS/log/journal.jsonl'"
touch "$WS/fb.ok"
check "the served incident closes when OK" wait_for 10 grep -q '"kind":"recovered","monitor":"fallback".*after 2 attempts' "$WS/log/journal.jsonl"
check "no give-up and no third attempt for it" sh -c "! grep -q '\"monitor\":\"fallback\".*\(giveup\|attempt 3\)' '$WS/log/journal.jsonl' && ! grep -q '\"kind\":\"giveup\",\"monitor\":\"fallback\"' '$WS/log/journal.jsonl'"
ctl --json health fallback >"$WS/fb.json" 2>/dev/null
check "served ends with the incident" grep -q '"served":false' "$WS/fb.json"
check "the daemon stops cleanly" stop_daemon
finish
