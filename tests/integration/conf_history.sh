#!/bin/sh
# conf_history.sh: the configuration history with the real daemon: entries
# on start and on reload (only when changed), pruning to the limit, files
# kept 0600, config diff, rollback restoring the files and reloading, and
# a rollback to a configuration that no longer validates refused with
# nothing written.
. "${top_srcdir:-.}/tests/integration/lib.sh"

plugins "$WS/plugins" exec
me=$(id -u)
H="$WS/state/config-history"
main_conf() {
	{
		conf_head | sed "s|^daemon: {|daemon: {\n\tconfig_history = 3;|; s|plugin_dir = \"[^\"]*\"|plugin_dir = \"$1\"|"
		cat <<CONF
monitors = (
	{ name = "base"; plugin = "exec"; interval = "1h"; command = ["/bin/true"]; }
);
CONF
	} >"$WS/redundancyd.conf"
}
dropin() {
	printf 'monitors = ( { name = "%s"; plugin = "exec"; interval = "1h"; command = ["/bin/true"]; } );\n' "$1" >"$WS/conf.d/10-mon.conf"
}
# entries: the numbers of the entries, one line.
entries() {
	ctl config history | awk 'NR > 1 && $1 ~ /^[0-9]+$/ { printf "%s ", $1 }'
}
# field N COL: column COL (4 uid, 5 trigger) of entry N.
field() {
	ctl config history | awk -v n="$1" -v c="$2" '$1 == n { print $c }'
}
has_mon() {
	ctl status | grep -q "^$1 "
}

main_conf "$WS/plugins"
mkdir -p "$WS/conf.d"
dropin one
start_daemon
check "the daemon started" ctl ping
check "start keeps entry 1" test "$(entries)" = "1 "
check "entry 1: trigger start" test "$(field 1 5)" = start
check "entry 1: uid of who started it" test "$(field 1 4)" = "$me"
check "entry 1 lists the main file and the drop-in" \
	sh -c "'$CTL' -s '$WS/control.sock' config history | grep -q '$WS/redundancyd.conf $WS/conf.d/10-mon.conf'"
check "the history directory is 0700" test "$(stat -c %a "$H")" = 700
check "kept files are 0600" sh -c "test \"\$(stat -c %a '$H/00000001/0' '$H/00000001/1' '$H/00000001/manifest.json' | sort -u)\" = 600"
check "entry 1 holds the drop-in's bytes" cmp -s "$H/00000001/1" "$WS/conf.d/10-mon.conf"

ctl reload >/dev/null
check "a reload without a change keeps no entry" test "$(entries)" = "1 "

dropin two
ctl reload >/dev/null
check "a reload with a change keeps entry 2" test "$(entries)" = "1 2 "
check "entry 2: trigger reload, uid from the control socket" \
	test "$(field 2 5) $(field 2 4)" = "reload $me"
check "the journal has the kept configuration with the uid" \
	grep -q "\"kind\":\"config-kept\",\"msg\":\"configuration 2 kept (reload): 2 files\",\"uid\":$me" "$WS/log/journal.jsonl"

dropin three
kill -HUP "$DPID"
check "SIGHUP keeps entry 3" wait_for 10 sh -c "test \"\$('$CTL' -s '$WS/control.sock' config history | awk '\$1 == 3 { print \$5 }')\" = signal"
check "entry 3: the uid of a signal's sender is not known" test "$(field 3 4)" = -
cp "$WS/conf.d/10-mon.conf" "$WS/three.conf"

dropin four
ctl reload >/dev/null
check "entry 4 kept, entry 1 pruned (limit 3)" test "$(entries)" = "2 3 4 "
check "entry 1's directory is gone" test ! -e "$H/00000001"

# diff: entry 3 against the files now (four).
ctl config diff 3 >"$WS/diff.out"
check "diff exits 0" test $? -eq 0
check "diff: the header names the file and the entry" \
	grep -q "^--- $WS/conf.d/10-mon.conf	(configuration 3)" "$WS/diff.out"
check "diff: the +++ line is the file now" grep -q "^+++ $WS/conf.d/10-mon.conf	(now)" "$WS/diff.out"
check "diff: removes three" grep -q '^-monitors = ( { name = "three"' "$WS/diff.out"
check "diff: adds four" grep -q '^+monitors = ( { name = "four"' "$WS/diff.out"
check "diff: the unchanged main file is not shown" sh -c "! grep -q 'redundancyd.conf' '$WS/diff.out'"
check "diff of entry 4 (the files now) is empty" test -z "$(ctl config diff 4)"
ctl config diff 99 >"$WS/d.out" 2>&1
check "diff of a missing entry fails (exit 1)" test $? -eq 1
check "... saying so" grep -q "no configuration 99 in the history" "$WS/d.out"
"$CTL" -s "$WS/control.sock" config diff x >"$WS/d.out" 2>&1
check "diff of a non-number is a usage error (64)" test $? -eq 64

