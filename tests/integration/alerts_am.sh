#!/bin/sh
# alerts_am: an alertmanager receiver against a real two-member
# Alertmanager cluster on loopback: a failing target's alert reaches both
# members with host, monitor, target, plugin and severity labels and an
# endsAt ahead; the webhook behind the cluster is told once, not once per
# member; the recovery resolves it at both; one member down still
# delivers.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$S/tests/integration/alerts_lib.sh"
. "$S/tests/integration/am_lib.sh"

am_cluster
check "they form a cluster" wait_for 20 sh -c "curl -s http://127.0.0.1:$W1/api/v2/status | grep -q '\"peers\":\[{[^]]*},{'"

plugins "$WS/plugins" exec || exit 99
{
	conf_head
	cat <<CONF
monitors = (
	{ name = "api"; plugin = "exec"; interval = "200ms";
	  command = ["/bin/sh", "-c", "test -e '$WS/down' && { echo 'API CRITICAL: down'; exit 2; }; echo 'API OK'"];
	  recovery = { max_attempts = 1; }; }
);
alerts = {
	receivers = ( { name = "am"; type = "alertmanager";
		urls = [ "http://127.0.0.1:$W1", "http://127.0.0.1:$W2/" ];
		retry_min = "200ms"; retry_max = "1s"; } );
	route = { receivers = [ "am" ]; group_wait = "0s"; };
};
CONF
} >"$WS/redundancyd.conf"
check "config test passes" "$RDD" -t -c "$WS/redundancyd.conf"
start_daemon || { not_ok "daemon starts"; finish; exit 1; }
touch "$WS/down"
firing() {
	am_alerts "$1" monitor=api alertname=TargetCritical >"$WS/q$1.json" &&
	    "$PY3" -c 'import json,sys
a=json.load(open(sys.argv[1]))
ok=[x for x in a if x["labels"].get("target")=="api" and x["status"]["state"]=="active"]
sys.exit(0 if ok else 1)' "$WS/q$1.json"
}
check "the alert reaches member 1" wait_for 20 firing "$W1"
check "and member 2" wait_for 20 firing "$W2"
"$PY3" -c 'import json,sys,datetime
a=[x for x in json.load(open(sys.argv[1])) if x["labels"].get("target")=="api"][0]
l=a["labels"]
need={"alertname":"TargetCritical","monitor":"api","target":"api","plugin":"exec","severity":"warning"}
bad=[k for k,v in need.items() if l.get(k)!=v]
if not l.get("host"): bad.append("host")
ends=datetime.datetime.fromisoformat(a["endsAt"].replace("Z","+00:00"))
if ends <= datetime.datetime.now(datetime.timezone.utc): bad.append("endsAt not ahead")
if not a["annotations"].get("summary"): bad.append("summary")
print(" ".join(bad) if bad else "ok")' "$WS/q$W1.json" >"$WS/labels.out" 2>&1
check "labels, annotations and endsAt ($(cat "$WS/labels.out"))" grep -qx ok "$WS/labels.out"
notes() {
	"$PY3" -c 'import json,sys
n=0
for l in open(sys.argv[1]):
    b=json.loads(json.loads(l)["body"])
    if b["status"]==sys.argv[2] and any(a["labels"].get("target")=="api" and a["labels"].get("alertname")=="TargetCritical" for a in b["alerts"]): n+=1
print(n)' "$WS/hook.log" "$1"
}
told() { [ "$(notes "$1")" -ge "$2" ]; }
check "the webhook behind the cluster is told" wait_for 30 told firing 1
# Recovery: resolved at both members, and the webhook hears it end. A
# second copy of the firing notice (one per member) would have come
# within the members' peer timeout (2 s), before that.
rm -f "$WS/down"
resolved() {
	am_alerts "$1" --active monitor=api alertname=TargetCritical >"$WS/r$1.json"
	"$PY3" -c 'import json,sys; sys.exit(1 if json.load(open(sys.argv[1])) else 0)' "$WS/r$1.json"
}
check "resolved at member 1" wait_for 20 resolved "$W1"
check "resolved at member 2" wait_for 20 resolved "$W2"
check "the webhook hears it resolved" wait_for 30 told resolved 1
check "one firing notice for the cluster, not one per member" test "$(notes firing)" -eq 1

# One member down: the other takes the alert, and the entry counts as sent.
kill "$(echo $SINKS | awk '{print $2}')" 2>/dev/null
touch "$WS/down"
check "with member 1 down, member 2 still gets the next alert" wait_for 30 firing "$W2"
check "the outbox does not stay stuck on the member that is down" wait_for 20 sh -c "[ -z \"\$(ls '$WS/state/outbox' 2>/dev/null)\" ]"
check "the daemon stops" stop_daemon
finish
