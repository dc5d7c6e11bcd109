#!/bin/sh
# alerts_inhibit: inhibition by depends_on on a real daemon. The database
# is down and its recovery fails until it gives up; two services that
# depend on it fail too. The webhook hears one alert, the database's,
# naming the two blocked monitors; no alert of theirs is sent while the
# database is down.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$S/tests/integration/alerts_lib.sh"

http_sink http || exit 1
P=$(cat "$WS/http.port")
plugins "$WS/plugins" exec || exit 1
cat >"$WS/check.sh" <<'CHK'
#!/bin/sh
[ -e "$1/$2.up" ] && { echo "$2 up"; exit 0; }
echo "$2 down"
exit 2
CHK
cat >"$WS/fix.sh" <<'FIX'
#!/bin/sh
echo "restart refused" >&2
exit 1
FIX
chmod +x "$WS/check.sh" "$WS/fix.sh"
{
	conf_head
	cat <<CONF
monitors = (
	{ name = "db"; plugin = "exec"; interval = "200ms";
	  command = ["$WS/check.sh", "$WS", "db"]; recover = ( ["$WS/fix.sh"] ); },
	{ name = "api"; plugin = "exec"; interval = "200ms"; depends_on = [ "db" ];
	  command = ["$WS/check.sh", "$WS", "api"]; recover = ( ["$WS/fix.sh"] ); },
	{ name = "web"; plugin = "exec"; interval = "200ms"; depends_on = [ "db" ];
	  command = ["$WS/check.sh", "$WS", "web"]; recover = ( ["$WS/fix.sh"] ); }
);
alerts = {
	receivers = ( { name = "hook"; type = "webhook"; url = "http://127.0.0.1:$P/hook"; } );
	route = { receivers = [ "hook" ]; group_wait = "200ms"; group_interval = "1s";
		repeat_interval = "1h"; };
};
CONF
} >"$WS/redundancyd.conf"

# firing MONITOR [SUBSTRING]: the webhook got a firing alert of MONITOR
# (whose annotations hold SUBSTRING).
firing() {
	"$PY3" - "$WS/http.log" "$1" "${2:-}" <<'PY'
import json, sys
log, mon, sub = sys.argv[1], sys.argv[2], sys.argv[3]
for line in open(log):
    d = json.loads(json.loads(line)["body"])
    for a in d["alerts"]:
        if (a["status"] == "firing" and a["labels"].get("monitor") == mon and
                sub in json.dumps(a["annotations"])):
            sys.exit(0)
sys.exit(1)
PY
}

start_daemon
check "the database's give-up is alerted" wait_for 20 firing db
check "naming the blocked monitors" wait_for 10 firing db "2 dependent monitors blocked"
check "api is blocked, not recovered" wait_for 5 sh -c \
    "\"$CTL\" -s '$WS/control.sock' --json status | grep -q '\"name\":\"api\".*\"blocked\":true'"
# Ten more checks of api while it is blocked (group_interval is 1 s, its
# checks 200 ms): any alert of its would have been sent by then.
checks() {
	"$CTL" -s "$WS/control.sock" --json status | "$PY3" -c "
import json, sys
print([m for m in json.load(sys.stdin)['monitors'] if m['name'] == 'api'][0]['checks'])"
}
c0=$(checks)
check "api keeps being checked while blocked" wait_for 15 sh -c \
    "[ \$(\"$CTL\" -s '$WS/control.sock' --json status | \"$PY3\" -c \"import json,sys; print([m for m in json.load(sys.stdin)['monitors'] if m['name']=='api'][0]['checks'])\") -ge $((c0 + 10)) ]"
none_blocked() {
	! firing api && ! firing web
}
check "no alert of a blocked monitor was sent" none_blocked
touch "$WS/db.up" "$WS/api.up" "$WS/web.up"
check "all resolve" wait_for 15 "$CTL" -s "$WS/control.sock" status
check "the daemon stops cleanly" stop_daemon
finish
