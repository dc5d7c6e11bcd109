#!/usr/bin/env python3
# toml_diff.py: differential test of plugins/netlify/toml.c against Netlify's
# loaders (smol-toml, @iarna/toml) and Python's tomllib over the fixtures.
#
# tests/unit/fixtures/toml/{valid,invalid}/*.toml: valid/ is what TOML 1.0
# (tomllib) accepts. The reader must give Netlify's verdict
# (docs/design-notes.md): an error where Netlify's current loader fails the
# build (smol-toml rejects it, or @netlify/config's escape check does); else
# warnings where @iarna/toml (older loaders) or TOML 1.0 disagree; else
# nothing. Accepted values must equal tomllib's and smol-toml's.
#
# Env: TOML_DUMP = path of the toml_dump binary (required); srcdir = top of the
# source tree (default "."); NODE_PATH = node_modules with smol-toml and
# @iarna/toml; an argument overrides the fixture dir. Exit 0 when every file
# agrees, 1 on a disagreement, 2 on misuse, 77 (skip) without node or
# tomllib, unless CI=true, where a missing tool fails.

import datetime
import json
import math
import os
import re
import subprocess
import sys



def missing(what):
    # automake counts 77 as skipped; in CI a missing tool is a failure.
    if os.environ.get("CI") == "true":
        print("toml_diff.py: FAIL, %s is needed (CI=true)" % what)
        sys.exit(1)
    print("toml_diff.py: skipped, %s is needed" % what)
    sys.exit(77)


try:
    import tomllib
except ImportError:
    missing("Python 3.11+ (tomllib)")

INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1

DT_RE = re.compile(
    r"^(?:(\d{4}-\d{2}-\d{2}))?(?:[Tt ]?(\d{2}:\d{2}:\d{2})(?:\.(\d+))?"
    r"([Zz]|[+-]\d{2}:\d{2})?)?$")


class OutOfRange(Exception):
    pass


def norm_frac(digits):
    # tomllib keeps microseconds (truncated); compare at that precision.
    digits = (digits or "")[:6].ljust(6, "0").rstrip("0")
    return "." + digits if digits else ""


def norm_c_datetime(text):
    m = DT_RE.match(text)
    if not m:
        return "unparsable:" + text
    date, time, frac, off = m.groups()
    out = date or ""
    if time:
        if date:
            out += "T"
        out += time + norm_frac(frac)
    if off:
        out += "+00:00" if off in ("Z", "z", "-00:00") else off
    return out


