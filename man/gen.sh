#!/bin/sh
# man/gen.sh: a page from its .in: the version, date and paths, and for
# redundancyd.conf(5) every built plugin's options from its own option
# table (redundancyd --plugin-help P --man), so the reference cannot drift.
#   usage: gen.sh IN OUT REDUNDANCYD [PLUGIN.la ...]   (paths: env)
set -eu
in=$1
out=$2
rdd=$3
shift 3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rdd-man.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
mkdir -m 755 "$tmp/plugins"
: >"$tmp/opts"
for la in "$@"; do
	n=$(basename "$la" .la)
	so="$(dirname "$la")/.libs/$n.so"
	[ -f "$so" ] || { echo "gen.sh: $so: not built" >&2; exit 1; }
	install -m 0755 "$so" "$tmp/plugins/$n.so"
done
printf 'daemon: { plugin_dir = "%s"; };\nmonitors = ();\n' "$tmp/plugins" >"$tmp/conf"
for n in $(cd "$tmp/plugins" && ls | sed 's/\.so$//' | sort); do
	"$rdd" -c "$tmp/conf" --plugin-help "$n" --man >>"$tmp/opts"
done
sed -e "s|@VERSION@|$VERSION|g" -e "s|@DATE@|$DATE|g" \
    -e "s|@sysconfdir@|$SYSCONFDIR|g" -e "s|@plugindir@|$PLUGINDIR|g" \
    -e "s|@includedir@|$INCLUDEDIR|g" -e "s|@libdir@|$LIBDIR|g" \
    -e "s|@ABI@|$ABI|g" "$in" |
    sed -e "/^\.\\\\\" @PLUGIN_OPTIONS@\$/r $tmp/opts" \
        -e "/^\.\\\\\" @PLUGIN_OPTIONS@\$/d" >"$out.tmp"
mv "$out.tmp" "$out"
