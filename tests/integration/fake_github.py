#!/usr/bin/env python3
# fake_github.py: a loopback fake of the GitHub REST API and of the
# githubstatus.com Statuspage API for the github_actions integration tests.
#
# usage: fake_github.py --fixtures DIR --log FILE --token TOKEN [--scenario F]
#
# Listens on 127.0.0.1, port 0; the first line on stdout is the port.
# Every request is appended to the log as one JSON line: method, path,
# query, headers (lower-cased; Authorization replaced by "Bearer <ok>" or
# "<wrong>": the token value is checked, never written), status served.
#
# A scenario (JSON) maps "METHOD /path" (no query) to a list of responses
# served in turn, the last one repeating:
#   {"status": 200, "file": "runs_failed.json" | "body": {...} | "text": "",
#    "etag": "auto" | "\"x\"" | null, "headers": {"Retry-After": "2"},
#    "remaining": 0, "reset_in": 600}
# "rate": {"limit": 5000, "remaining": 4990, "reset_in": 3600} sets the
# quota the X-RateLimit-* headers of /repos answers count down (a 304
# costs nothing, as on GitHub). "after": {"METHOD /path": {"routes":
# {...}, "states": {"161336": "active"}}} replaces routes or workflow
# states once that request was served: a re-run changes the runs list.
# "states" overrides the state of workflows in every workflows answer.
# Requests under /repos without the right token get 401 Bad credentials.
#
# Admin (not logged): POST /__admin/scenario with a scenario as the body
# replaces the scenario; GET /__admin/requests returns the log as JSON.
import argparse
import hashlib
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class State:
    def __init__(self, fixtures, log, token):
        self.fixtures = fixtures
        self.log = log
        self.token = token
        self.lock = threading.Lock()
        self.requests = []
        self.load({})

    def load(self, scenario):
        self.routes = {k: list(v) for k, v in scenario.get("routes", {}).items()}
        self.after = scenario.get("after", {})
        self.states = dict(scenario.get("states", {}))
        rate = scenario.get("rate", {})
        self.limit = rate.get("limit", 5000)
        self.remaining = rate.get("remaining", 4990)
        self.reset = int(time.time()) + rate.get("reset_in", 3600)

    def body_of(self, resp):
        if "file" in resp:
            with open(os.path.join(self.fixtures, resp["file"]), "rb") as f:
                data = f.read()
        elif "body" in resp:
            data = json.dumps(resp["body"]).encode()
        else:
            data = resp.get("text", "").encode()
        if self.states and data.startswith(b"{") and b'"workflows"' in data:
            obj = json.loads(data)
            for w in obj.get("workflows", []):
                st = self.states.get(str(w.get("id")))
                if st:
                    w["state"] = st
            data = (json.dumps(obj, indent=2) + "\n").encode()
        return data


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-github/1.0"

    def log_message(self, fmt, *args):
        pass

    def _send(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if status != 304:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body) if status != 304 else 0))
        self.end_headers()
        if status != 304 and body:
            self.wfile.write(body)

    def _admin(self, st, path, data):
        if self.command == "POST" and path == "/__admin/scenario":
            scenario = json.loads(data or b"{}")
            with st.lock:
                st.load(scenario)
            self._send(200, b'{"ok":true}')
        elif self.command == "GET" and path == "/__admin/requests":
            with st.lock:
                data = json.dumps(st.requests).encode()
            self._send(200, data)
        else:
            self._send(404, b'{"message":"Not Found"}')

    def _handle(self):
        st = self.server.state
        u = urlsplit(self.path)
        path, query = u.path, u.query
        n = int(self.headers.get("Content-Length", "0") or "0")
        data = self.rfile.read(n) if n else b""
        if path.startswith("/__admin/"):
            return self._admin(st, path, data)
        headers = {}
        for k, v in self.headers.items():
            k = k.lower()
            if k == "authorization":
                v = "Bearer <ok>" if v == "Bearer " + st.token else "<wrong>"
            headers[k] = v
        api = path.startswith("/repos/")
        key = "%s %s" % (self.command, path)
        extra = {}
        with st.lock:
            if api and headers.get("authorization") != "Bearer <ok>":
                status, body = 401, st.body_of({"file": "bad_credentials.json"})
                resp = {}
            else:
                lst = st.routes.get(key)
                if not lst:
                    status, body, resp = 404, b'{"message":"Not Found"}', {}
                else:
                    resp = lst[0] if len(lst) == 1 else lst.pop(0)
                    status = resp.get("status", 200)
                    body = st.body_of(resp)
            etag = resp.get("etag", "auto" if status == 200 else None)
            if etag == "auto":
                etag = 'W/"%s"' % hashlib.sha1(body).hexdigest()[:16]
            if etag:
                extra["ETag"] = etag
            if status == 200 and etag and self.headers.get("If-None-Match") == etag:
                status = 304
            if "remaining" in resp:
                st.remaining = resp["remaining"]
            if "reset_in" in resp:
                st.reset = int(time.time()) + resp["reset_in"]
            if api:
                if status not in (304, 401) and st.remaining > 0 and "remaining" not in resp:
                    st.remaining -= 1
                extra.update({
                    "X-RateLimit-Limit": str(st.limit),
                    "X-RateLimit-Remaining": str(st.remaining),
                    "X-RateLimit-Reset": str(st.reset),
                    "X-RateLimit-Used": str(st.limit - st.remaining),
                    "X-RateLimit-Resource": "core",
                    "X-GitHub-Api-Version-Selected": "2022-11-28",
                })
            extra.update(resp.get("headers", {}))
            rec = {"t": round(time.time(), 3), "method": self.command,
                   "path": path, "query": query, "headers": headers,
                   "status": status}
            st.requests.append(rec)
            with open(st.log, "a") as f:
                f.write(json.dumps(rec, sort_keys=True) + "\n")
            if status < 400 and key in st.after:
                a = st.after.pop(key)
                for k, v in a.get("routes", {}).items():
                    st.routes[k] = list(v)
                st.states.update(a.get("states", {}))
        self._send(status, body, extra)

    do_GET = _handle
    do_POST = _handle
    do_PUT = _handle
    do_DELETE = _handle


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--scenario")
    a = ap.parse_args()
    st = State(a.fixtures, a.log, a.token)
    if a.scenario:
        with open(a.scenario) as f:
            st.load(json.load(f))
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.state = st
    print(srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
