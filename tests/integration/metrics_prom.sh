#!/bin/sh
# metrics_prom: /metrics of a real daemon running the real monitoring-plugins
# (check_disk, check_load, check_procs, check_tcp, check_http against a
# loopback server) through the exec plugin, with an alert receiver, a
# recovery and a give-up: promtool accepts it and every family is there;
# perfdata labels are label values ("/var" and "_var" both kept); counters
# survive a reload, by redundancyctl and by SIGHUP.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$S/tests/integration/alerts_lib.sh"

NP=/usr/lib/nagios/plugins
# missing TOOL: skip, but never in CI (scripts/bootstrap installs them).
missing() {
	echo "$1 missing: scripts/bootstrap installs it"
	[ "${CI:-}" = "true" ] && exit 1
	exit 77
}
command -v promtool >/dev/null 2>&1 || missing "promtool (Debian: prometheus)"
for p in check_disk check_load check_procs check_tcp check_http; do
	[ -x "$NP/$p" ] || missing "$NP/$p (Debian: monitoring-plugins-basic)"
done

HTTP_LISTEN=127.0.0.1:0
export HTTP_LISTEN
http_sink web || exit 1
check "the loopback web server is up" wait_for 10 test -s "$WS/web.port"
P=$(cat "$WS/web.port")
plugins "$WS/plugins" exec || exit 1
{
	conf_head
	cat <<CONF
monitors = (
	{ name = "disk"; plugin = "exec"; interval = "300ms";
	  command = ["$NP/check_disk", "-w", "1%", "-c", "1%", "-p", "/"]; },
	{ name = "load"; plugin = "exec"; interval = "300ms";
	  command = ["$NP/check_load", "-w", "500,400,300", "-c", "900,800,700"]; },
	{ name = "procs"; plugin = "exec"; interval = "300ms";
	  command = ["$NP/check_procs", "-w", "100000", "-c", "200000"]; },
	{ name = "tcp"; plugin = "exec"; interval = "300ms";
	  command = ["$NP/check_tcp", "-H", "127.0.0.1", "-p", "$P"]; },
	{ name = "http"; plugin = "exec"; interval = "300ms";
	  command = ["$NP/check_http", "-I", "127.0.0.1", "-p", "$P", "-u", "/"]; },
	{ name = "paths"; plugin = "exec"; interval = "300ms";
	  command = ["/bin/sh", "-c", "echo \"PATHS OK | '/var'=1024KB;;;0;2048 '_var'=2KB ratio=0.1;0.5:0.9;@0.2:0.3\""]; },
	{ name = "flip"; plugin = "exec"; interval = "200ms";
	  command = ["/bin/sh", "-c", "if [ -e '$WS/flip.ok' ]; then echo 'FLIP OK'; else echo 'FLIP CRITICAL: down'; exit 2; fi"];
	  recover = ( ["/usr/bin/touch", "$WS/flip.ok"] ); },
	{ name = "stuck"; plugin = "exec"; interval = "200ms";
	  recovery = { max_attempts = 2; cooldown = "1h"; };
	  command = ["/bin/sh", "-c", "echo 'STUCK CRITICAL: down'; exit 2"];
	  recover = ( ["/bin/false"] ); }
);
alerts = {
	receivers = ( { name = "hook"; type = "webhook";
		url = "http://127.0.0.1:$P/hook";
		retry_min = "100ms"; retry_max = "200ms"; } );
	route = { receivers = [ "hook" ]; group_wait = "0s"; };
};
CONF
} >"$WS/redundancyd.conf"

start_daemon || { not_ok "daemon starts"; finish; exit 1; }
PORT=$(sed -n 's/.*status page on http:\/\/127.0.0.1:\([0-9]*\)\/.*/\1/p' \
    "$WS/log/system.log" | tail -n 1)
