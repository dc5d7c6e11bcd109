#!/usr/bin/env python3
# toml_diff.py: differential test of plugins/netlify/toml.c against Python's
# tomllib over tests/unit/fixtures/toml/{valid,invalid}/*.toml.
#
# Env: TOML_DUMP = path of the toml_dump binary (required); srcdir = top of the
# source tree (default "."); an argument overrides the fixture dir. Exit 0
# when every file agrees, 1 on a disagreement, 2 on misuse, 77 (skip) without
# tomllib.

import datetime
import json
import math
import os
import re
import subprocess
import sys

try:
    import tomllib
except ImportError:  # Python < 3.11: automake counts 77 as skipped
    print("toml_diff.py: skipped, Python 3.11+ (tomllib) is needed")
    sys.exit(77)

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
    for sub in ("valid", "invalid"):
        d = os.path.join(fixtures, sub)
        if not os.path.isdir(d):
            print("toml_diff.py: no fixture dir %s" % d, file=sys.stderr)
            return 2
        for name in sorted(os.listdir(d)):
            if not name.endswith(".toml"):
                continue
            path = os.path.join(d, name)
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
            if r is None:
                pass
            elif r.returncode == 0:
                if not ref_ok:
                    problems.append("C reader accepted it; tomllib: %s" % ref)
                else:
                    try:
                        got = json.loads(r.stdout.decode("utf-8"))
                    except ValueError as e:
                        got = None
                        problems.append("bad JSON from toml_dump: %s" % e)
                    if got is not None:
                        diff = compare(ref, got)
                        if diff:
                            problems.append("value differs: " + diff)
            elif b"runtime error:" in r.stderr or b"Sanitizer" in r.stderr:
                problems.append("toml_dump crashed: %s" %
                                r.stderr.decode("utf-8", "replace")[-2000:])
            elif r.returncode == 1:
                msg = r.stderr.decode("utf-8", "replace").strip()
                if ref_ok:
                    problems.append("C reader rejected it: %s" % msg)
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
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
