#!/usr/bin/env python3
"""first_byte_sink.py: the benches' HTTP receiver. One thread, non-blocking:
each request is stamped when its first byte arrives (the moment the daemon
wrote it, give or take a wake-up), not after a thread was spawned and the
headers parsed as http.server does. Logs alert_sink.py's JSON lines."""
import argparse
import json
import os
import selectors
import socket
import time

ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--log", required=True)
args = ap.parse_args()

sel = selectors.DefaultSelector()
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(512)
srv.setblocking(False)
sel.register(srv, selectors.EVENT_READ, None)
log = open(args.log, "a", buffering=1)
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(srv.getsockname()[1]))
os.rename(args.port_file + ".tmp", args.port_file)


class Conn:
    def __init__(self, s):
        self.s, self.buf, self.t = s, b"", None


def request(c):
    """A whole request in c.buf: (path, headers, body, rest), or None."""
    end = c.buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = c.buf[:end].decode("latin-1").split("\r\n")
    hdr = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        hdr[k.strip().lower()] = v.strip()
    n = int(hdr.get("content-length") or 0)
    if len(c.buf) < end + 4 + n:
        return None
    body = c.buf[end + 4:end + 4 + n]
    path = lines[0].split(" ")[1] if " " in lines[0] else ""
    return path, hdr, body, c.buf[end + 4 + n:]


while True:
    for key, _ in sel.select():
        if key.data is None:
            try:
                s, _ = srv.accept()
            except BlockingIOError:
                continue
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, Conn(s))
            continue
        c = key.data
        try:
            d = c.s.recv(65536)
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            d = b""
        now = time.time()
        if not d:
            sel.unregister(c.s)
            c.s.close()
            continue
        if c.t is None:
            c.t = now
        c.buf += d
        while True:
            r = request(c)
            if r is None:
                break
            path, hdr, body, c.buf = r
            log.write(json.dumps({"t": c.t, "path": path, "down": False,
                                  "headers": hdr,
                                  "body": body.decode("utf-8", "replace")})
                      + "\n")
            c.t = now if c.buf else None
            try:
                c.s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            except OSError:
                pass
