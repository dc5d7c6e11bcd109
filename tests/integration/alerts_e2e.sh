#!/bin/sh
# alerts_e2e: the whole path of issue 10 on a real daemon. An exec monitor
# fails and its recovery fails until it gives up: the webhook receives the
# exact Alertmanager v4 firing document, the SMTP sink a real mail naming
# the severity and the target. The service is fixed: both hear "resolved".
# Escalation: L2 hears an alert after its `after`; an ack before L3 keeps
# it from L3, while an alert nobody acknowledged reaches L3.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$S/tests/integration/alerts_lib.sh"

need_aiosmtpd
http_sink http || exit 1
smtp_sink || exit 1
P=$(cat "$WS/http.port")
SP=$(cat "$WS/smtp.port")
plugins "$WS/plugins" exec || exit 1

# check.sh NAME: OK once $WS/NAME.up exists. fix.sh: a recovery that fails.
cat >"$WS/check.sh" <<'CHK'
#!/bin/sh
[ -e "$1/$2.up" ] && { echo "$2 OK: up"; exit 0; }
echo "$2 CRITICAL: down"
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
	{ name = "api"; plugin = "exec"; interval = "200ms";
	  command = ["$WS/check.sh", "$WS", "api"];
	  recover = ( ["$WS/fix.sh"] ); },
	{ name = "db"; plugin = "exec"; interval = "200ms";
	  command = ["$WS/check.sh", "$WS", "db"];
	  recover = ( ["$WS/fix.sh"] ); }
);
alerts = {
	receivers = (
		{ name = "hook"; type = "webhook"; url = "http://127.0.0.1:$P/hook"; },
		{ name = "mail"; type = "email"; url = "smtp://127.0.0.1:$SP";
		  from = "rdd@example.com"; to = [ "ops@example.com" ]; },
		{ name = "l2"; type = "webhook"; url = "http://127.0.0.1:$P/l2"; },
		{ name = "l3"; type = "webhook"; url = "http://127.0.0.1:$P/l3"; }
	);
	route = {
		receivers = [ "hook" ];
		group_wait = "200ms"; group_interval = "1s"; repeat_interval = "1h";
		routes = ( { match = { severity = "critical"; };
			receivers = [ "hook", "mail" ]; } );
	};
	escalation = (
		{ level = 2; after = "2s"; receivers = [ "l2" ]; },
		{ level = 3; after = "8s"; receivers = [ "l3" ]; }
	);
	external_url = "http://status.example:9321";
};
CONF
} >"$WS/redundancyd.conf"

# e2e.py WHAT: reads the sinks' logs; exit 0 when WHAT holds.
cat >"$WS/e2e.py" <<'PY'
import email, email.policy, json, re, socket, sys

ws, what = sys.argv[1], sys.argv[2]
NULL_TIME = "0001-01-01T00:00:00Z"
TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def fail(m):
    print(m)
    sys.exit(1)


def fnv(h, s):
    for c in s.encode() + b"\xff":
        h ^= c
        h = (h * 1099511628211) % (1 << 64)
    return h


def fingerprint(alertname, monitor, target):
    """FNV-1a 64 over name 0xff value 0xff of the identity labels."""
    h = 14695981039346656037
    for k, v in (("alertname", alertname), ("monitor", monitor),
                 ("target", target)):
        h = fnv(fnv(h, k), v)
    return "%016x" % h


def posts(path):
    out = []
    for line in open(ws + "/http.log"):
        r = json.loads(line)
        if r["path"] == path:
            r["doc"] = json.loads(r["body"])
            out.append(r)
    return out


def gaveup(path, status, target="api"):
    for r in posts(path):
        d = r["doc"]
        a = d["alerts"][0]
        if (a["labels"]["alertname"] == "RecoveryGaveUp" and
                a["labels"]["target"] == target and d["status"] == status):
            return r
    return None


def mails(status, target="api"):
    out = []
    try:
        lines = open(ws + "/smtp.log").readlines()
    except OSError:
        return out
    for line in lines:
        m = json.loads(line)
        msg = email.message_from_string(m["data"],
                                        policy=email.policy.default)
        subj = msg["Subject"]
        if status.upper() in subj and " %s " % target in subj + " ":
            out.append((m, msg))
    return out


if what == "firing-hook":
    r = gaveup("/hook", "firing")
    if r is None:
        fail("no firing RecoveryGaveUp document on /hook")
    if r["headers"]["content-type"] != "application/json":
        fail("content-type")
    if not r["headers"].get("idempotency-key"):
        fail("no Idempotency-Key")
    d = r["doc"]
    top = ["version", "groupKey", "truncatedAlerts", "status", "receiver",
           "groupLabels", "commonLabels", "commonAnnotations", "externalURL",
           "alerts"]
    if list(d) != top:
        fail("top-level keys %s" % list(d))
    labels = {"host": socket.gethostname(), "alertname": "RecoveryGaveUp",
              "monitor": "api", "target": "api", "severity": "critical",
              "event": "gave-up"}
    want = {"version": "4", "truncatedAlerts": 0, "status": "firing",
            "receiver": "hook",
            "groupKey": '{}/{severity="critical"}:{monitor="api", '
                        'target="api"}',
            "groupLabels": {"monitor": "api", "target": "api"},
            "commonLabels": labels,
            "externalURL": "http://status.example:9321"}
    for k, v in want.items():
        if d[k] != v:
            fail("%s: %r, expected %r" % (k, d[k], v))
    if len(d["alerts"]) != 1:
        fail("%d alerts" % len(d["alerts"]))
    a = d["alerts"][0]
    if list(a) != ["status", "labels", "annotations", "startsAt", "endsAt",
                   "generatorURL", "fingerprint"]:
        fail("alert keys %s" % list(a))
    if a["status"] != "firing" or a["labels"] != labels:
        fail("alert status/labels %r" % a)
    an = a["annotations"]
    if sorted(an) != ["description", "next_step", "summary"]:
        fail("annotations %s" % sorted(an))
    if an["summary"] != "api/api: gave-up":
        fail("summary %r" % an["summary"])
    if "redundancyctl recover api api" not in an["description"]:
        fail("description %r" % an["description"])
    if an["next_step"] != ("a person must act: fix the cause, then "
                           "redundancyctl recover api api; "
                           "redundancyctl ack api/api"):
        fail("next_step %r" % an["next_step"])
    if d["commonAnnotations"] != an:
        fail("commonAnnotations")
    if not TS.match(a["startsAt"]) or a["endsAt"] != NULL_TIME:
        fail("times %s %s" % (a["startsAt"], a["endsAt"]))
    if a["generatorURL"] != "http://status.example:9321/#api":
        fail("generatorURL %r" % a["generatorURL"])
    if a["fingerprint"] != fingerprint("RecoveryGaveUp", "api", "api"):
        fail("fingerprint %s" % a["fingerprint"])
