# am_lib.sh: Debian's prometheus-alertmanager on loopback for the fleet
# tests: two members forming a cluster, a webhook receiver behind them.
AM_BIN=$(command -v prometheus-alertmanager || command -v alertmanager || true)
AMTOOL=$(command -v amtool || true)

need_am() {
	if [ -z "$AM_BIN" ] || [ -z "$AMTOOL" ]; then
		echo "prometheus-alertmanager missing: scripts/bootstrap installs it"
		[ "${CI:-}" = "true" ] && exit 1
		exit 77
	fi
}

# free_ports N: N TCP ports free on 127.0.0.1 now.
free_ports() {
	"$PY3" -c 'import socket,sys
ss=[socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("127.0.0.1",0))
print(" ".join(str(s.getsockname()[1]) for s in ss))
for s in ss: s.close()' "$1"
}

# am_config HOOKURL: one route to the webhook, short timings.
am_config() {
	cat >"$WS/am.yml" <<YML
route:
  receiver: hook
  group_by: [host, monitor, target]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: "$1"
        send_resolved: true
YML
}

# am_start N WEB CLUSTER PEER: member N, peered with the one at PEER.
am_start() {
	mkdir -p "$WS/am$1"
	"$AM_BIN" --config.file="$WS/am.yml" --storage.path="$WS/am$1" \
	    --web.listen-address="127.0.0.1:$2" \
	    --cluster.listen-address="127.0.0.1:$3" \
	    --cluster.advertise-address="127.0.0.1:$3" \
	    --cluster.peer="127.0.0.1:$4" --cluster.settle-timeout=2s \
	    --cluster.peer-timeout=2s --cluster.gossip-interval=50ms \
	    --cluster.pushpull-interval=1s --log.level=warn \
	    >"$WS/am$1.log" 2>&1 &
	SINKS="$SINKS $!"
	wait_for 20 curl -sf "http://127.0.0.1:$2/-/ready"
}

# am_alerts PORT FILTER...: the alerts a member holds, as JSON.
am_alerts() {
	p=$1
	shift
	"$AMTOOL" --alertmanager.url="http://127.0.0.1:$p" -o json alert query "$@" 2>/dev/null
}

# am_cluster: a webhook sink (hook) and two members peered; sets HP (the
# sink's port), W1 C1 W2 C2 (web and cluster ports), AM (amtool's flag).
am_cluster() {
	need_am
	http_sink hook || exit 1
	HP=$(cat "$WS/hook.port")
	set -- $(free_ports 4)
	W1=$1 C1=$2 W2=$3 C2=$4
	AM="--alertmanager.url=http://127.0.0.1:$W1"
	am_config "http://127.0.0.1:$HP/hook"
	check "member 1 starts" am_start 1 "$W1" "$C1" "$C2"
	check "member 2 starts" am_start 2 "$W2" "$C2" "$C1"
}
