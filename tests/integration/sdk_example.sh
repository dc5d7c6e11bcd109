#!/bin/sh
# sdk_example: make install into a DESTDIR, build sdk/examples out of tree
# with pkg-config against that install, and load the result into a running
# daemon that then repairs what the example plugin watches.
. "${top_srcdir:-.}/tests/integration/lib.sh"

dest="$WS/dest"
make -s -C "$B" install DESTDIR="$dest" >"$WS/install.out" 2>&1
check "make install into a DESTDIR" test $? -eq 0
pc=$(find "$dest" -name redundancyd-plugin.pc | head -n 1)
check "the .pc file is installed" test -n "$pc"
hdr=$(find "$dest" -path '*/redundancyd/rdd_plugin.h' | head -n 1)
check "the SDK header is installed" test -n "$hdr"
check "plugins are installed without .la files" sh -c "find '$dest' -name exec.so | grep -q . && ! find '$dest' -name 'exec.la' | grep -q ."

export PKG_CONFIG_PATH="$(dirname "$pc")"
export PKG_CONFIG_SYSROOT_DIR="$dest"
pd=$(pkg-config --variable=plugindir redundancyd-plugin)
check "the .pc file exports plugindir" test -n "$pd"
check "the .pc file exports the ABI major" test "$(pkg-config --variable=abi_major redundancyd-plugin)" = 1
cp -r "$S/sdk/examples" "$WS/examples"
make -s -C "$WS/examples" CFLAGS="-O2" >"$WS/example.out" 2>&1
check "the example builds out of tree against the installed SDK" test -f "$WS/examples/example_file.so"
cat "$WS/example.out"

mkdir -p "$WS/plugins"
chmod 0755 "$WS/plugins"
install -m 0755 "$WS/examples/example_file.so" "$WS/plugins/"
echo keep >"$WS/must-exist"
{
	conf_head
	cat <<CONF
monitors = (
	{ name = "files"; plugin = "example_file"; interval = "200ms";
	  paths = ["$WS/must-exist"]; content = "restored\n"; }
);
CONF
} >"$WS/redundancyd.conf"
"$RDD" --plugins -c "$WS/redundancyd.conf" >"$WS/plugins.out" 2>&1
check "--plugins lists the example" grep -q "example_file.so.*example_file 1.0.0" "$WS/plugins.out"
start_daemon
check "the example monitor reports OK" wait_for 10 ctl health files
rm -f "$WS/must-exist"
check "the daemon recreates the file through the plugin" wait_for 10 grep -q restored "$WS/must-exist"
check "and journals the recovery" wait_for 10 grep -q '"kind":"recovered"' "$WS/log/journal.jsonl"
check "the daemon stops cleanly" stop_daemon
finish
