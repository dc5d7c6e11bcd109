#!/bin/sh
# process_rename: a monitor renamed by a reload is the same monitor. Its
# owned process runs on (same pid, one copy, no start journaled), its state
# directory moves with it and the process's log goes on in the moved file,
# a pause on it stays, and the rename is journaled; a directory at the new
# name is set aside, and where that cannot be, it is no rename and says so.
# A rename that also changes what runs (the command) is a new monitor: the
# old process is stopped and a new one started, as before.
. "${top_srcdir:-.}/tests/integration/lib.sh"

plugins "$WS/plugins" process
# A named script that writes a line every 0.1 s: its log shows it runs.
cat >"$WS/ticker" <<'APP'
#!/bin/sh
n=0
while :; do n=$((n + 1)); echo "tick $n"; sleep 0.1; done
APP
chmod +x "$WS/ticker"
EXTRA_CLEANUP='for p in $(pgrep -f "$WS/"); do kill -KILL $p; done 2>/dev/null'

# conf NAME ARG: one owned monitor; ARG is part of its command.
conf() {
	{
		conf_head
		cat <<CONF
monitors = (
	{ name = "$1"; plugin = "process"; interval = "1h";
	  command = ["/bin/sh", "$WS/ticker", "$2"]; }
);
CONF
	} >"$WS/redundancyd.conf"
}

J="$WS/log/journal.jsonl"
count() { pgrep -f "^/bin/sh $WS/ticker" | wc -l; }
pid_of() { ctl run "$1" status | sed -n 's/^pid \([0-9]*\).*/\1/p'; }
starts() { grep -c '"kind":"process-start"' "$J"; }
size() { stat -c %s "$1" 2>/dev/null || echo 0; }
grows() { test "$(size "$1")" -gt "$2"; }

conf web 1
start_daemon
check "web is OK" wait_for 10 ctl health web
p1=$(pid_of web)
check "web runs a process" test -n "$p1"
check "one ticker runs" test "$(count)" -eq 1
check "its log is in web's state directory" wait_for 5 test -s "$WS/state/web/stdout.log"
check "web is paused by the operator" ctl pause web --comment "deploy"

# The rename: nothing but the name changes. A dropped monitor once called
# site left its directory: it is set aside, not deleted.
mkdir -p "$WS/state/site"
echo "a dropped monitor's file" >"$WS/state/site/old.txt"
conf site 1
check "the renamed configuration passes -t" "$RDD" -t -c "$WS/redundancyd.conf"
check "reload with web renamed to site" ctl reload
site_runs() { [ "$(pid_of site 2>/dev/null)" = "$p1" ]; }
check "site watches the very process web started" wait_for 10 site_runs
check "that process is alive" kill -0 "$p1"
check "still exactly one ticker" test "$(count)" -eq 1
check "no second start is journaled" test "$(starts)" -eq 1
check "the rename is journaled with what carried over" grep -q '"kind":"monitor-renamed".*"monitor":"site".*renamed from web' "$J"
check "site is OK (no old-definition warning)" wait_for 10 ctl health site
check "the state directory moved" test -d "$WS/state/site" -a ! -e "$WS/state/web"
check "the old directory at the new name was set aside" grep -q "dropped monitor's file" "$WS/state/.site.replaced/old.txt"
check "and the system log says where" grep -q "moved to $WS/state/.site.replaced" "$WS/log/system.log"
s0=$(size "$WS/state/site/stdout.log")
check "the process writes on into the moved log" wait_for 5 grows "$WS/state/site/stdout.log" "$s0"
check "the pause moved with the name" sh -c "'$CTL' -s '$WS/control.sock' status | grep -q '^site .*PAUSED'"
check "web has no pause left to end" sh -c "! '$CTL' -s '$WS/control.sock' resume web"
check "site's pause ends" ctl resume site
check "web is gone from the status" sh -c "! '$CTL' -s '$WS/control.sock' status | grep -q '^web '"

# A rename whose directory cannot be made free (both the new name's and
# its set-aside place are taken) is not taken for one: said, and the
# process is replaced as for any new monitor.
mkdir -p "$WS/state/blk" "$WS/state/.blk.replaced"
touch "$WS/state/blk/x" "$WS/state/.blk.replaced/y"
conf blk 1
check "reload with a rename that cannot move its directory" ctl reload
blk_new() { p=$(pid_of blk 2>/dev/null); [ -n "$p" ] && [ "$p" != "$p1" ]; }
check "blk runs a new process" wait_for 10 blk_new
check "site's process was stopped" wait_for 10 sh -c "! kill -0 $p1 2>/dev/null || grep -q '^State:.*Z' /proc/$p1/status"
check "the system log says why it is not a rename" grep -q "blk looks like site renamed, but .* both exist: move them away: it is taken as a new monitor" "$WS/log/system.log"
check "no rename is journaled for blk" sh -c "! grep -q '\"kind\":\"monitor-renamed\".*\"monitor\":\"blk\"' '$J'"
check "nothing of the directories was moved" test -e "$WS/state/blk/x" -a -e "$WS/state/.blk.replaced/y" -a -e "$WS/state/site/stdout.log"
p2=$(pid_of blk)

# A rename that also changes the command is another monitor.
conf www 2
check "reload with a rename and a new command" ctl reload
www_new() { p=$(pid_of www 2>/dev/null); [ -n "$p" ] && [ "$p" != "$p2" ]; }
check "www runs a new process" wait_for 10 www_new
check "blk's process was stopped" wait_for 10 sh -c "! kill -0 $p2 2>/dev/null || grep -q '^State:.*Z' /proc/$p2/status"
check "exactly one ticker again" test "$(count)" -eq 1
check "its start is journaled" test "$(starts)" -eq 3
check "no rename is journaled for www" sh -c "! grep -q '\"kind\":\"monitor-renamed\".*\"monitor\":\"www\"' '$J'"
check "daemon stops with status 0" stop_daemon
check "no ticker is left" test "$(count)" -eq 0
finish
