#!/bin/sh
# alerts_am_silence: honor_silences against a real two-member Alertmanager
# cluster: a silence made with amtool that carries redundancyd_pause="true"
# and this host's labels pauses the monitor it matches (status says so, no
# action, no alert), one for another host does nothing, and expiring it
# resumes actions.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$S/tests/integration/alerts_lib.sh"
. "$S/tests/integration/am_lib.sh"

am_cluster
HOST=$(hostname)

plugins "$WS/plugins" exec || exit 99
cmd() {
	printf '["/bin/sh", "-c", "test -e %s && { echo \\"%s CRITICAL: down\\"; exit 2; }; echo \\"%s OK\\""]' "$WS/$1.down" "$1" "$1"
}
{
	conf_head
	cat <<CONF
monitors = (
	{ name = "api"; plugin = "exec"; interval = "200ms"; command = $(cmd api);
	  recover = ( ["/bin/sh", "-c", "echo x >> '$WS/api.fixed'; rm -f '$WS/api.down'"] ); },
	{ name = "db"; plugin = "exec"; interval = "200ms"; command = $(cmd db);
	  recover = ( ["/bin/sh", "-c", "echo x >> '$WS/db.fixed'"] ); }
);
alerts = {
	receivers = ( { name = "am"; type = "alertmanager";
		urls = [ "http://127.0.0.1:$W1", "http://127.0.0.1:$W2" ];
		honor_silences = true; refresh = "300ms"; } );
	route = { receivers = [ "am" ]; group_wait = "0s"; };
};
CONF
} >"$WS/redundancyd.conf"
check "config test passes" "$RDD" -t -c "$WS/redundancyd.conf"
start_daemon || { not_ok "daemon starts"; finish; exit 1; }

# A silence for another host: nothing changes.
"$AMTOOL" "$AM" silence add redundancyd_pause=true host=elsewhere \
    --duration=1h --comment=other --author=bob >"$WS/other.id"
SID=$("$AMTOOL" "$AM" silence add redundancyd_pause=true "host=$HOST" \
    monitor=api --duration=1h --comment="db migration" --author=alice)
check "amtool made the silence ($SID)" test -n "$SID"
paused() { ctl status >"$WS/st.txt" 2>&1; grep -q "^$1 .*PAUSED by Alertmanager" "$WS/st.txt"; }
check "api is paused, by the silence" wait_for 20 paused api
check "status names the silence and who made it" grep -q "Alertmanager silence $SID by alice: db migration" "$WS/st.txt"
check "the pause is journaled" wait_for 5 grep -q "\"kind\":\"pause\",\"monitor\":\"api\".*$SID" "$WS/log/journal.jsonl"
check "db is not paused (the silence names api)" sh -c "! grep -q '^db .*PAUSED' '$WS/st.txt'"

touch "$WS/api.down" "$WS/db.down"
check "db, not paused, gets its action (which does not fix it)" wait_for 20 test -s "$WS/db.fixed"
check "api's failure is seen" wait_for 20 grep -q "api: OK -> CRITICAL" "$WS/log/api.log"
check "and its recovery waits for the silence" wait_for 10 grep -q '"kind":"paused","monitor":"api".*Alertmanager silence' "$WS/log/journal.jsonl"
check "api was not repaired" test ! -e "$WS/api.fixed"
# db's alert went through the cluster to the webhook behind it; api's is
# held here (redundancyctl alerts says why) and never left.
told() {
	"$PY3" -c 'import json,sys
for l in open(sys.argv[1]):
    b=json.loads(json.loads(l)["body"])
    if any(a["labels"].get("monitor")==sys.argv[2] for a in b["alerts"]): sys.exit(0)
sys.exit(1)' "$WS/hook.log" "$1"
}
check "db's alert reached the webhook behind the cluster" wait_for 30 told db
api_held() {
	ctl --json alerts >"$WS/alerts.json" 2>&1
	"$PY3" -c 'import json,sys
j=json.load(open(sys.argv[1]))
sys.exit(0 if any(a["labels"]["monitor"]=="api" and a["state"]=="paused" for a in j["firing"]) else 1)' "$WS/alerts.json"
}
check "api's alert is held back as paused" wait_for 10 api_held
nottold() { ! told "$1"; }
check "and never reached the webhook" nottold api

# Expiring the silence resumes actions.
"$AMTOOL" "$AM" silence expire "$SID"
check "expired: api resumes" wait_for 20 grep -q "\"kind\":\"resume\",\"monitor\":\"api\"" "$WS/log/journal.jsonl"
check "and is repaired now" wait_for 20 test -s "$WS/api.fixed"
check "status no longer shows the pause" sh -c "! '$CTL' -s '$WS/control.sock' status | grep -q '^api .*PAUSED'"
check "the daemon stops" stop_daemon
finish
