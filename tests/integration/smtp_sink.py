#!/usr/bin/python3
"""smtp_sink.py: aiosmtpd on 127.0.0.1 for the alerts tests: AUTH PLAIN
and LOGIN against one user, STARTTLS (required) or TLS from the start with
a given certificate, each message appended to a JSON-lines log."""
import argparse
import json
import os
import socket
import ssl
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--user", default="")
ap.add_argument("--password", default="")
ap.add_argument("--tls", choices=["starttls", "smtps"], default=None)
ap.add_argument("--cert", default="")
ap.add_argument("--key", default="")
args = ap.parse_args()


class Handler:
    async def handle_DATA(self, server, session, envelope):
        rec = {"from": envelope.mail_from, "rcpt": envelope.rcpt_tos,
               "auth": session.auth_data,
               "tls": server.transport.get_extra_info("cipher") is not None,
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
    kw = dict(authenticator=auth, auth_require_tls=args.tls is not None,
              auth_required=True)
if args.tls:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.cert, args.key)
    if args.tls == "starttls":
        kw.update(tls_context=ctx, require_starttls=True)
    else:
        kw.update(ssl_context=ctx)
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
