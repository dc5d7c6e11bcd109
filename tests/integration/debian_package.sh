#!/bin/sh
# debian_package: dpkg-buildpackage -b builds redundancyd and
# redundancyd-dev from this tree, lintian finds no error, dpkg installs
# them on this machine, the installed daemon passes -t on the installed
# configuration, the SDK builds a plugin, and a purge leaves nothing:
# no file, no account, no enable link.
. "${top_srcdir:-.}/tests/integration/lib.sh"

need() {
	echo "$1 missing: scripts/bootstrap installs it"
	[ "${CI:-}" = "true" ] && exit 1
	exit 77
}
for t in dpkg-buildpackage dh lintian; do
	command -v "$t" >/dev/null 2>&1 || need "$t"
done
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: installing the package needs root"
	[ "${CI:-}" = "true" ] && exit 1
	exit 77
fi
if dpkg -s redundancyd >/dev/null 2>&1 || dpkg -s redundancyd-dev >/dev/null 2>&1; then
	echo "SKIP: redundancyd is installed on this machine: not replacing it"
	[ "${CI:-}" = "true" ] && exit 1
	exit 77
fi
git -C "$S" rev-parse --git-dir >/dev/null 2>&1 || { echo "SKIP: not a git checkout"; exit 77; }

SRC="$WS/redundancyd-0.1.0"
mkdir -p "$SRC"
git -C "$S" ls-files -z --cached --others --exclude-standard |
    (cd "$S" && xargs -0 tar -cf - --no-recursion --ignore-failed-read) |
    (cd "$SRC" && tar -xf -)
(cd "$SRC" && DEB_BUILD_OPTIONS="nocheck parallel=2" \
    dpkg-buildpackage -b -us -uc) >"$WS/build.log" 2>&1
rc=$?
check "dpkg-buildpackage -b -us -uc builds ($(tail -n 1 "$WS/build.log"))" test $rc -eq 0
DEB="$WS/redundancyd_0.1.0_$(dpkg --print-architecture).deb"
DEV="$WS/redundancyd-dev_0.1.0_$(dpkg --print-architecture).deb"
check "both packages are there" test -s "$DEB" -a -s "$DEV"
lintian --tag-display-limit 0 "$WS"/redundancyd_0.1.0_*.changes >"$WS/lintian.out" 2>&1
check "lintian: no error ($(grep '^E:' "$WS/lintian.out" | head -n 3 | tr '\n' ' '))" sh -c "! grep -q '^E:' '$WS/lintian.out'"
contents() { dpkg-deb -c "$1" | awk '{print $6}' | sed 's|^\./|/|'; }
contents "$DEB" >"$WS/deb.list"
contents "$DEV" >"$WS/dev.list"
for f in /usr/sbin/redundancyd /usr/bin/redundancyctl \
    /usr/lib/redundancyd/plugins/pm2.so /etc/redundancyd/redundancyd.conf \
    /etc/redundancyd/conf.d/ /lib/systemd/system/redundancyd.service \
    /etc/init.d/redundancyd /etc/logrotate.d/redundancyd \
    /etc/default/redundancyd /usr/share/man/man8/redundancyd.8.gz \
    /usr/share/man/man5/redundancyd.conf.5.gz; do
	check "redundancyd ships $f" grep -qx "$f" "$WS/deb.list"
done
for f in /usr/include/redundancyd/rdd_plugin.h \
    /usr/share/redundancyd/sdk/mock_host.c \
    /usr/share/man/man3/redundancyd-plugin.3.gz; do
	check "redundancyd-dev ships $f" grep -qx "$f" "$WS/dev.list"
done

# Installed on this machine, then purged, whatever happens in between.
EXTRA_CLEANUP='dpkg --purge redundancyd-dev redundancyd >/dev/null 2>&1'
dpkg -i "$DEB" "$DEV" >"$WS/install.log" 2>&1
rc=$?
check "dpkg -i installs both ($(tail -n 1 "$WS/install.log"))" test $rc -eq 0
check "the installed config passes -t" /usr/sbin/redundancyd -t
nso=$(grep -c '^/usr/lib/redundancyd/plugins/.*\.so$' "$WS/deb.list")
check "the installed plugins load (all $nso)" sh -c "[ $nso -ge 5 ] && /usr/sbin/redundancyd --plugins | grep -c 'ABI' | grep -qx $nso"
check "the account of the workers exists" getent passwd redundancyd
check "its state directory is its own" sh -c "[ \"\$(stat -c %U /var/lib/redundancyd)\" = redundancyd ]"
check "man finds redundancyd.conf(5)" man -w redundancyd.conf
check "the init script says stopped (3)" sh -c "/etc/init.d/redundancyd status >/dev/null 2>&1; [ \$? -eq 3 ]"
check "not started on install (no monitor yet)" test ! -e /run/redundancyd/redundancyd.pid
check "pkg-config knows the SDK" pkg-config --exists redundancyd-plugin
mkdir "$WS/sdk" && cp /usr/share/redundancyd/sdk/* "$WS/sdk/"
make -C "$WS/sdk" >"$WS/sdk.log" 2>&1
check "the SDK's example plugin builds against the installed header" test $? -eq 0

dpkg --purge redundancyd-dev redundancyd >"$WS/purge.log" 2>&1
check "dpkg --purge removes both" test $? -eq 0
left=""
for f in /etc/redundancyd /etc/default/redundancyd /etc/init.d/redundancyd \
    /etc/logrotate.d/redundancyd /var/lib/redundancyd /var/log/redundancyd \
    /usr/lib/redundancyd /usr/sbin/redundancyd /usr/bin/redundancyctl \
    /usr/include/redundancyd /usr/share/redundancyd /usr/share/doc/redundancyd \
    /lib/systemd/system/redundancyd.service \
    /etc/systemd/system/multi-user.target.wants/redundancyd.service; do
	[ -e "$f" ] || [ -L "$f" ] && left="$left $f"
done
for l in /etc/rc?.d/*redundancyd; do
	[ -e "$l" ] || [ -L "$l" ] && left="$left $l"
done
check "the purge leaves nothing${left:+ (left:$left)}" test -z "$left"
check "and no account" sh -c "! getent passwd redundancyd && ! getent group redundancyd"
check "dpkg forgets both" sh -c "! dpkg -s redundancyd >/dev/null 2>&1 && ! dpkg -s redundancyd-dev >/dev/null 2>&1"
EXTRA_CLEANUP=""
finish
