#!/bin/sh
# process_hang: a process that runs but stops answering (its url times out)
# may be slow, not dead: UNKNOWN, not restarted, until hang_max; then it
# is hung, CRITICAL, and restarted. A refused port is an answer: at once.
. "${top_srcdir:-.}/tests/integration/lib.sh"

plugins "$WS/plugins" process
# A web server that, while the file HANG exists, takes requests and never
# answers them (one thread: the first such request holds it for good).
cat >"$WS/srv.py" <<'PY'
import http.server, os, sys, time
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if os.path.exists(sys.argv[2]):
            time.sleep(3600)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok\n")
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
EXTRA_CLEANUP='for p in $(pgrep -f "$WS/srv.py"); do kill -KILL $p; done 2>/dev/null'
{
	conf_head
	cat <<CONF
monitors = (
	{ name = "web"; plugin = "process"; interval = "1s";
	  command = ["python3", "$WS/srv.py", "$port", "$WS/HANG"];
	  url = "http://127.0.0.1:$port/"; probe_timeout = "300ms";
	  hang_max = "3s"; }
);
CONF
} >"$WS/redundancyd.conf"

pid_of() { ctl run web status | sed -n 's/^pid \([0-9]*\).*/\1/p'; }
health_is() { ctl health web >/dev/null 2>&1; test $? -eq "$1"; }
J="$WS/log/journal.jsonl"
start_daemon
check "web is OK" wait_for 15 ctl health web
p1=$(pid_of)

touch "$WS/HANG"
slow() { health_is 3 && ctl health web | grep -q 'slow or hung, not acted on before hang_max = 3 s'; }
check "no answer: UNKNOWN, slow or hung, not acted on" wait_for 10 slow
rm -f "$WS/HANG" # the held request keeps the old server silent
check "past hang_max: hung, CRITICAL" wait_for 20 grep -q 'no answer for [0-9]* s: hung (hang_max = 3 s)' "$J"
check "then restarted" wait_for 20 sh -c "p=\$(pgrep -f '$WS/srv.py'); [ -n \"\$p\" ] && [ \"\$p\" != '$p1' ]"
check "and OK again" wait_for 20 ctl health web
# Order, from the journal: nothing was done while it was UNKNOWN.
first_hung=$(grep -n 'hung (hang_max' "$J" | head -1 | cut -d: -f1)
first_act=$(grep -n '"kind":"action"\|"kind":"result"' "$J" | head -1 | cut -d: -f1)
check "no action before hang_max ran out" test "$first_act" -gt "$first_hung"
check "one copy" test "$(pgrep -f "$WS/srv.py" | wc -l)" -eq 1
check "daemon stops on SIGTERM with status 0" stop_daemon
finish
