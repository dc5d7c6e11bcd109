#!/bin/sh
# conf_env.sh: per-environment drop-ins: conf.d/ENVIRONMENT/*.conf read
# after conf.d/*.conf in name order, chosen by daemon.environment or -e,
# listed in that order by -t; an invalid environment name is refused.
. "${top_srcdir:-.}/tests/integration/lib.sh"

plugins "$WS/plugins" exec
{
	conf_head | sed 's|^daemon: {|daemon: {\n\tenvironment = "production";\n\thost = "web-1";|'
	cat <<CONF
monitors = (
	{ name = "base"; plugin = "exec"; interval = "1h"; command = ["/bin/true"]; }
);
CONF
} >"$WS/redundancyd.conf"
mkdir -p "$WS/conf.d/production" "$WS/conf.d/staging"
mon() {
	printf 'monitors = ( { name = "%s"; plugin = "exec"; interval = "%s"; command = ["/bin/true"]; } );\n' "$1" "$2"
}
mon b20 1h >"$WS/conf.d/20-b.conf"
mon a10 1h >"$WS/conf.d/10-a.conf"
mon p20 2h >"$WS/conf.d/production/20-p.conf"
mon p05 2h >"$WS/conf.d/production/05-p.conf"
mon s05 1m >"$WS/conf.d/staging/05-s.conf"
# Neither a hidden file nor one without .conf is read.
mon hidden 1h >"$WS/conf.d/production/.x.conf"
mon notconf 1h >"$WS/conf.d/production/x.conf.bak"

"$RDD" -t -c "$WS/redundancyd.conf" >"$WS/t.out" 2>&1
check "-t accepts the environment" grep -q "configuration OK: .*: 5 monitors, 5 files" "$WS/t.out"
check "-t names the environment" grep -qx "environment: production" "$WS/t.out"
check "-t names the host" grep -qx "host: web-1" "$WS/t.out"
sed -n '/^files, in the order read:/,$p' "$WS/t.out" | tail -n +2 >"$WS/files"
printf '  1 %s\n  2 %s\n  3 %s\n  4 %s\n  5 %s\n' "$WS/redundancyd.conf" \
	"$WS/conf.d/10-a.conf" "$WS/conf.d/20-b.conf" \
	"$WS/conf.d/production/05-p.conf" "$WS/conf.d/production/20-p.conf" \
	>"$WS/want"
check "-t lists the files: main, conf.d/, then conf.d/production/, each in name order" \
	cmp -s "$WS/files" "$WS/want"

# -e wins over the main file's daemon.environment.
"$RDD" -t -c "$WS/redundancyd.conf" -e staging >"$WS/t.out" 2>&1
check "-e staging reads conf.d/staging/" grep -q "  4 $WS/conf.d/staging/05-s.conf" "$WS/t.out"
check "-e staging does not read conf.d/production/" sh -c "! grep -q production/ '$WS/t.out'"
check "-t says the environment came from -e" grep -qx "environment: staging (from -e)" "$WS/t.out"

# An environment without a directory is allowed, and said.
"$RDD" -t -c "$WS/redundancyd.conf" -e dev >"$WS/t.out" 2>&1
check "an environment without a directory is accepted" grep -q "configuration OK: .*: 3 monitors, 3 files" "$WS/t.out"
check "... with a warning naming the directory" grep -q "warning: $WS/conf.d/dev: no such directory" "$WS/t.out"

# Invalid names: from -e and from the main file.
for bad in ../etc . .hidden 'a/b' 'sp ace'; do
	"$RDD" -t -c "$WS/redundancyd.conf" -e "$bad" >"$WS/t.out" 2>&1
	rc=$?
	check "-e '$bad' is refused (exit 1)" test "$rc" -eq 1
	check "-e '$bad': the error says why" grep -q "not an environment name" "$WS/t.out"
done
cp "$WS/redundancyd.conf" "$WS/good.conf"
sed -i 's|environment = "production";|environment = "prod/../x";|' "$WS/redundancyd.conf"
"$RDD" -t -c "$WS/redundancyd.conf" >"$WS/t.out" 2>&1
rc=$?
check "an invalid daemon.environment is refused" test "$rc" -eq 1
check "... with file:line and the rule" grep -q "redundancyd.conf:2: daemon.environment: \"prod/../x\" is not an environment name" "$WS/t.out"
cp "$WS/good.conf" "$WS/redundancyd.conf"

# Only the main file chooses the environment.
printf 'daemon: { environment = "staging"; };\n' >"$WS/conf.d/30-env.conf"
"$RDD" -t -c "$WS/redundancyd.conf" >"$WS/t.out" 2>&1
rc=$?
check "daemon.environment in a drop-in is refused" test "$rc" -eq 1
check "... naming the drop-in and the fix" grep -q "conf.d/30-env.conf:1: daemon.environment: only the main file" "$WS/t.out"
rm -f "$WS/conf.d/30-env.conf"

# The running daemon reads the same files; a reload keeps -e.
start_daemon -e staging
check "the daemon started with -e staging" ctl ping
check "it runs the staging monitor" sh -c "'$CTL' -s '$WS/control.sock' status | grep -q s05"
check "it does not run the production monitors" sh -c "! '$CTL' -s '$WS/control.sock' status | grep -q p05"
mon s06 1m >"$WS/conf.d/staging/06-s.conf"
check "reload" ctl reload
check "a reload reads conf.d/staging/ again (-e kept)" sh -c "'$CTL' -s '$WS/control.sock' status | grep -q s06"
check "the daemon stops cleanly" stop_daemon
finish
