#!/bin/sh
# prom_rules: the shipped Prometheus rules load (promtool check rules),
# pass their unit tests on synthetic series (promtool test rules: each
# alert fires when and where it should, and not elsewhere), and the
# sample scrape config is valid.
. "${top_srcdir:-.}/tests/integration/lib.sh"

if ! command -v promtool >/dev/null 2>&1; then
	echo "promtool missing: scripts/bootstrap installs prometheus"
	[ "${CI:-}" = "true" ] && exit 1
	exit 77
fi
P="$S/etc/prometheus"
promtool check rules "$P/redundancyd.rules.yml" >"$WS/check.out" 2>&1
rc=$?
check "promtool check rules ($(tail -n 1 "$WS/check.out"))" test $rc -eq 0
check "four rules" grep -q "SUCCESS: 4 rules found" "$WS/check.out"
(cd "$P" && promtool test rules tests.yml) >"$WS/test.out" 2>&1
rc=$?
check "promtool test rules ($(grep -m 1 -i fail "$WS/test.out"))" test $rc -eq 0
# The unit tests fail when a rule is wrong: the same tests on a broken copy.
mkdir "$WS/broken"
sed 's/redundancyd_target_needs_operator == 1/redundancyd_target_needs_operator == 2/' \
    "$P/redundancyd.rules.yml" >"$WS/broken/redundancyd.rules.yml"
cp "$P/tests.yml" "$WS/broken/"
(cd "$WS/broken" && promtool test rules tests.yml) >/dev/null 2>&1
check "and they catch a broken rule" test $? -ne 0
sed "s|/etc/prometheus/redundancyd.rules.yml|$P/redundancyd.rules.yml|" \
    "$P/scrape.yml" >"$WS/scrape.yml"
promtool check config "$WS/scrape.yml" >"$WS/config.out" 2>&1
rc=$?
check "the sample scrape config is valid ($(tail -n 1 "$WS/config.out"))" test $rc -eq 0
finish