elif what == "firing-mail":
    got = mails("firing")
    if not got:
        fail("no firing mail for api")
    m, msg = got[0]
    if m["from"] != "rdd@example.com" or m["rcpt"] != ["ops@example.com"]:
        fail("envelope")
    subj = msg["Subject"]
    if "CRITICAL" not in subj or "api" not in subj:
        fail("subject %r" % subj)
    for h in ["Date", "Message-ID", "From", "To"]:
        if msg[h] is None:
            fail("no " + h)
    body = msg.get_content()
    if "redundancyctl recover api api" not in body:
        fail("body lacks the next step: %r" % body)
elif what == "resolved-hook":
    f = gaveup("/hook", "firing")
    r = gaveup("/hook", "resolved")
    if r is None:
        fail("no resolved RecoveryGaveUp document on /hook")
    a = r["doc"]["alerts"][0]
    fa = f["doc"]["alerts"][0]
    if a["status"] != "resolved" or a["endsAt"] == NULL_TIME:
        fail("alert %r" % a)
    if not TS.match(a["endsAt"]) or a["endsAt"] < a["startsAt"]:
        fail("endsAt %r" % a["endsAt"])
    if (a["fingerprint"] != fa["fingerprint"] or
            a["startsAt"] != fa["startsAt"]):
        fail("not the same alert")
    if r["headers"]["idempotency-key"] == f["headers"]["idempotency-key"]:
        fail("same key as the firing one")
elif what == "resolved-mail":
    got = mails("resolved")
    if not got:
        fail("no resolved mail for api")
    if "RESOLVED" not in got[0][1]["Subject"]:
        fail("subject")
elif what.startswith("level-"):
    # level-l2-api: an alert of monitor api reached /l2
    _, lv, mon = what.split("-")
    for r in posts("/" + lv):
        a = r["doc"]["alerts"][0]
        if (a["labels"]["monitor"] == mon and a["status"] == "firing" and
                a["annotations"].get("escalation") == lv.upper()):
            sys.exit(0)
    fail("no %s firing alert of %s" % (lv, mon))
elif what.startswith("resolved-l2-"):
    mon = what.split("-")[2]
    for r in posts("/l2"):
        if (r["doc"]["status"] == "resolved" and
                r["doc"]["alerts"][0]["labels"]["monitor"] == mon):
            sys.exit(0)
    fail("no resolved L2 notice of " + mon)
else:
    fail("what?")
PY
t() {
	"$PY3" "$WS/e2e.py" "$WS" "$@"
}

J="$WS/log/journal.jsonl"
check "config test passes" "$RDD" -t -c "$WS/redundancyd.conf"
start_daemon || { not_ok "daemon starts"; finish; exit 1; }
check "recovery of api gives up" wait_for 20 grep -q '"kind":"giveup","monitor":"api"' "$J"
check "the webhook got the give-up" wait_for 15 t firing-hook
check "the give-up document is the exact Alertmanager v4 form" t firing-hook
check "a mail arrives for the give-up" wait_for 15 t firing-mail
check "its Subject names the severity and the target" t firing-mail

# Escalation: api reaches L2 after 2 s; the ack comes before L3 (8 s).
check "L2 hears api after its after" wait_for 15 t level-l2-api
check "ack api stops its escalation" ctl ack api --comment "on it"
check "db, never acknowledged, reaches L3" wait_for 20 t level-l3-db
check "api never reached L3" sh -c "! '$PY3' '$WS/e2e.py' '$WS' level-l3-api"

# The fix: the check finds its file, the target is OK again.
: >"$WS/api.up"
check "api is OK again" wait_for 15 ctl health api
check "the webhook got the resolved notice" wait_for 15 t resolved-hook
check "resolved: status, endsAt, same alert" t resolved-hook
check "the mail says resolved" wait_for 15 t resolved-mail
check "L2, which api reached, hears it resolved" wait_for 15 t resolved-l2-api
"$CTL" -s "$WS/control.sock" --json alerts >"$WS/alerts.json"; check "alerts no longer lists api" sh -c "! grep -q '\"monitor\":\"api\"' '$WS/alerts.json'"
check "the outbox drains" wait_for 10 sh -c "[ -z \"\$(ls '$WS/state/outbox')\" ]"
check "the daemon stops cleanly" stop_daemon
finish