check "the status page listens" test -n "$PORT"
get() {
	curl -s "http://127.0.0.1:$PORT/metrics" >"$WS/$1"
}
J="$WS/log/journal.jsonl"
check "flip recovers" wait_for 20 grep -q '"kind":"recovered","monitor":"flip"' "$J"
check "stuck is given up on" wait_for 20 grep -q '"kind":"giveup","monitor":"stuck"' "$J"
check "an alert went to the receiver" wait_for 20 test -s "$WS/web.log"
# Every check monitor has reported its perfdata once.
has_perf() {
	get m0
	for m in disk load procs tcp http paths; do
		grep -q "^redundancyd_perfdata{monitor=\"$m\"" "$WS/m0" || return 1
	done
}
check "every monitor's perfdata is in /metrics" wait_for 20 has_perf
get m1
check "promtool check metrics accepts /metrics" sh -c "promtool check metrics <'$WS/m1' >'$WS/promtool.out' 2>&1"
cat "$WS/promtool.out"
for fam in redundancyd_up redundancyd_build_info redundancyd_start_time_seconds \
    redundancyd_state redundancyd_recoveries_in_flight redundancyd_monitor_state \
    redundancyd_monitor_blocked redundancyd_monitor_paused \
    redundancyd_monitor_checks_total redundancyd_checks_total \
    redundancyd_monitor_overruns_total redundancyd_check_duration_seconds \
    redundancyd_recoveries_total redundancyd_time_to_recover_seconds \
    redundancyd_target_state redundancyd_target_recovery_attempts \
    redundancyd_target_needs_operator redundancyd_target_gave_up \
    redundancyd_perfdata redundancyd_perfdata_warning_lt \
    redundancyd_perfdata_warning_gt redundancyd_perfdata_critical_lt \
    redundancyd_perfdata_critical_gt redundancyd_perfdata_min \
    redundancyd_perfdata_max redundancyd_worker_rss_bytes \
    redundancyd_worker_restarts_total redundancyd_worker_quarantined \
    redundancyd_worker_slow_callbacks_total redundancyd_alerts_firing \
    redundancyd_alerts_notifications_total redundancyd_alerts_sent_total \
    redundancyd_alerts_outbox_depth; do
	if grep -q "^# TYPE $fam " "$WS/m1" && grep -q "^# HELP $fam " "$WS/m1" &&
	    { grep -q "^$fam[{ ]" "$WS/m1" || grep -q "^${fam}_bucket{" "$WS/m1"; }; then
		ok "family $fam: HELP, TYPE and a sample"
	else
		not_ok "family $fam: HELP, TYPE and a sample"
	fi
