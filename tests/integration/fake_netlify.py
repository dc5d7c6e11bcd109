#!/usr/bin/env python3
# fake_netlify.py: a loopback stand-in for api.netlify.com (the shapes of
# the public swagger v2.55: listSiteDeploys, createSiteBuild,
# restoreSiteDeploy, cancelSiteDeploy) and for a site's function endpoints
# /.netlify/functions/NAME. Python 3 stdlib only.
#
# Usage: fake_netlify.py DIR
#   Prints its port on the first line of stdout, then serves until killed.
#   DIR/token         the bearer token the API accepts (required)
#   DIR/deploys.json  the site's deploys, newest first; re-read per request
#   DIR/build_state   state of the deploy a POST .../builds creates
#                     ("error" by default: the retried build fails too)
#   DIR/ratelimit     "N SECONDS [METHOD]": the next N API requests (of
#                     METHOD only, when given) answer 429 with Retry-After:
#                     SECONDS (the file is rewritten as it goes)
#   DIR/functions.json  {"NAME": {"status": 200, "body": "...",
#                     "delay": 0.0}}: canned function answers
#   DIR/requests.log  one JSON line per request: t (ms), method, path,
#                     auth ("ok", "bad" or "none"). The token is never
#                     written.
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIR = sys.argv[1] if len(sys.argv) > 1 else "."
LOCK = threading.Lock()
SITE = "site-1"


def path_of(name):
    return os.path.join(DIR, name)


def read_json(name, default):
    try:
        with open(path_of(name)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def write_json(name, value):
    tmp = path_of(name + ".tmp")
    with open(tmp, "w") as f:
        json.dump(value, f)
    os.replace(tmp, path_of(name))


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: requests.log is the record
        pass

    def record(self, auth):
        line = json.dumps({"t": int(time.time() * 1000),
                           "method": self.command, "path": self.path,
                           "auth": auth})
        with LOCK:
            with open(path_of("requests.log"), "a") as f:
                f.write(line + "\n")

    def reply(self, status, body, headers=None):
        data = body if isinstance(body, bytes) else \
            json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def auth(self):
        try:
            with open(path_of("token")) as f:
                token = f.read().strip()
        except OSError:
            token = None
        got = self.headers.get("Authorization")
        if got is None:
            return "none"
        return "ok" if token and got == "Bearer " + token else "bad"

    def rate_limited(self):
        with LOCK:
            try:
                with open(path_of("ratelimit")) as f:
                    words = f.read().split()
                n, secs = int(words[0]), words[1]
            except (OSError, ValueError, IndexError):
                return None
            method = words[2] if len(words) > 2 else None
            if n <= 0 or (method and method != self.command):
                return None
            with open(path_of("ratelimit"), "w") as f:
                f.write("%d %s %s\n" % (n - 1, secs, method or ""))
            return secs

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def function(self, name):
        fns = read_json("functions.json", {})
        spec = fns.get(name)
        if spec is None:
            self.reply(404, {"error": "function not found"})
            return
        if spec.get("delay"):
            time.sleep(float(spec["delay"]))
        body = spec.get("body", "")
        self.reply(int(spec.get("status", 200)), body.encode())

    def api(self):
        auth = self.auth()
        self.record(auth)
        if auth != "ok":
            self.reply(401, {"code": 401, "message": "Access Denied"})
            return
        secs = self.rate_limited()
        if secs is not None:
            self.reply(429, {"code": 429, "message": "Too Many Requests"},
                       {"Retry-After": secs})
            return
        p = self.path.split("?")[0][len("/api/v1"):]
        parts = [x for x in p.split("/") if x]
        deploys = read_json("deploys.json", [])
        if self.command == "GET" and parts == ["sites", SITE, "deploys"]:
            self.reply(200, deploys)
        elif self.command == "POST" and parts == ["sites", SITE, "builds"]:
            n = sum(1 for d in deploys if d["id"].startswith("d-retry-"))
            did = "d-retry-%d" % (n + 1)
            try:
                with open(path_of("build_state")) as f:
                    state = f.read().strip() or "error"
            except OSError:
                state = "error"
            dep = {"id": did, "site_id": SITE, "build_id": "b-" + did,
                   "state": state, "branch": "main",
                   "context": "production", "created_at": now_iso(),
                   "error_message": "Build script returned non-zero exit "
                   "code: 2" if state == "error" else None}
            with LOCK:
                write_json("deploys.json", [dep] + deploys)
            self.reply(201, {"id": "b-" + did, "deploy_id": did,
                             "sha": None, "done": False, "error": None,
                             "created_at": now_iso()})
        elif (self.command == "POST" and len(parts) == 5 and
              parts[:3] == ["sites", SITE, "deploys"] and
              parts[4] == "restore"):
            dep = next((d for d in deploys if d["id"] == parts[3]), None)
            if dep is None:
                self.reply(404, {"code": 404, "message": "Not Found"})
            else:
                self.reply(201, dict(dep, published_at=now_iso()))
        elif (self.command == "POST" and len(parts) == 3 and
              parts[0] == "deploys" and parts[2] == "cancel"):
            self.reply(201, {"id": parts[1], "state": "error"})
        else:
            self.reply(404, {"code": 404, "message": "Not Found"})

    def handle_any(self):
        self.body()
        if self.path.startswith("/api/v1/"):
            self.api()
        elif self.path.startswith("/.netlify/functions/"):
            self.record("none")
            name = self.path[len("/.netlify/functions/"):].split("?")[0]
            self.function(name.split("/")[0])
        else:
            self.record("none")
            self.reply(404, {"error": "not found"})

    do_GET = do_POST = do_PUT = do_DELETE = handle_any


class Server(ThreadingHTTPServer):
    # 200 probes may connect at once: the default backlog of 5 drops SYNs.
    request_queue_size = 1024


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    print(srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
