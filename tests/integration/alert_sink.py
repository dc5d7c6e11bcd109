#!/usr/bin/env python3
"""alert_sink.py: a loopback HTTP receiver for the alerts tests: each POST
is appended to a JSON-lines log; 503 while the --down file exists; HTTPS
with --cert and --key."""
import argparse
import json
import os
import ssl
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--down", default="")
ap.add_argument("--delay", type=float, default=0.0)
ap.add_argument("--cert", default="")
ap.add_argument("--key", default="")
args = ap.parse_args()


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        t = time.time()
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace")
        down = args.down and os.path.exists(args.down)
        if args.delay:
            time.sleep(args.delay)
        rec = {"t": t, "path": self.path, "down": bool(down),
               "headers": {k.lower(): v for k, v in self.headers.items()},
               "body": body}
        with open(args.log, "a") as f:
            f.write(json.dumps(rec) + "\n")
        code, out = (503, b"down for the test") if down else (200, b"ok")
        self.send_response(code)
        self.send_header("Content-Length", str(len(out)))
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            self.wfile.write(out)
        except OSError:
            pass  # the daemon was killed mid-request: that is the test

    def do_GET(self):
        # A page for check_http to fetch (metrics_prom.sh); not logged.
        out = b"<html><body>sink</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(out)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(out)


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
if args.cert:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.cert, args.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(args.port_file + ".tmp", args.port_file)
try:
    srv.serve_forever()
except KeyboardInterrupt:
    sys.exit(0)