def norm_py_datetime(v):
    def t(x):
        s = "%02d:%02d:%02d" % (x.hour, x.minute, x.second)
        return s + norm_frac("%06d" % x.microsecond)

    if isinstance(v, datetime.datetime):
        s = v.date().isoformat() + "T" + t(v)
        if v.tzinfo is not None:
            mins = int(v.utcoffset().total_seconds() // 60)
            sign = "-" if mins < 0 else "+"
            s += "%s%02d:%02d" % (sign, abs(mins) // 60, abs(mins) % 60)
        return s
    if isinstance(v, datetime.date):
        return v.isoformat()
    return t(v)


def tag(v):
    """tomllib's output in toml-test's tagged JSON form."""
    if isinstance(v, dict):
        return {k: tag(x) for k, x in v.items()}
    if isinstance(v, list):
        return [tag(x) for x in v]
    if isinstance(v, bool):
        return {"type": "bool", "value": "true" if v else "false"}
    if isinstance(v, int):
        if not INT64_MIN <= v <= INT64_MAX:
            raise OutOfRange(v)
        return {"type": "integer", "value": str(v)}
    if isinstance(v, float):
        if math.isnan(v):
            s = "nan"
        elif math.isinf(v):
            s = "+inf" if v > 0 else "-inf"
        else:
            s = repr(v)
        return {"type": "float", "value": s}
    if isinstance(v, str):
        return {"type": "string", "value": v}
    if isinstance(v, datetime.datetime):
        kind = "datetime" if v.tzinfo is not None else "datetime-local"
        return {"type": kind, "value": norm_py_datetime(v)}
    if isinstance(v, datetime.date):
        return {"type": "date-local", "value": norm_py_datetime(v)}
    if isinstance(v, datetime.time):
        return {"type": "time-local", "value": norm_py_datetime(v)}
    raise TypeError(type(v))


def is_leaf(x):
    return isinstance(x, dict) and set(x) == {"type", "value"} and \
        isinstance(x["type"], str) and isinstance(x["value"], str)


def same_float(a, b):
    if a == "nan" or b == "nan":
        return a == b
    if a.endswith("inf") or b.endswith("inf"):
        return a == b
    fa, fb = float(a), float(b)
    return fa == fb and math.copysign(1, fa) == math.copysign(1, fb)


def compare(exp, got, path="$"):
    """Returns None when equal, else a description of the first difference."""
    if is_leaf(exp):
        if not is_leaf(got):
            return "%s: expected %s, got %r" % (path, exp["type"], got)
        if exp["type"] != got["type"]:
            return "%s: type %s, expected %s" % (path, got["type"],
                                                 exp["type"])
        t, a, b = exp["type"], exp["value"], got["value"]
        if t == "float":
            ok = same_float(a, b)
        elif t.startswith(("datetime", "date", "time")):
            b = norm_c_datetime(b)
            ok = a == b
        elif t == "string":
            # TOML lets a reader normalize newlines of multi-line strings:
            # tomllib makes CRLF LF, smol-toml (and so we) keeps it.
            ok = a.replace("\r\n", "\n") == b.replace("\r\n", "\n")
        else:
            ok = a == b
        return None if ok else "%s: %r, expected %r" % (path, b, a)
    if isinstance(exp, dict):
        if not isinstance(got, dict) or is_leaf(got):
            return "%s: expected a table" % path
        if set(exp) != set(got):
            return "%s: keys %s, expected %s" % (path, sorted(got),
                                                 sorted(exp))
        for k in exp:
            d = compare(exp[k], got[k], "%s.%s" % (path, k))
            if d:
                return d
        return None
    if isinstance(exp, list):
        if not isinstance(got, list) or len(got) != len(exp):
            return "%s: expected an array of %d" % (path, len(exp))
        for i, (e, g) in enumerate(zip(exp, got)):
            d = compare(e, g, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    return "%s: unexpected %r" % (path, exp)


def compare_js(got, js, path="$"):
    """toml_dump's tagged JSON against smol-toml's value after Netlify's
    JSON round trip (dates are strings there, nan and inf null)."""
    if is_leaf(got):
        t, v = got["type"], got["value"]
        if t == "string":
            ok = js == v
        elif t == "integer":
            ok = isinstance(js, int) and not isinstance(js, bool) and \
                js == int(v)
        elif t == "float":
            if v in ("nan", "+inf", "-inf"):
                ok = js is None
            else:
                ok = isinstance(js, (int, float)) and \
                    not isinstance(js, bool) and float(js) == float(v)
        elif t == "bool":
            ok = js is (v == "true")
        else:  # dates: smol-toml rewrites them (1979-02-29 -> 03-01)
            ok = isinstance(js, str)
        return None if ok else "%s: %r, smol-toml %r" % (path, v, js)
    if isinstance(got, dict):
        if not isinstance(js, dict) or set(got) != set(js):
            return "%s: keys %s, smol-toml %r" % (path, sorted(got), js)
        for k in got:
            d = compare_js(got[k], js[k], "%s.%s" % (path, k))
            if d:
                return d
        return None
    if not isinstance(js, list) or len(js) != len(got):
        return "%s: an array of %d, smol-toml %r" % (path, len(got), js)
    for i, (g, j) in enumerate(zip(got, js)):
        d = compare_js(g, j, "%s[%d]" % (path, i))
        if d:
            return d
    return None


def netlify_verdicts(paths):
    """{path: record} from tests/unit/toml_netlify.cjs."""
    script = os.path.join(os.environ.get("srcdir", "."), "tests", "unit",
                          "toml_netlify.cjs")
    try:
        r = subprocess.run(["node", script] + paths, capture_output=True,
                           timeout=120)
    except FileNotFoundError:
        missing("node")
    if r.returncode != 0:
        why = r.stderr.decode("utf-8", "replace").strip()
        if "MODULE_NOT_FOUND" in why:
            missing("node with smol-toml and @iarna/toml (scripts/bootstrap "
                    "installs them)")
        print("toml_diff.py: FAIL, toml_netlify.cjs: %s" % why[-2000:])
        sys.exit(1)
    out = {}
    for line in r.stdout.decode("utf-8").splitlines():
        rec = json.loads(line)
        out[rec["file"]] = rec
    return out


def expected(rec, ref_ok):
    if not rec["smol"]["ok"] or rec["escape"] is not None:
        return "error"
    if not rec["iarna"]["ok"] or not ref_ok:
        return "warn"
    return "ok"


def reference(raw):
    """tomllib's verdict: (True, tagged) or (False, reason)."""
    try:
        return True, tag(tomllib.loads(raw.decode("utf-8")))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, OutOfRange) as e:
        return False, str(e)


def main():
    dump = os.environ.get("TOML_DUMP")
    if not dump:
        print("toml_diff.py: set TOML_DUMP to the toml_dump binary",
              file=sys.stderr)
        return 2
    fixtures = os.path.join(os.environ.get("srcdir", "."),
                            "tests", "unit", "fixtures", "toml")
    if len(sys.argv) > 1:
        fixtures = sys.argv[1]
    err_re = re.compile(r"^.+:\d+:\d+: \S.*$")
    passed = failed = 0
    files = []
    for sub in ("valid", "invalid"):
        d = os.path.join(fixtures, sub)
        if not os.path.isdir(d):
            print("toml_diff.py: no fixture dir %s" % d, file=sys.stderr)
            return 2
        files += [(sub, name, os.path.join(d, name))
                  for name in sorted(os.listdir(d)) if name.endswith(".toml")]
    netlify = netlify_verdicts([f[2] for f in files])
    counts = {"ok": 0, "warn": 0, "error": 0}
    for sub, name, path in files:
        with open(path, "rb") as f:
            raw = f.read()
        ref_ok, ref = reference(raw)
        problems = []
        if ref_ok != (sub == "valid"):
            problems.append("tomllib says %s, fixture is in %s/" %
                            ("valid" if ref_ok else "invalid", sub))
        try:
            r = subprocess.run([dump, path], capture_output=True,
                               timeout=60)
        except subprocess.TimeoutExpired:
            problems.append("toml_dump timed out")
            r = None
        rec = netlify.get(path)
        want = expected(rec, ref_ok) if rec else None
        if rec is None:
            problems.append("no verdict from toml_netlify.cjs")
        else:
            counts[want] += 1
        msg = r.stderr.decode("utf-8", "replace").strip() if r else ""
        if r is None:
            pass
        elif b"runtime error:" in r.stderr or b"Sanitizer" in r.stderr:
            problems.append("toml_dump crashed: %s" % msg[-2000:])
        elif r.returncode == 0:
            got_v = "warn" if msg else "ok"
            if want is not None and got_v != want:
                problems.append(
                    "C reader says %s, Netlify's rule %s (smol-toml %s, "
                    "@iarna/toml %s, tomllib %s): %s" % (
                        got_v, want, rec["smol"].get("error", "ok"),
                        rec["iarna"].get("error", "ok"),
                        "ok" if ref_ok else ref, msg))
            for w in msg.splitlines():
                if not err_re.match(w) or "Netlify" not in w and \
                        "tomllib" not in w:
                    problems.append("warning not 'name:line:col: "
                                    "msg' naming Netlify: %r" % w)
            try:
                got = json.loads(r.stdout.decode("utf-8"))
            except ValueError as e:
                got = None
                problems.append("bad JSON from toml_dump: %s" % e)
            if got is not None and ref_ok:
                diff = compare(ref, got)
                if diff:
                    problems.append("value differs from tomllib: " +
                                    diff)
            if got is not None and rec and rec["smol"]["ok"]:
                diff = compare_js(got, rec["smol"]["value"])
                if diff:
                    problems.append("value differs from smol-toml: " +
                                    diff)
        elif r.returncode == 1:
            if want is not None and want != "error":
                problems.append(
                    "C reader rejected it, Netlify's rule says %s: %s" %
                    (want, msg))
            elif not err_re.match(msg) or "\n" in msg:
                problems.append("error not 'name:line:col: msg': %r" %
                                msg)
        else:
            problems.append("toml_dump exited %d: %s" % (
                r.returncode,
                r.stderr.decode("utf-8", "replace")[-2000:]))
        if problems:
            failed += 1
            for p in problems:
                print("FAIL %s/%s: %s" % (sub, name, p))
        else:
            passed += 1
    print("%d passed, %d failed (Netlify's rule: %d ok, %d with warnings, "
          "%d errors)" % (passed, failed, counts["ok"], counts["warn"],
                          counts["error"]))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
