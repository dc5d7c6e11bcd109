#!/bin/sh
# alerts_channels: alerts test RECEIVER through each channel to loopback
# receivers: the exact Alertmanager v4 webhook, Slack's text and blocks,
# the SMS form, a real mail through aiosmtpd (AUTH, headers, body), and a
# command fed the JSON on stdin with RDD_* in its environment.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$S/tests/integration/alerts_lib.sh"

need_aiosmtpd
SECRET="s3cret-$$-pw"
printf '%s\n' "$SECRET" >"$WS/token"
chmod 600 "$WS/token"
http_sink http || exit 1
smtp_sink --user alice --password "$SECRET" || exit 1
P=$(cat "$WS/http.port")
SP=$(cat "$WS/smtp.port")
cat >"$WS/cmd.sh" <<CMD
#!/bin/sh
cat >"$WS/cmd.stdin"
env | grep '^RDD_' | sort >"$WS/cmd.env"
CMD
chmod +x "$WS/cmd.sh"
alerts_conf "
	{ name = \"hook\"; type = \"webhook\"; url = \"http://127.0.0.1:$P/hook\"; },
	{ name = \"chat\"; type = \"slack\"; url = \"http://127.0.0.1:$P/slack\"; },
	{ name = \"pager\"; type = \"sms\"; url = \"http://127.0.0.1:$P/sms\";
	  user = \"AC0001\"; token_file = \"$WS/token\"; from = \"+15550100\";
	  to = [\"+15550199\"]; fields = [\"StatusCallback=http://x/cb\"]; },
	{ name = \"mail\"; type = \"email\"; url = \"smtp://127.0.0.1:$SP\";
	  user = \"alice\"; token_file = \"$WS/token\";
	  from = \"rdd@example.com\"; to = [\"ops@example.com\", \"dev@example.com\"]; },
	{ name = \"run\"; type = \"command\"; command = [\"$WS/cmd.sh\"]; }" || exit 1

start_daemon || { not_ok "daemon starts"; finish; exit 1; }
for r in hook chat pager mail run; do
	check "alerts test $r is queued" ctl alerts test "$r"
done
refused() {
	! ctl alerts test nope >"$WS/nope.out" 2>&1 &&
	    grep -q "no receiver named 'nope'" "$WS/nope.out"
}
check "an unknown receiver is refused by name" refused
check "the HTTP receiver got three requests" wait_for 15 test "$(lines "$WS/http.log")" -ge 3
check "the mail arrived" wait_for 15 test -s "$WS/smtp.log"
check "the command ran" wait_for 15 test -s "$WS/cmd.env"

cat >"$WS/check.py" <<'PY'
import json, sys, base64, urllib.parse, email, email.policy
ws, secret = sys.argv[1], sys.argv[2]
reqs = {}
for l in open(ws + "/http.log"):
    r = json.loads(l)
    reqs[r["path"]] = r
what = sys.argv[3]
def fail(m):
    print(m); sys.exit(1)
if what == "webhook":
    r = reqs["/hook"]
    if r["headers"]["content-type"] != "application/json": fail("ctype")
    if not r["headers"].get("idempotency-key", "").startswith("test:hook:"): fail("key")
    p = json.loads(r["body"])
    top = ["version", "groupKey", "truncatedAlerts", "status", "receiver",
           "groupLabels", "commonLabels", "commonAnnotations", "externalURL", "alerts"]
    if list(p.keys()) != top: fail("top keys %s" % list(p.keys()))
    if p["version"] != "4" or p["status"] != "firing" or p["receiver"] != "hook": fail("values")
    if p["truncatedAlerts"] != 0: fail("truncated")
    a = p["alerts"][0]
    if list(a.keys()) != ["status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"]: fail("alert keys %s" % list(a.keys()))
    if sorted(a["labels"]) != sorted(["alertname", "monitor", "target", "severity", "event"]): fail("labels")
    if sorted(a["annotations"]) != sorted(["summary", "description", "next_step"]): fail("annotations")
    if not a["startsAt"].endswith("Z"): fail("startsAt")
elif what == "slack":
    r = reqs["/slack"]
    if r["headers"]["content-type"] != "application/json": fail("ctype")
    p = json.loads(r["body"])
    if sorted(p) != ["blocks", "text"]: fail("keys %s" % sorted(p))
    if not p["text"].startswith("[FIRING] INFO "): fail("text %s" % p["text"])
    if p["blocks"][0]["type"] != "header" or p["blocks"][0]["text"]["type"] != "plain_text": fail("header")
    if p["blocks"][1]["type"] != "section" or "Next step" not in p["blocks"][1]["text"]["text"]: fail("section")
    if p["blocks"][-1]["type"] != "context": fail("context")
elif what == "sms":
    r = reqs["/sms"]
    if r["headers"]["content-type"] != "application/x-www-form-urlencoded": fail("ctype")
    f = urllib.parse.parse_qs(r["body"], strict_parsing=True)
    if sorted(f) != ["Body", "From", "StatusCallback", "To"]: fail("fields %s" % sorted(f))
    if f["To"] != ["+15550199"] or f["From"] != ["+15550100"]: fail("numbers")
    if len(f["Body"][0]) > 160 or "Test notification" not in f["Body"][0]: fail("body")
    auth = r["headers"]["authorization"]
    if auth != "Basic " + base64.b64encode(("AC0001:" + secret).encode()).decode(): fail("auth")
elif what == "mail":
    m = json.loads(open(ws + "/smtp.log").readline())
    if m["auth"] != "alice": fail("auth %s" % m["auth"])
    if m["from"] != "rdd@example.com" or m["rcpt"] != ["ops@example.com", "dev@example.com"]: fail("envelope")
    msg = email.message_from_string(m["data"], policy=email.policy.default)
    for h in ["Date", "Message-ID", "From", "To", "Subject"]:
        if msg[h] is None: fail("no " + h)
    if "INFO" not in msg["Subject"] or "FIRING" not in msg["Subject"]: fail("subject %s" % msg["Subject"])
    import socket
    if socket.gethostname() not in msg["Subject"]: fail("target not in subject")
    body = msg.get_content()
    for w in ["What happened:", "What was tried:", "Next step:", "None: this receiver works."]:
        if w not in body: fail("body lacks " + w)
    if email.utils.parsedate_to_datetime(msg["Date"]) is None: fail("date")
elif what == "command":
    p = json.loads(open(ws + "/cmd.stdin").read())
    if p["version"] != "4" or p["receiver"] != "run": fail("stdin")
    env = dict(l.rstrip("\n").split("=", 1) for l in open(ws + "/cmd.env"))
    if env.get("RDD_EVENT") != "test" or env.get("RDD_MONITOR") != "redundancyd": fail("env %s" % env)
    if env.get("RDD_STATE") != "INFO" or "Test notification" not in env.get("RDD_MESSAGE", ""): fail("env %s" % env)
    import socket
    if env.get("RDD_TARGET") != socket.gethostname(): fail("target")
PY
for w in webhook slack sms mail command; do
	check "$w: the exact shape" "$PY3" "$WS/check.py" "$WS" "$SECRET" "$w"
done
check "the outbox is empty once delivered" wait_for 10 sh -c "[ -z \"\$(ls '$WS/state/outbox')\" ]"
B64=$("$PY3" -c 'import base64,sys; print(base64.b64encode(("AC0001:"+sys.argv[1]).encode()).decode())' "$SECRET")
check "the secret is on no surface" sh -c "! grep -rq -e '$SECRET' -e '$B64' '$WS/log' '$WS/daemon.out' '$WS/state'"
check "the daemon stops cleanly" stop_daemon
finish
