#!/bin/sh
# fleet: two redundancyd (daemon.host web-1 and web-2, environment
# production) beside a two-member Alertmanager cluster and a real
# Prometheus: each daemon's failure reaches both members labelled with its
# host; the webhook behind the cluster is told once per host and target;
# Prometheus scrapes both and a query returns series of both hosts.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$S/tests/integration/alerts_lib.sh"
. "$S/tests/integration/am_lib.sh"

command -v prometheus >/dev/null 2>&1 || {
	echo "prometheus missing: scripts/bootstrap installs it"
	[ "${CI:-}" = "true" ] && exit 1
	exit 77
}
am_cluster
PP=$(free_ports 1)
plugins "$WS/plugins" exec || exit 99

# daemon N HOST: its own directories, socket and status page.
BPIDS=""
daemon() {
	d="$WS/$2"
	mkdir -p "$d"
	cat >"$d/redundancyd.conf" <<CONF
daemon: { plugin_dir = "$WS/plugins"; state_dir = "$d/state"; log_dir = "$d/log";
	control_socket = "$d/control.sock"; pidfile = "$d/pid";
	http = { listen = "127.0.0.1:0"; }; startup_delay = "0";
	host = "$2"; environment = "production"; };
monitors = (
	{ name = "api"; plugin = "exec"; interval = "200ms";
	  command = ["/bin/sh", "-c", "test -e '$d/down' && { echo 'API CRITICAL: down'; exit 2; }; echo 'API OK'"]; }
);
alerts = {
	receivers = ( { name = "am"; type = "alertmanager";
		urls = [ "http://127.0.0.1:$W1", "http://127.0.0.1:$W2" ]; } );
	route = { receivers = [ "am" ]; group_wait = "0s"; };
};
CONF
	"$RDD" -f -c "$d/redundancyd.conf" >"$d/out" 2>&1 &
	BPIDS="$BPIDS $!"
	SINKS="$SINKS $!"
	wait_for 10 "$CTL" -s "$d/control.sock" logs -n 1
}
check "web-1 starts" daemon 1 web-1
check "web-2 starts" daemon 2 web-2
port() { sed -n 's/.*status page on http:\/\/127.0.0.1:\([0-9]*\)\/.*/\1/p' "$WS/$1/log/system.log" | tail -n 1; }
check "both serve /metrics" wait_for 10 sh -c "[ -n \"\$(sed -n 's/.*status page on http:..127.0.0.1:\([0-9]*\).*/\1/p' '$WS/web-2/log/system.log')\" ]"
P1=$(port web-1) P2=$(port web-2)
check "status names the host and environment" sh -c "'$CTL' -s '$WS/web-1/control.sock' status | head -n 1 | grep -q '^redundancyd [^ ]* on web-1 \[production\]'"
check "the journal records carry them" grep -q '"host":"web-1","environment":"production"' "$WS/web-1/log/journal.jsonl"
check "/health names them" sh -c "curl -s http://127.0.0.1:$P1/health | grep -q '\"host\":\"web-1\",\"environment\":\"production\"'"

# Both fail: both members hold both alerts, each with its host.
touch "$WS/web-1/down" "$WS/web-2/down"
hosts_at() {
	am_alerts "$1" alertname=TargetCritical >"$WS/q$1.json" &&
	    "$PY3" -c 'import json,sys
h=sorted(a["labels"]["host"] for a in json.load(open(sys.argv[1])) if a["labels"].get("environment")=="production")
sys.exit(0 if h==["web-1","web-2"] else 1)' "$WS/q$1.json"
}
check "member 1 holds the alert of each host" wait_for 30 hosts_at "$W1"
check "member 2 too" wait_for 30 hosts_at "$W2"
told() {
	"$PY3" -c 'import json,sys
n={}
for l in open(sys.argv[1]):
    b=json.loads(json.loads(l)["body"])
    if b["status"]!="firing": continue
    for a in b["alerts"]:
        if a["labels"].get("alertname")=="TargetCritical":
            k=a["labels"]["host"]; n[k]=n.get(k,0)+1
print(" ".join("%s=%d"%(k,n[k]) for k in sorted(n)))' "$WS/hook.log"
}
both() { [ "$(told)" = "web-1=1 web-2=1" ]; }
check "once per host and target, not once per member ($(told))" wait_for 30 both

# Prometheus scrapes both daemons; a query sees both hosts.
cat >"$WS/prom.yml" <<YML
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: redundancyd
    static_configs:
      - targets: [ "127.0.0.1:$P1", "127.0.0.1:$P2" ]
        labels: { environment: production }
YML
prometheus --config.file="$WS/prom.yml" --storage.tsdb.path="$WS/prom" \
    --web.listen-address="127.0.0.1:$PP" --log.level=warn >"$WS/prom.log" 2>&1 &
SINKS="$SINKS $!"
q() { curl -s "http://127.0.0.1:$PP/api/v1/query" --data-urlencode "query=$1"; }
hosts_in_prom() {
	q 'redundancyd_info' >"$WS/pq.json" &&
	    "$PY3" -c 'import json,sys
r=json.load(open(sys.argv[1]))["data"]["result"]
h=sorted(x["metric"]["host"] for x in r if x["metric"].get("environment")=="production")
sys.exit(0 if h==["web-1","web-2"] else 1)' "$WS/pq.json"
}
check "Prometheus holds redundancyd_info of both hosts" wait_for 30 hosts_in_prom
joined() {
	q 'redundancyd_target_state * on (instance) group_left(host) redundancyd_info' >"$WS/pj.json" &&
	    "$PY3" -c 'import json,sys
r=json.load(open(sys.argv[1]))["data"]["result"]
h=sorted(x["metric"]["host"] for x in r if x["metric"].get("target")=="api" and x["value"][1]=="2")
sys.exit(0 if h==["web-1","web-2"] else 1)' "$WS/pj.json"
}
check "a join puts the host on every series: api CRITICAL on both" wait_for 30 joined
# The Prometheus part took longer than the members' peer timeout (2 s): a
# copy of a notice from the other member would be here by now.
check "still once per host ($(told))" both
for p in $BPIDS; do kill -TERM "$p"; done
check "both daemons stop" wait_for 15 sh -c "! kill -0 $(echo $BPIDS | tr ' ' '\n' | head -n 1) 2>/dev/null && ! kill -0 $(echo $BPIDS | tr ' ' '\n' | tail -n 1) 2>/dev/null"
finish
