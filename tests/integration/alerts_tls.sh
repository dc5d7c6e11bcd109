#!/bin/sh
# alerts_tls: mail over STARTTLS (required by the server, AUTH only after
# it) and over smtps://, and a webhook over https://, to receivers whose
# certificate a private CA signed (ca_file); without ca_file the same
# servers are refused with a hint, and a bad ca_file fails the config test.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$S/tests/integration/alerts_lib.sh"

need_aiosmtpd
if ! command -v openssl >/dev/null 2>&1; then
	echo "openssl missing: scripts/bootstrap installs it"
	[ "${CI:-}" = "true" ] && exit 1
	exit 77
fi
# A CA and a certificate for 127.0.0.1 that it signed.
(
	cd "$WS" &&
	    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem \
	        -days 2 -subj "/CN=redundancyd test CA" \
	        -addext "basicConstraints=critical,CA:TRUE" \
	        -addext "keyUsage=critical,keyCertSign,cRLSign" &&
	    openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr \
	        -subj "/CN=127.0.0.1" &&
	    printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >srv.ext &&
	    openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key \
	        -CAcreateserial -out srv.pem -days 2 -extfile srv.ext
) >"$WS/openssl.out" 2>&1 || { cat "$WS/openssl.out"; exit 99; }

SECRET="tls-$$-pw"
printf '%s\n' "$SECRET" >"$WS/token"
chmod 600 "$WS/token"
# Two mail servers: STARTTLS required (AUTH refused before it), and TLS
# from the first byte (the first logs to smtp.log).
smtp_sink --user alice --password "$SECRET" --tls starttls \
    --cert "$WS/srv.pem" --key "$WS/srv.key" || exit 1
SP1=$(cat "$WS/smtp.port")
"$PY3" "$S/tests/integration/smtp_sink.py" --port-file "$WS/smtps.port" \
    --log "$WS/smtps.log" --tls smtps --cert "$WS/srv.pem" \
    --key "$WS/srv.key" 2>"$WS/smtps.err" &
SINKS="$SINKS $!"
wait_for 10 test -s "$WS/smtps.port" || exit 1
SP2=$(cat "$WS/smtps.port")
http_sink https --cert "$WS/srv.pem" --key "$WS/srv.key" || exit 1
HP=$(cat "$WS/https.port")

alerts_conf "
	{ name = \"starttls\"; type = \"email\"; url = \"smtp://127.0.0.1:$SP1\";
	  user = \"alice\"; token_file = \"$WS/token\"; ca_file = \"$WS/ca.pem\";
	  from = \"rdd@example.com\"; to = [\"ops@example.com\"]; },
	{ name = \"smtps\"; type = \"email\"; url = \"smtps://127.0.0.1:$SP2\";
	  ca_file = \"$WS/ca.pem\";
	  from = \"rdd@example.com\"; to = [\"ops@example.com\"]; },
	{ name = \"hook\"; type = \"webhook\"; url = \"https://127.0.0.1:$HP/hook\";
	  ca_file = \"$WS/ca.pem\"; },
	{ name = \"untrusted\"; type = \"email\"; url = \"smtps://127.0.0.1:$SP2\";
	  from = \"rdd@example.com\"; to = [\"ops@example.com\"];
	  retry_min = \"30s\"; },
	{ name = \"untrusted_hook\"; type = \"webhook\";
	  url = \"https://127.0.0.1:$HP/other\"; retry_min = \"30s\"; }" || exit 1
check "config test passes with ca_file" "$RDD" -t -c "$WS/redundancyd.conf"

start_daemon || { not_ok "daemon starts"; finish; exit 1; }
for r in starttls smtps hook untrusted untrusted_hook; do
	check "alerts test $r is queued" ctl alerts test "$r"
done
check "the STARTTLS mail arrived" wait_for 20 test -s "$WS/smtp.log"
check "the smtps mail arrived" wait_for 20 test -s "$WS/smtps.log"
check "the https webhook arrived" wait_for 20 test -s "$WS/https.log"
field() {
	"$PY3" -c 'import json,sys
print(json.loads(open(sys.argv[1]).readline()).get(sys.argv[2]))' "$1" "$2"
}
check "the STARTTLS mail went over TLS" test "$(field "$WS/smtp.log" tls)" = True
check "after AUTH as alice" test "$(field "$WS/smtp.log" auth)" = alice
check "the smtps mail went over TLS" test "$(field "$WS/smtps.log" tls)" = True
check "one mail each" test "$(lines "$WS/smtp.log")" -eq 1 -a "$(lines "$WS/smtps.log")" -eq 1
check "the webhook reached /hook only" test "$(grep -c '"/other"' "$WS/https.log")" -eq 0
refused_with_hint() {
	ctl logs -n 200 >"$WS/logs" 2>&1
	grep "receiver $1: .*not delivered" "$WS/logs" | grep -q "certificate.*set ca_file"
}
check "an untrusted mail server is refused, with the fix" wait_for 20 refused_with_hint untrusted
check "an untrusted https server is refused, with the fix" wait_for 20 refused_with_hint untrusted_hook
check "the secret is in no log" sh -c "! grep -rqF '$SECRET' '$WS/log' '$WS/logs'"
check "daemon stops" stop_daemon

# A ca_file that is not there, or relative, fails the config test by name.
sed "s|ca_file = \"$WS/ca.pem\"; },|ca_file = \"$WS/nope.pem\"; },|" \
    "$WS/redundancyd.conf" >"$WS/bad.conf"
"$RDD" -t -c "$WS/bad.conf" >"$WS/bad.out" 2>&1
check "a missing ca_file fails -t" test $? -ne 0
check "naming the file and the fix" grep -q "ca_file: '$WS/nope.pem': No such file or directory: give the PEM file" "$WS/bad.out"
sed "s|ca_file = \"$WS/ca.pem\"; },|ca_file = \"ca.pem\"; },|" \
    "$WS/redundancyd.conf" >"$WS/bad.conf"
"$RDD" -t -c "$WS/bad.conf" >"$WS/bad.out" 2>&1
check "a relative ca_file fails -t" grep -q "ca_file: 'ca.pem': give an absolute path" "$WS/bad.out"
finish
