#!/bin/sh
# engine_policy: soft and hard states (hard_after), flap detection, and the
# sliding-window give-up that stops a crash loop whose every incident looks
# repaired for a moment.
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
	  recover = ( ["/bin/true"] ); }
);
CONF
} >"$WS/redundancyd.conf"

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
check "the daemon stops cleanly" stop_daemon
finish
