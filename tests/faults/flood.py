#!/usr/bin/env python3
"""flood.py: loopback clients for the fault scripts: idle floods on TCP or
Unix sockets, a one-byte trickler, and a raw HTTP fetch.

  flood.py hold tcp|unix ADDR N SECONDS READY
      keep N idle connections open for SECONDS; every 0.5 s the ones the
      daemon closed are opened again. READY is written once N were opened.
      Prints "opened=A reopened=B refused=C" at the end.
  flood.py trickle ADDR INTERVAL LIMIT
      connect to the Unix socket ADDR and send one byte of a request every
      INTERVAL seconds; print "closed after S" and exit 0 when the daemon
      closes it, exit 1 if it is still open after LIMIT seconds.
  flood.py fetch METHOD HOST:PORT PATH
      one request, Connection: close; print "status=N length=L body=B" with
      L the Content-Length header (-1 if none) and B the bytes after the
      head.
With FLOOD_AS=UID in the environment (and root), the client first becomes
UID, with UID as its group too.
"""
import os
import socket
import sys
import time


def connect(kind, addr):
    if kind == "unix":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(2)
        s.connect(addr)
    else:
        host, port = addr.rsplit(":", 1)
        s = socket.create_connection((host, int(port)), timeout=2)
    s.setblocking(False)
    return s


def closed(s):
    """True once the daemon closed s (what it sent before is discarded)."""
    try:
        while True:
            if not s.recv(4096):
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True


def hold(kind, addr, n, seconds, ready):
    socks, opened, reopened, refused = [], 0, 0, 0
    for _ in range(n):
        try:
            socks.append(connect(kind, addr))
            opened += 1
        except OSError:
            refused += 1
            socks.append(None)
    with open(ready, "w") as f:
        f.write("%d\n" % opened)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.5)
        for i, s in enumerate(socks):
            if s is not None and not closed(s):
                continue
            if s is not None:
                s.close()
            try:
                socks[i] = connect(kind, addr)
                reopened += 1
            except OSError:
                socks[i] = None
                refused += 1
    for s in socks:
        if s is not None:
            s.close()
    print("opened=%d reopened=%d refused=%d" % (opened, reopened, refused))
    return 0


def trickle(addr, interval, limit):
    s = connect("unix", addr)
    start = time.monotonic()
    req = b'{"cmd":"status"}\n'
    i = 0
    while time.monotonic() - start < limit:
        try:
            s.send(req[i % (len(req) - 1):i % (len(req) - 1) + 1])
        except OSError:
            break
        i += 1
        step_end = time.monotonic() + interval
        while time.monotonic() < step_end:
            if closed(s):
                print("closed after %.1f" % (time.monotonic() - start))
                return 0
            time.sleep(0.1)
    if closed(s):
        print("closed after %.1f" % (time.monotonic() - start))
        return 0
    print("still open after %.1f" % (time.monotonic() - start))
    return 1


def fetch(method, addr, path):
    s = connect("tcp", addr)
    s.setblocking(True)
    s.settimeout(10)
    s.sendall(("%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
               "\r\n" % (method, path)).encode())
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    length = -1
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    print("status=%d length=%d body=%d" % (status, length, len(body)))
    return 0


def main(argv):
    if os.environ.get("FLOOD_AS"):
        uid = int(os.environ["FLOOD_AS"])
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    if len(argv) >= 7 and argv[1] == "hold":
        return hold(argv[2], argv[3], int(argv[4]), float(argv[5]), argv[6])
    if len(argv) >= 5 and argv[1] == "trickle":
        return trickle(argv[2], float(argv[3]), float(argv[4]))
    if len(argv) >= 5 and argv[1] == "fetch":
        return fetch(argv[2], argv[3], argv[4])
    sys.stderr.write(__doc__)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))