# rollback to 3, with a drop-in added since and an unapplied edit: the
# files now are kept first (a backup entry), the extra drop-in goes.
printf 'monitors = ( { name = "extra"; plugin = "exec"; interval = "1h"; command = ["/bin/true"]; } );\n' >"$WS/conf.d/20-extra.conf"
dropin edited
ctl config rollback 3 >"$WS/rb.out" 2>&1
rc=$?
check "rollback 3 exits 0" test "$rc" -eq 0
check "rollback says what it did" grep -q "rolled back to configuration 3" "$WS/rb.out"
check "the drop-in has entry 3's bytes again" cmp -s "$WS/conf.d/10-mon.conf" "$WS/three.conf"
check "the drop-in entry 3 did not have is removed" test ! -e "$WS/conf.d/20-extra.conf"
check "the daemon reloaded: monitor three runs" has_mon three
check "... monitor four does not" sh -c "! '$CTL' -s '$WS/control.sock' status | grep -q '^four '"
check "the files before were kept as a backup entry" test "$(field 5 5)" = backup
check "the backup holds the unapplied edit" grep -q edited "$H/00000005/1"
check "the backup holds the extra drop-in" grep -q extra "$H/00000005/2"
check "the rollback's apply is entry 6" test "$(field 6 5) $(field 6 4)" = "rollback $me"
check "pruned to 3 entries" test "$(entries)" = "4 5 6 "
check "the journal has the rollback with the uid" \
	grep -q "\"kind\":\"config-rollback\",\"msg\":\"rolled back to configuration 3.*\"uid\":$me" "$WS/log/journal.jsonl"

# A configuration that no longer validates: its plugin directory is gone.
mkdir -p "$WS/plugins2"
cp -p "$WS/plugins/exec.so" "$WS/plugins2/"
chmod 0755 "$WS/plugins2"
main_conf "$WS/plugins2"
ctl reload >/dev/null
check "a configuration using plugins2 is entry 7" test "$(field 7 5)" = reload
main_conf "$WS/plugins"
ctl reload >/dev/null
rm -rf "$WS/plugins2"
before=$(ls -li "$WS/redundancyd.conf" "$WS/conf.d"; cksum "$WS/redundancyd.conf" "$WS/conf.d"/*)
hist_before=$(entries)
ctl config rollback 7 >"$WS/rb.out" 2>&1
rc=$?
check "a rollback to an invalid configuration is refused (exit 2)" test "$rc" -eq 2
check "... saying nothing was written and why" \
	grep -q "rollback refused, nothing written: configuration 7 does not validate now: .*exec" "$WS/rb.out"
check "... and nothing was written (same inodes, same bytes)" \
	test "$(ls -li "$WS/redundancyd.conf" "$WS/conf.d"; cksum "$WS/redundancyd.conf" "$WS/conf.d"/*)" = "$before"
check "... and no entry was kept" test "$(entries)" = "$hist_before"
check "... and the journal says so" grep -q '"kind":"config-rollback-failed"' "$WS/log/journal.jsonl"
check "the daemon still runs its configuration" has_mon three
ctl config rollback 99 >"$WS/rb.out" 2>&1
check "a rollback to a missing entry is refused (exit 2)" test $? -eq 2

# A token in a file: kept masked, never written back.
printf 'monitors = ( { name = "tok"; plugin = "exec"; interval = "1h"; command = ["/bin/echo", "ghp_Zq8Xw7Vu6Ts5Rq4Po3Nm2Lk1Jh0GfEdCbAa"]; } );\n' >"$WS/conf.d/30-tok.conf"
ctl reload >/dev/null
last=$(entries | awk '{ print $NF }')
check "a configuration with a token is kept masked" \
	grep -q '"masked":true' "$H/$(printf %08d "$last")/manifest.json"
check "... the token is nowhere in the history" sh -c "! grep -rq ghp_Zq8X '$H'"
first=$(entries | awk '{ print $1 }')
ctl config diff "$first" >"$WS/diff.out"
check "config diff shows the new file, its token masked" \
	grep -q '^+monitors = ( { name = "tok".*\[REDACTED\]' "$WS/diff.out"
check "config diff does not show the token" sh -c "! grep -q ghp_Zq8X '$WS/diff.out'"
rm -f "$WS/conf.d/30-tok.conf"
ctl reload >/dev/null
ctl config rollback "$last" >"$WS/rb.out" 2>&1
check "a rollback to a masked configuration is refused (exit 2)" test $? -eq 2
check "... saying why" grep -q "kept with a secret masked" "$WS/rb.out"
check "... and the file was not written back" test ! -e "$WS/conf.d/30-tok.conf"

check "the daemon stops cleanly" stop_daemon

# daemon.config_history = 0: nothing kept.
sed -i 's|config_history = 3;|config_history = 0;|' "$WS/redundancyd.conf"
rm -rf "$H"
start_daemon
check "with config_history = 0 the daemon starts" ctl ping
check "... and keeps nothing" test -z "$(entries)"
check "the daemon stops cleanly again" stop_daemon
finish