done
V=$(sed -n 's/^redundancyd_build_info{version="\([^"]*\)",abi="[0-9]*\.[0-9]*"} 1$/\1/p' "$WS/m1")
check "build_info names the version ($V)" sh -c "'$RDD' -V | grep -qF -- '$V'"
check "the recovery is counted" grep -qx 'redundancyd_recoveries_total{monitor="flip",result="succeeded"} 1' "$WS/m1"
check "the give-up's failures are counted" grep -qx 'redundancyd_recoveries_total{monitor="stuck",result="failed"} 2' "$WS/m1"
check "the give-up needs an operator" grep -qx 'redundancyd_target_needs_operator{monitor="stuck",target="stuck"} 1' "$WS/m1"
check "flip needs nobody" grep -qx 'redundancyd_target_needs_operator{monitor="flip",target="flip"} 0' "$WS/m1"
check "time to recover: one incident, in the +Inf bucket" grep -qx 'redundancyd_time_to_recover_seconds_bucket{monitor="flip",le="+Inf"} 1' "$WS/m1"
check "time to recover: _count" grep -qx 'redundancyd_time_to_recover_seconds_count{monitor="flip"} 1' "$WS/m1"
check "check durations: the +Inf bucket is _count" sh -c "
	a=\$(sed -n 's/^redundancyd_check_duration_seconds_bucket{monitor=\"disk\",le=\"+Inf\"} //p' '$WS/m1')
	b=\$(sed -n 's/^redundancyd_check_duration_seconds_count{monitor=\"disk\"} //p' '$WS/m1')
	[ -n \"\$a\" ] && [ \"\$a\" = \"\$b\" ] && [ \"\$a\" -ge 1 ]"
check "checks by state: stuck's are critical" grep -Eq '^redundancyd_checks_total\{monitor="stuck",state="critical"\} [1-9]' "$WS/m1"
# Perfdata: the label is a label value, uom the base unit.
check "check_disk's / is a label value" grep -Eq '^redundancyd_perfdata\{monitor="disk",target="disk",label="/",uom="B"\} [0-9]' "$WS/m1"
check "check_disk's max is the disk's size" grep -Eq '^redundancyd_perfdata_max\{monitor="disk",target="disk",label="/",uom="B"\} [1-9]' "$WS/m1"
check "/var and _var are two series" sh -c "grep -qx 'redundancyd_perfdata{monitor=\"paths\",target=\"paths\",label=\"/var\",uom=\"B\"} 1048576' '$WS/m1' && grep -qx 'redundancyd_perfdata{monitor=\"paths\",target=\"paths\",label=\"_var\",uom=\"B\"} 2048' '$WS/m1'"
check "min and max in base units" sh -c "grep -qx 'redundancyd_perfdata_min{monitor=\"paths\",target=\"paths\",label=\"/var\",uom=\"B\"} 0' '$WS/m1' && grep -qx 'redundancyd_perfdata_max{monitor=\"paths\",target=\"paths\",label=\"/var\",uom=\"B\"} 2097152' '$WS/m1'"
check "0.1 is printed as 0.1 (shortest round trip)" grep -qx 'redundancyd_perfdata{monitor="paths",target="paths",label="ratio",uom=""} 0.1' "$WS/m1"
check "a range L:H: warning_lt L, warning_gt H" sh -c "grep -qx 'redundancyd_perfdata_warning_lt{monitor=\"paths\",target=\"paths\",label=\"ratio\",uom=\"\"} 0.5' '$WS/m1' && grep -qx 'redundancyd_perfdata_warning_gt{monitor=\"paths\",target=\"paths\",label=\"ratio\",uom=\"\"} 0.9' '$WS/m1'"
check "an inside range (@) has no critical bounds" sh -c "! grep -q '^redundancyd_perfdata_critical_[lg]t{monitor=\"paths\",target=\"paths\",label=\"ratio\"' '$WS/m1'"
check "check_load: load1 warns above 500" grep -qx 'redundancyd_perfdata_warning_gt{monitor="load",target="load",label="load1",uom=""} 500' "$WS/m1"
check "check_load: load1 is critical above 900, below 0" sh -c "grep -qx 'redundancyd_perfdata_critical_gt{monitor=\"load\",target=\"load\",label=\"load1\",uom=\"\"} 900' '$WS/m1' && grep -qx 'redundancyd_perfdata_critical_lt{monitor=\"load\",target=\"load\",label=\"load1\",uom=\"\"} 0' '$WS/m1'"
check "check_procs: procs" grep -Eq '^redundancyd_perfdata\{monitor="procs",target="procs",label="procs",uom=""\} [1-9]' "$WS/m1"
check "check_tcp: time in seconds" grep -Eq '^redundancyd_perfdata\{monitor="tcp",target="tcp",label="time",uom="s"\} [0-9]' "$WS/m1"
check "check_http: the page's size" grep -Eq '^redundancyd_perfdata\{monitor="http",target="http",label="size",uom="B"\} [1-9]' "$WS/m1"
check "no series twice" sh -c "grep -v '^#' '$WS/m1' | sed 's/ [^ ]*\$//' | sort | uniq -d | grep -q . && exit 1 || exit 0"

# Counters survive reloads: redundancyctl reload, then SIGHUP.
count() {
	sed -n "s/^redundancyd_monitor_checks_total{monitor=\"disk\"} //p" "$1"
}
# Enough checks first that a counter restarted at the reload would show.
many() {
	get m1
	[ "$(count "$WS/m1")" -ge 8 ]
}
check "disk has run 8 checks" wait_for 20 many
c1=$(count "$WS/m1")
check "redundancyctl reload" ctl reload
check "reloaded" wait_for 10 sh -c "[ \$(grep -c '\"kind\":\"reload\"' '$J') -ge 1 ]"
get m2
c2=$(count "$WS/m2")
check "checks_total did not restart at the reload ($c1 -> $c2)" test "${c2:-0}" -ge "${c1:-1}"
check "the recovery is still counted" grep -qx 'redundancyd_recoveries_total{monitor="flip",result="succeeded"} 1' "$WS/m2"
check "so is the time to recover" grep -qx 'redundancyd_time_to_recover_seconds_count{monitor="flip"} 1' "$WS/m2"
kill -HUP "$DPID"
check "SIGHUP reloads" wait_for 10 sh -c "[ \$(grep -c '\"kind\":\"reload\"' '$J') -ge 2 ]"
get m3
c3=$(count "$WS/m3")
check "checks_total did not restart at SIGHUP ($c2 -> $c3)" test "${c3:-0}" -ge "${c2:-1}"
check "the give-up's failures are still counted" grep -qx 'redundancyd_recoveries_total{monitor="stuck",result="failed"} 2' "$WS/m3"
check "promtool still accepts /metrics" sh -c "promtool check metrics <'$WS/m3'"
check "the daemon stops cleanly" stop_daemon
finish
