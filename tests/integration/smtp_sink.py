#!/usr/bin/python3
"""smtp_sink.py: aiosmtpd on 127.0.0.1 for the alerts tests: AUTH PLAIN
and LOGIN against one user, each message appended to a JSON-lines log."""
import argparse
import json
import os
import socket
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--user", default="")
ap.add_argument("--password", default="")
args = ap.parse_args()


class Handler:
    async def handle_DATA(self, server, session, envelope):
        rec = {"from": envelope.mail_from, "rcpt": envelope.rcpt_tos,
               "auth": session.auth_data,
               "data": envelope.content.decode("utf-8", "replace")}
        with open(args.log, "a") as f:
            f.write(json.dumps(rec) + "\n")
        return "250 OK"


def auth(server, session, envelope, mechanism, auth_data):
    ok = (auth_data.login.decode() == args.user and
          auth_data.password.decode() == args.password)
    return AuthResult(success=ok, auth_data=auth_data.login.decode())


s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
kw = {}
if args.user:
    kw = dict(authenticator=auth, auth_require_tls=False,
              auth_required=True)
c = Controller(Handler(), hostname="127.0.0.1", port=port, **kw)
c.start()
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(port))
os.rename(args.port_file + ".tmp", args.port_file)
try:
    threading.Event().wait()
except KeyboardInterrupt:
    pass
finally:
    c.stop()
