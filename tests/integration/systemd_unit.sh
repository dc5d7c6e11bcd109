#!/bin/sh
# systemd_unit: the unit as built passes `systemd-analyze verify` (its man
# pages found in the build), is Type=notify with a watchdog, reload and
# its directories, and keeps the do-no-harm choices: KillMode=process (a
# PM2 fleet a recovery started survives a stop) and none of the hardening
# that would break what recoveries start.
. "${top_srcdir:-.}/tests/integration/lib.sh"

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "systemd-analyze missing: scripts/bootstrap installs systemd"
	[ "${CI:-}" = "true" ] && exit 1
	exit 77
fi
U="$WS/redundancyd.service"
# The build's binary where the installed one would be: verify checks it.
sed "s|^\(Exec[A-Za-z]*=\)[^ ]*/redundancyd |\1$RDD |" "$B/etc/redundancyd.service" >"$U"
mkdir -p "$WS/man/man8" "$WS/man/man5"
cp "$B/man/redundancyd.8" "$B/man/redundancyctl.8" "$WS/man/man8/"
cp "$B/man/redundancyd.conf.5" "$WS/man/man5/"
(cd "$WS" && MANPATH="$WS/man" systemd-analyze verify ./redundancyd.service) >"$WS/verify.out" 2>&1
rc=$?
check "systemd-analyze verify passes ($(head -n 3 "$WS/verify.out" | tr '\n' ' '))" test $rc -eq 0
check "and says nothing" test ! -s "$WS/verify.out"
has() { grep -qx "$1" "$U"; }
for l in Type=notify WatchdogSec=30s 'ExecReload=/bin/kill -HUP $MAINPID' \
    RuntimeDirectory=redundancyd StateDirectory=redundancyd \
    LogsDirectory=redundancyd KillMode=process; do
	check "the unit has $l" has "$l"
done
for k in NoNewPrivileges PrivateTmp ProtectSystem ProtectHome MemoryDenyWriteExecute; do
	check "the unit leaves $k out (recoveries inherit it)" sh -c "! grep -q '^$k=' '$U'"
done
check "its pidfile is the init script's" grep -q -- "-p /run/redundancyd/redundancyd.pid" "$U"
finish
