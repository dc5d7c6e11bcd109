#!/bin/sh
# man_pages: the four man pages as built render with `man -l` without a
# warning, and redundancyd.conf(5) holds every option every built plugin
# declares (its reference is generated from the same tables, so a new
# option cannot be missing from it), with the ABI of the header.
. "${top_srcdir:-.}/tests/integration/lib.sh"

if ! command -v man >/dev/null 2>&1; then
	echo "man missing: scripts/bootstrap installs man-db"
	[ "${CI:-}" = "true" ] && exit 1
	exit 77
fi
for p in redundancyd.8 redundancyctl.8 redundancyd.conf.5 redundancyd-plugin.3; do
	f="$B/man/$p"
	check "$p is built" test -s "$f"
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$f" \
	    >"$WS/$p.txt" 2>"$WS/$p.err"
	rc=$?
	check "$p renders ($(head -n 2 "$WS/$p.err" | tr '\n' ' '))" test $rc -eq 0 -a ! -s "$WS/$p.err"
	check "$p has its NAME and SEE ALSO" sh -c "grep -q '^NAME' '$WS/$p.txt' && grep -q '^SEE ALSO' '$WS/$p.txt'"
	check "$p has no @substitution@ left" sh -c "! grep -q '@[A-Za-z_]*@' '$f'"
done

# Every plugin built here: each of its options is in redundancyd.conf(5).
mkdir -m 755 "$WS/plugins"
for so in "$B"/plugins/*/.libs/*.so; do
	install -m 0755 "$so" "$WS/plugins/"
done
printf 'daemon: { plugin_dir = "%s"; };\nmonitors = ();\n' "$WS/plugins" >"$WS/c.conf"
n=0
for so in "$WS"/plugins/*.so; do
	p=$(basename "$so" .so)
	"$RDD" -c "$WS/c.conf" --plugin-help "$p" >"$WS/$p.help"
	sed -n '/^Options:/,$p' "$WS/$p.help" | sed '1,2d' | awk '{print $1}' >"$WS/$p.opts"
	missing=""
	for o in $(cat "$WS/$p.opts"); do
		grep -q "^\\\\fB$o\\\\fR (" "$B/man/redundancyd.conf.5" || missing="$missing $o"
	done
	check "redundancyd.conf(5) has a section for plugin $p" \
	    grep -qF ".SS \"plugin = \\(dq$p\\(dq\"" "$B/man/redundancyd.conf.5"
	check "and all its $(wc -l <"$WS/$p.opts") options${missing:+ (missing:$missing)}" \
	    test -z "$missing" -a -s "$WS/$p.opts"
	n=$((n + 1))
done
check "the plugins were found ($n)" test "$n" -ge 5
"$RDD" --man >"$WS/man.out" 2>&1
rc=$?
check "--man alone is a usage error (64) that says what it goes with" sh -c "[ $rc -eq 64 ] && grep -q 'add --plugin-help PLUGIN' '$WS/man.out'"
abi=$(sed -n 's/^#define RDD_ABI_MAJOR \([0-9]*\).*/\1/p' "$S/sdk/redundancyd/rdd_plugin.h").$(sed -n 's/^#define RDD_ABI_MINOR \([0-9]*\).*/\1/p' "$S/sdk/redundancyd/rdd_plugin.h")
check "redundancyd-plugin(3) names the header's ABI ($abi)" grep -q "ABI version $abi" "$B/man/redundancyd-plugin.3"
check "the .pc names it too" grep -qx "abi_minor=${abi#*.}" "$B/sdk/redundancyd-plugin.pc"
finish
