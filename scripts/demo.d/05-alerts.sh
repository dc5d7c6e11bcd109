# demo.d/05-alerts.sh: alerts to the demo's own receivers on 127.0.0.1: a
# webhook (the Alertmanager v4 document) and a mail server (aiosmtpd), both
# printing what they receive. The scene: the orders-api's restart fails
# (its disk is "full"), redundancyd tries its ladder three times, gives up
# and alerts: a critical alert, so a mail and a webhook; the demo then
# frees the disk, the check passes and both get the resolved notice.
# Every other scene's alert (a warning) reaches the webhook too.

demo_alerts_say() {
	echo "demo: [alerts] $*"
}

demo_alerts_setup() {
	D="$WS/alerts"
	mkdir -p "$D"
	cat >"$D/sinks.py" <<'PY'
# The demo's receivers: one line on stdout per notification received.
import email, email.policy, json, os, socket, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

d = sys.argv[1]


def say(line):
    sys.stdout.write("demo: [alerts] " + line[:160] + "\n")
    sys.stdout.flush()


def log(name, rec):
    with open(os.path.join(d, name), "a") as f:
        f.write(json.dumps(rec) + "\n")


class Hook(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        try:
            doc = json.loads(body)
            for a in doc.get("alerts", []):
                l = a.get("labels", {})
                what = "%s/%s" % (l.get("monitor"), l.get("target"))
                if not l.get("monitor"):
                    what = "redundancyd"
                say("webhook <- %s %s %s (%s): %s" % (
                    a.get("status", "?").upper(), l.get("alertname"), what,
                    l.get("severity"),
                    a.get("annotations", {}).get("description", "")))
                log("hook.log", {"status": a.get("status"),
                                 "alertname": l.get("alertname"),
                                 "monitor": l.get("monitor")})
        except ValueError:
            say("webhook <- a body that is not JSON")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


def port_file(name, port):
    p = os.path.join(d, name)
    with open(p + ".tmp", "w") as f:
        f.write(str(port))
    os.rename(p + ".tmp", p)


try:
    from aiosmtpd.controller import Controller

    class Mail:
        async def handle_DATA(self, server, session, envelope):
            m = email.message_from_bytes(envelope.content,
                                         policy=email.policy.default)
            subj = str(m["Subject"] or "?")
            say("mail to %s <- Subject: %s" % (", ".join(envelope.rcpt_tos), subj))
            log("mail.log", {"subject": subj})
            return "250 OK"

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    sport = s.getsockname()[1]
    s.close()
    smtp = Controller(Mail(), hostname="127.0.0.1", port=sport)
    smtp.start()
    port_file("smtp.port", sport)
except ImportError:
    say("python3-aiosmtpd is missing (scripts/bootstrap installs it): "
        "no mail, the webhook only")
srv = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
port_file("hook.port", srv.server_address[1])
try:
    srv.serve_forever()
except KeyboardInterrupt:
    pass
PY
	cat >"$D/check_api" <<'CHK'
#!/bin/sh
[ -e "$1/disk-freed" ] && { echo "HTTP OK: orders-api answers 200"; exit 0; }
echo "HTTP CRITICAL: orders-api answers 500: no space left on device"
exit 2
CHK
	cat >"$D/restart_api" <<'RST'
#!/bin/sh
[ -e "$1/disk-freed" ] && { echo "orders-api restarted"; exit 0; }
echo "orders-api does not start: no space left on device" >&2
exit 1
RST
	chmod +x "$D/check_api" "$D/restart_api"
	# Debian's python3 has python3-aiosmtpd, whatever python3 PATH finds.
	py=/usr/bin/python3
	[ -x "$py" ] || py=python3
	"$py" "$D/sinks.py" "$D" &
	echo $! >"$D/sinks.pid"
	i=0
	while [ $i -lt 100 ] && [ ! -s "$D/hook.port" ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -s "$D/hook.port" ] || demo_alerts_say "the webhook receiver did not start"
	demo_alerts_say "receivers: webhook http://127.0.0.1:$(cat "$D/hook.port" 2>/dev/null)/hook, mail smtp://127.0.0.1:$(cat "$D/smtp.port" 2>/dev/null || echo -)"
}

demo_alerts_conf() {
	cat <<CONF
	{ name = "orders-api"; plugin = "exec"; interval = "1s";
	  command = ["$WS/alerts/check_api", "$WS/alerts"];
	  recover = ( ["$WS/alerts/restart_api", "$WS/alerts"] ); }
CONF
}

# Settings after the monitors: the alerts group.
demo_alerts_top() {
	hp=$(cat "$WS/alerts/hook.port" 2>/dev/null || echo 9)
	crit='"hook"'
	mail=""
	if [ -s "$WS/alerts/smtp.port" ]; then
		crit='"hook", "mail"'
		mail=",
		{ name = \"mail\"; type = \"email\";
		  url = \"smtp://127.0.0.1:$(cat "$WS/alerts/smtp.port")\";
		  from = \"redundancyd@demo.example\"; to = [ \"ops@demo.example\" ]; }"
	fi
	cat <<CONF
alerts = {
	receivers = (
		{ name = "hook"; type = "webhook"; url = "http://127.0.0.1:$hp/hook"; }$mail
	);
	route = {
		receivers = [ "hook" ];
		group_wait = "1s"; group_interval = "5s"; repeat_interval = "1h";
		routes = ( { match = { severity = "critical"; }; receivers = [ $crit ]; } );
	};
	rules = ( { event = "lifecycle"; severity = "none"; } );
};
CONF
}

# demo_alerts_wait SECONDS FILE PATTERN: until FILE holds PATTERN.
demo_alerts_wait() {
	i=0
	while [ $i -lt $(($1 * 10)) ]; do
		grep -q "$3" "$2" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

demo_alerts_chaos() {
	D="$WS/alerts"
	demo_alerts_say "scene: orders-api is down and its disk is full, so its restart fails;"
	demo_alerts_say "after 3 attempts redundancyd gives up and alerts: a mail and a webhook"
	if ! demo_alerts_wait 60 "$D/hook.log" '"firing", "alertname": "RecoveryGaveUp"'; then
		demo_alerts_say "no give-up alert within 60 s: see $WS/log/orders-api.log"
		return 0
	fi
	sleep 2
	demo_alerts_say "freeing orders-api's disk: the check passes, both receivers hear it resolved"
	: >"$D/disk-freed"
	demo_alerts_wait 30 "$D/hook.log" '"resolved", "alertname": "RecoveryGaveUp"' ||
		demo_alerts_say "no resolved notice within 30 s"
	sleep 1
}

demo_alerts_cleanup() {
	pid=$(cat "$WS/alerts/sinks.pid" 2>/dev/null || true)
	[ -n "$pid" ] && demo_ours "$pid" && demo_end "$pid"
	return 0
}
