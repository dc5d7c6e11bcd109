#!/bin/sh
# config_refusals: one validation path. -t, start and reload refuse the
# configurations a plugin refuses (with file, line and fix), typos in any
# group, a non-loopback listen address; a refused reload keeps the old,
# working monitor checked; a conf.d file another user controls is refused;
# a plugin that fails to start makes its monitor CRITICAL; a daemon that
# fails to start in the background says why on the terminal.
. "${top_srcdir:-.}/tests/isolation/lib.sh"

iso_plugins bad_start
plugins "$WS/plugins" exec pm2

# conf_with MONITOR_KEYS [DAEMON_KEYS [SED]]: one monitor "m"; SED edits
# the daemon and recovery groups.
conf_with() {
	{
		conf_head | sed -e "s|shutdown_deadline = \"5s\";|shutdown_deadline = \"5s\"; ${2:-}|" \
		    -e "${3:-}"
		cat <<CONF
monitors = (
	{ name = "m"; interval = "200ms"; $1 }
);
CONF
	} >"$WS/redundancyd.conf"
}

# refused WANT MONITOR_KEYS [DAEMON_KEYS [EXTRA]]: -t exits 1 and says WANT.
refused() {
	want=$1
	shift
	conf_with "$@"
	out=$("$RDD" -t -c "$WS/redundancyd.conf" 2>&1)
	rc=$?
	if [ "$rc" -eq 1 ] && printf '%s' "$out" | grep -qF -- "$want"; then
		ok "-t refuses: $want"
	else
		not_ok "-t refuses: $want (rc $rc: $out)"
	fi
}

EX='plugin = "exec"; command = ["/bin/true"];'
refused 'monitor '"'m'"': cwd: "rel/dir" is not an absolute path: give a path starting with /' \
    "$EX cwd = \"rel/dir\";"
check "with its file and line" sh -c "printf '%s' \"\$1\" | grep -Eq '^$WS/redundancyd.conf:[0-9]+: monitor'" _ "$out"
refused 'env: entry 1 "NOEQUALS" is not K=V' "$EX env = [\"NOEQUALS\"];"
refused "$WS/missing: no such file" "$EX secret_file = \"$WS/missing\";"
refused 'recover: "a string" is one string with blanks and no shell splits it' \
    "$EX recover = ( \"a string\" );"
refused 'backup_env: entry 1 "PORT3101" is not K=V' \
    'plugin = "pm2"; backup_env = ["PORT3101"];'
refused 'backup_prefix: empty' 'plugin = "pm2"; backup_prefix = "";'
refused "daemon: unknown setting 'stall_timout': fix or remove it (did you mean 'stall_timeout'?)" \
    "$EX" 'stall_timout = "5s";'
refused "recovery: unknown setting 'max_attempt': fix or remove it (did you mean 'max_attempts'?)" \
    "$EX" "" 's|max_attempts = 3;|max_attempt = 2;|'
refused 'daemon.http.listen "0.0.0.0:9321" is not a loopback address' \
    "$EX" "" 's|listen = "";|listen = "0.0.0.0:9321";|'
conf_with "$EX" "" 's|listen = "";|listen = "0.0.0.0:0"; allow_remote = true;|'
check "allow_remote lets a non-loopback address pass -t" \
    "$RDD" -t -c "$WS/redundancyd.conf"

# A refused reload leaves the working monitor in place and checked.
conf_with 'plugin = "exec"; command = ["/bin/sh", "-c", "echo GOOD"];'
iso_start
check "the working monitor is checked" dwait 10 st \
    "mon('m')['checks'] >= 1 and tgt('m', 'm').get('message') == 'GOOD'"
conf_with 'plugin = "exec"; command = ["/bin/true"]; cwd = "rel/dir";'
out=$(qctl reload 2>&1)
check "reload of a config the plugin refuses exits non-zero" test $? -ne 0
check "and says why, with the place" sh -c \
    "printf '%s' \"\$1\" | grep -q 'reload refused.*monitor .m.: cwd: \"rel/dir\" is not an absolute path'" _ "$out"
n=$(stv "mon('m')['checks']")
check "the old monitor keeps being checked" dwait 10 st \
    "mon('m')['checks'] >= $n + 2 and tgt('m', 'm').get('message') == 'GOOD'"
check "the refusal is journaled" grep -q '"kind":"reload-failed"' "$WS/log/journal.jsonl"
iso_stop

# A plugin that refuses to start: its monitor is CRITICAL, with the reason.
conf_with 'plugin = "bad_start";'
iso_start
check "the monitor is CRITICAL with the plugin's reason" dwait 10 st \
    "mon('m')['state_name'] == 'CRITICAL' and 'failed to start: cannot bind 127.0.0.1:1' in mon('m')['message']"
qctl status >/dev/null 2>&1
check "status exits 2 (CRITICAL)" test $? -eq 2
iso_stop
"$RDD" --once -c "$WS/redundancyd.conf" >"$WS/once.out" 2>&1
check "--once exits 2 for it" test $? -eq 2
check "--once names the reason" grep -q "failed to start: cannot bind" "$WS/once.out"

# conf.d: a drop-in another user controls is refused, with the fix.
if [ "$(id -u)" -eq 0 ]; then
	conf_with "$EX"
	mkdir -p "$WS/conf.d"
	printf 'monitors = ( { name = "evil"; plugin = "exec"; command = ["/bin/true"]; } );\n' \
	    >"$WS/conf.d/evil.conf"
	chown nobody "$WS/conf.d/evil.conf"
	out=$("$RDD" -t -c "$WS/redundancyd.conf" 2>&1)
	check "a conf.d file owned by nobody is refused" sh -c \
	    "printf '%s' \"\$1\" | grep -q 'evil.conf: owned by uid $(id -u nobody), neither root nor the daemon.s uid 0.*chown root'" _ "$out"
	chown root "$WS/conf.d/evil.conf"
	chmod 0777 "$WS/conf.d"
	out=$("$RDD" -t -c "$WS/redundancyd.conf" 2>&1)
	check "a world-writable conf.d is refused" sh -c \
	    "printf '%s' \"\$1\" | grep -q 'directory $WS/conf.d is world-writable (mode 0777).*chmod go-w'" _ "$out"
	chmod 0755 "$WS/conf.d"
	check "the same drop-in, root's in a 0755 conf.d, is accepted" \
	    "$RDD" -t -c "$WS/redundancyd.conf"
	rm -rf "$WS/conf.d"
else
	ok "# SKIP conf.d ownership needs root to chown to nobody"
	[ "${CI:-}" = true ] && not_ok "CI runs as root"
fi

# Background start that fails after forking: the reason reaches stderr.
conf_with "$EX" "control_socket = \"$WS/no/such/dir/c.sock\";"
sed -i "s|control_socket = \"$WS/control.sock\";||" "$WS/redundancyd.conf"
"$RDD" -c "$WS/redundancyd.conf" >"$WS/bg.out" 2>&1
check "a failed background start exits 2" test $? -eq 2
check "and its reason reaches the terminal" grep -q \
    "control socket: $WS/no/such/dir/c.sock: bind: No such file or directory" "$WS/bg.out"
finish
