#!/usr/bin/env python3
# cdp_page.py: load a page in headless Chromium at a given viewport width,
# wait until the page says it rendered, then save its DOM and a screenshot.
# Headless Chromium will not make a window narrower than 500 px, so a
# phone's 390 px is set with the DevTools protocol's device metrics, over
# --remote-debugging-pipe (no WebSocket library, no port).
#
# cdp_page.py CHROMIUM URL WIDTH HEIGHT DOM PNG USER_DATA_DIR [EXPR]
# EXPR: a JavaScript expression evaluated in the rendered page; its value
# (a string) is written to DOM.eval.
import base64
import json
import os
import subprocess
import sys
import time

chromium, url, width, height, dom, png, udd = sys.argv[1:8]
expr = sys.argv[8] if len(sys.argv) > 8 else None
width, height = int(width), int(height)
DEADLINE = time.monotonic() + 30

to_r, to_w = os.pipe()      # chromium reads commands on fd 3
from_r, from_w = os.pipe()  # ...and writes replies on fd 4


def child():
    # Through copies: dup2 onto the same number would leave the pipe's
    # close-on-exec flag set; a dup2 to another number clears it.
    r, w = os.dup(to_r), os.dup(from_w)
    os.dup2(r, 3)
    os.dup2(w, 4)


proc = subprocess.Popen(
    [chromium, "--headless=new", "--disable-gpu", "--no-sandbox",
     "--no-first-run", "--disable-extensions", "--remote-debugging-pipe",
     "--user-data-dir=" + udd, "about:blank"],
    preexec_fn=child, close_fds=False,
    stdout=subprocess.DEVNULL, stderr=open(dom + ".err", "w"))
os.close(to_r)
os.close(from_w)
buf = b""
seq = 0


def send(method, params=None, session=None):
    global seq, buf
    seq += 1
    msg = {"id": seq, "method": method, "params": params or {}}
    if session:
        msg["sessionId"] = session
    os.write(to_w, json.dumps(msg).encode() + b"\0")
    while True:
        while b"\0" not in buf:
            if time.monotonic() > DEADLINE:
                sys.exit("cdp_page: no reply to %s in time" % method)
            chunk = os.read(from_r, 65536)
            if not chunk:
                sys.exit("cdp_page: chromium went away during %s" % method)
            buf += chunk
        line, buf = buf.split(b"\0", 1)
        reply = json.loads(line)
        if reply.get("id") == seq:
            if "error" in reply:
                sys.exit("cdp_page: %s: %s" % (method, reply["error"]))
            return reply.get("result", {})


def evaluate(expr, session):
    r = send("Runtime.evaluate", {"expression": expr,
                                  "returnByValue": True}, session)
    return r.get("result", {}).get("value")


try:
    page = [t for t in send("Target.getTargets")["targetInfos"]
            if t["type"] == "page"][0]
    s = send("Target.attachToTarget", {"targetId": page["targetId"],
                                       "flatten": True})["sessionId"]
    send("Emulation.setDeviceMetricsOverride",
         {"width": width, "height": height, "deviceScaleFactor": 1,
          "mobile": width < 640}, s)
    send("Page.navigate", {"url": url}, s)
    # The page sets <html data-loaded> once it rendered /health.
    while evaluate("document.documentElement.dataset.loaded", s) != "1":
        if time.monotonic() > DEADLINE:
            sys.exit("cdp_page: the page did not render in time")
        time.sleep(0.1)
    with open(dom, "w") as f:
        f.write(evaluate("document.documentElement.outerHTML", s))
    if expr:
        with open(dom + ".eval", "w") as f:
            f.write(str(evaluate(expr, s)))
    # The whole page, not just the first screen: cards run long on a phone.
    size = send("Page.getLayoutMetrics", None, s)["cssContentSize"]
    shot = send("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": size["width"],
                 "height": min(size["height"], 8000), "scale": 1}}, s)
    with open(png, "wb") as f:
        f.write(base64.b64decode(shot["data"]))
    try:
        send("Browser.close")
    except SystemExit:
        pass
finally:
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
