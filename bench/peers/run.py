#!/usr/bin/env python3
"""bench/peers/run.py: redundancyd against Monit and supervisord on one job,
N children of /bin/sleep, each supervisor from one run: its RSS (summed over
its processes; "RSS once" with each physical page counted once, as if they
were one process; PSS), start until all children run, status latency,
kill -9 until running again, idle CPU.
redundancyd runs twice: exec (pgrep each second, the polling model) and
process (pidfds). Installs nothing (scripts/bootstrap has monit and
supervisor); a missing peer is skipped. Prints a table; never fails.

  usage: bench/peers/run.py [--build DIR] [--n 1,100] [--kills 30]
                            [--idle 60] [--full]   (--full: idle 3 x 60 s)
                            [--exec-check pidfile|pgrep] [--only NAMES]
"""
import argparse
import os
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def now_ms():
    return time.monotonic() * 1000.0


def job_argv(ws, i):
    # A copy of sleep in the workspace: pgrep and /proc scans find ours only.
    return [os.path.join(ws, "job"), str(100000 + i)]


def job_pids(ws):
    """pid -> job index, from one scan of /proc."""
    out = {}
    prefix = (os.path.join(ws, "job") + "\0").encode()
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                cl = f.read()
            with open("/proc/%s/stat" % d) as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    continue
        except OSError:
            continue
        if cl.startswith(prefix):
            out[int(d)] = int(cl[len(prefix):].split(b"\0")[0]) - 100000
    return out


def tree(pid):
    """The supervisor's own processes: pid and its children that are not jobs
    or commands it runs (redundancyd's workers are named rdd:*)."""
    pids = [pid]
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            kids = [int(x) for x in f.read().split()]
    except OSError:
        kids = []
    for k in kids:
        try:
            with open("/proc/%d/comm" % k) as f:
                if f.read().startswith("rdd:"):
                    pids.append(k)
        except OSError:
            pass
    return pids


def rss_kb(pids):
    t = 0
    for p in pids:
        try:
            with open("/proc/%d/status" % p) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        t += int(line.split()[1])
        except OSError:
            pass
    return t


def pss_kb(pids):
    """Proportional set size: pages shared between the master and its
    forked workers (or with other processes) counted once in total."""
    t = 0
    for p in pids:
        try:
            with open("/proc/%d/smaps_rollup" % p) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        t += int(line.split()[1])
        except OSError:
            pass
    return t


def once_kb(pids):
    """Resident memory with each physical page counted once: for one
    process its RSS; for a master and its forked workers, a page they both
    map (libc, the binary, untouched copy-on-write memory) counts once, as
    it would in a single process, where the RSS sum counts it in each.
    Frame numbers from /proc/PID/pagemap need root: None without them."""
    frames = set()
    page = os.sysconf("SC_PAGE_SIZE")
    for p in pids:
        try:
            with open("/proc/%d/maps" % p) as maps, \
                    open("/proc/%d/pagemap" % p, "rb") as pm:
                for line in maps:
                    f = line.split()
                    if f[-1] == "[vsyscall]":
                        continue
                    a, b = (int(x, 16) for x in f[0].split("-"))
                    pm.seek(a // page * 8)
                    buf = pm.read((b - a) // page * 8)
                    for (e,) in struct.iter_unpack("<Q", buf):
                        if e >> 63:
                            pfn = e & ((1 << 55) - 1)
                            if pfn == 0:
                                return None
                            frames.add(pfn)
        except OSError:
            continue
    return len(frames) * page // 1024


def cpu_ns(pids):
    """On-CPU ns of every thread of pids (schedstat): exact where utime and
    stime count 10 ms ticks. Not the children's: those are theirs."""
    t = 0
    for p in pids:
        try:
            tasks = os.listdir("/proc/%d/task" % p)
        except OSError:
            continue
        for k in tasks:
            try:
                with open("/proc/%d/task/%s/schedstat" % (p, k)) as f:
                    t += int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                pass
    return t


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Peer:
    name = ""
    status_argv = None

    def __init__(self, ws, n, build):
        self.ws, self.n, self.build = ws, n, build
        self.proc = None

    def available(self):
        return True

    def write_config(self):
        pass

    def start(self):
        self.proc = subprocess.Popen(self.argv(), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, cwd=self.ws)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # Children a supervisor leaves behind are ours to end, by pid.
        for p in job_pids(self.ws):
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass

    def status_ok(self):
        return subprocess.call(self.status_argv, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL) in self.status_rc


class Monit(Peer):
    name = "monit"
    status_rc = (0,)

    def available(self):
        return shutil.which("monit") is not None

    def write_config(self):
        rc = os.path.join(self.ws, "monitrc")
        self.port = free_port()
        with open(rc, "w") as f:
            f.write("set daemon 1\nset log %s/monit.log\n"
                    "set pidfile %s/monit.pid\nset idfile %s/monit.id\n"
                    "set statefile %s/monit.state\n"
                    "set httpd port %d address 127.0.0.1\n"
                    "    allow 127.0.0.1\n" % ((self.ws,) * 4 + (self.port,)))
            for i in range(1, self.n + 1):
                a = job_argv(self.ws, i)
                # Monit waits for a start program to exit: it must fork,
                # and say where the child is (its canonical pidfile mode).
                pf = os.path.join(self.ws, "j%d.pid" % i)
                f.write('check process j%d with pidfile %s\n'
                        '    start program = "/bin/sh -c \'/usr/bin/setsid '
                        '%s %s </dev/null >/dev/null 2>&1 & echo $! >%s\'"\n'
                        % (i, pf, a[0], a[1], pf))
        os.chmod(rc, 0o600)
        self.rc = rc
        self.status_argv = ["monit", "-c", rc, "status"]

    def argv(self):
        return ["monit", "-I", "-c", self.rc]


class Supervisord(Peer):
    name = "supervisord"
    status_rc = (0,)

    def available(self):
        return shutil.which("supervisord") is not None

    def write_config(self):
        c = os.path.join(self.ws, "supervisord.conf")
        with open(c, "w") as f:
            f.write("[supervisord]\nnodaemon=true\nlogfile=%s/sup.log\n"
                    "pidfile=%s/sup.pid\nchildlogdir=%s\n"
                    "[unix_http_server]\nfile=%s/sup.sock\n"
                    "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory"
                    " = supervisor.rpcinterface:make_main_rpcinterface\n"
                    "[supervisorctl]\nserverurl=unix://%s/sup.sock\n"
                    % ((self.ws,) * 5))
            for i in range(1, self.n + 1):
                f.write("[program:j%d]\ncommand=%s\nautorestart=true\n"
                        "startsecs=0\nstdout_logfile=NONE\nstderr_logfile=NONE\n"
                        % (i, " ".join(job_argv(self.ws, i))))
        self.conf = c
        self.status_argv = ["supervisorctl", "-c", c, "status"]

    def argv(self):
        return ["supervisord", "-c", self.conf]


class Redundancyd(Peer):
    status_rc = (0,)
    plugin = ""

    def available(self):
        return os.path.exists(os.path.join(self.build, "redundancyd"))

    def monitor(self, i):
        raise NotImplementedError

    def write_config(self):
        pd = os.path.join(self.ws, "plugins")
        os.makedirs(pd, exist_ok=True)
        os.chmod(pd, 0o755)
        so = os.path.join(self.build, "plugins", self.plugin, ".libs",
                          self.plugin + ".so")
        shutil.copy(so, pd)
        os.chmod(os.path.join(pd, self.plugin + ".so"), 0o755)
        c = os.path.join(self.ws, "redundancyd.conf")
        with open(c, "w") as f:
            f.write('daemon: { plugin_dir = "%s"; state_dir = "%s/state"; '
                    'log_dir = "%s/log"; control_socket = "%s/ctl.sock"; '
                    'pidfile = "%s/rdd.pid"; http = { listen = ""; }; '
                    'startup_delay = "0"; max_children = 32; };\n'
                    'recovery: { max_attempts = 100; window_max = 100; '
                    'delay = "100ms"; };\nmonitors = (\n' % ((pd,) + (self.ws,) * 4))
            f.write(",\n".join(self.monitor(i) for i in range(1, self.n + 1)))
            f.write("\n);\n")
        self.conf = c
        self.status_argv = [os.path.join(self.build, "redundancyctl"), "-s",
                            os.path.join(self.ws, "ctl.sock"), "status"]

    def argv(self):
        return [os.path.join(self.build, "redundancyd"), "-f", "-c", self.conf]


class RddExec(Redundancyd):
    """The polling model: a check command every second, a start command as
    recovery. --exec-check pidfile (the default) asks what Monit's `check
    process ... with pidfile` asks, through a pidfile the start command
    writes; pgrep (the issue's first table) scans every /proc entry in each
    check: at 100 a second that alone saturates 2 cores, checks time out
    and the daemon's figure is that of an overloaded machine."""
    name = "redundancyd exec"
    plugin = "exec"
    check = "pidfile"

    def monitor(self, i):
        a = job_argv(self.ws, i)
        pf = os.path.join(self.ws, "j%d.pid" % i)
        if self.check == "pgrep":
            # pgrep exits 1 when nothing matches, which Nagios reads as
            # WARNING.
            probe = "pgrep -f '^%s %s$' >/dev/null || exit 2" % (a[0], a[1])
        else:
            # Shell builtins only; a zombie counts as gone (where init
            # does not reap at once, kill -0 would still say yes).
            probe = ("read p <%s && read -r s </proc/$p/stat && "
                     "case $s in *') Z '*) exit 2;; esac || exit 2" % pf)
        return ('{ name = "j%d"; plugin = "exec"; interval = "1s"; '
                'command = ["/bin/sh", "-c", "%s"]; recover = '
                '( ["/bin/sh", "-c", "setsid %s %s </dev/null >/dev/null '
                '2>&1 & echo $! >%s"] ); }'
                % (i, probe.replace('"', '\\"'), a[0], a[1], pf))


class RddProcess(Redundancyd):
    """Liveness from pidfds only, as supervisord does it: nothing polls."""
    name = "redundancyd process"
    plugin = "process"
    interval = "1h"

    def monitor(self, i):
        a = job_argv(self.ws, i)
        return ('{ name = "j%d"; plugin = "process"; interval = "%s"; '
                'command = ["%s", "%s"]; }' % (i, self.interval, a[0], a[1]))


class RddProcessRes(RddProcess):
    """And Monit's resource checks (memory, CPU, fds...) every 30 s,
    which supervisord does not do."""
    name = "redundancyd process+res"
    interval = "30s"


def wait_all(ws, n, deadline_ms):
    while now_ms() < deadline_ms:
        if len(set(job_pids(ws).values())) >= n:
            return True
        time.sleep(0.002)
    return False


def kill_restart(ws, kills):
    """kill -9 the child of job 1, time until a new one runs its argv."""
    out, misses = [], 0
    want = (os.path.join(ws, "job") + "\x00100001\x00").encode()
    for _ in range(kills):
        old = [p for p, i in job_pids(ws).items() if i == 1]
        if not old:
            break
        # The new child is a pid that is not there now (pids wrap).
        before = set(os.listdir("/proc"))
        t0 = now_ms()
        os.kill(old[0], signal.SIGKILL)
        found = False
        while not found and now_ms() - t0 < 10000:
            for d in os.listdir("/proc"):
                if d in before or not d.isdigit():
                    continue
                try:
                    with open("/proc/%s/cmdline" % d, "rb") as f:
                        # before its exec a child shows its parent's argv
                        if f.read() == want:
                            found = True
                            break
                except OSError:
                    continue
            if not found:
                time.sleep(0.0002)  # 2 cores: leave the supervisor a CPU
        if not found:
            wait_all(ws, 1, now_ms() + 10000)  # a miss: count it, go on
            misses += 1
            continue
        out.append(now_ms() - t0)
        time.sleep(0.05)  # let the supervisor settle between kills
    return out, misses


def run_peer(cls, n, args):
    ws = tempfile.mkdtemp(prefix="rdd-peers.", dir=os.environ.get("TMPDIR", "/tmp"))
    os.chmod(ws, 0o755)
    shutil.copy("/bin/sleep", os.path.join(ws, "job"))
    peer = cls(ws, n, args.build)
    r = {}
    try:
        if not peer.available():
            return None
        peer.write_config()
        t0 = now_ms()
        peer.start()
        r["start"] = (now_ms() - t0) if wait_all(ws, n, t0 + 120000) else None
        time.sleep(2)  # settle: first checks, imports (not synchronisation)
        pids = tree(peer.proc.pid)
        r["rss"] = rss_kb(pids)
        r["pss"] = pss_kb(pids)
        r["once"] = once_kb(pids)
        lat = []
        for _ in range(10):
            a = now_ms()
            peer.status_ok()
            lat.append(now_ms() - a)
        r["status"] = statistics.median(lat)
        idle = []
        for _ in range(args.idle_runs):
            pids = tree(peer.proc.pid)
            c0, a = cpu_ns(pids), time.monotonic()
            time.sleep(args.idle)  # the measurement window
            c1, b = cpu_ns(pids), time.monotonic()
            idle.append((c1 - c0) / 1e9 / (b - a) * 100.0)
        r["idle"] = statistics.median(idle)
        k, r["misses"] = kill_restart(ws, args.kills)
        r["kill"] = statistics.median(k) if k else None
    finally:
        peer.stop()
        shutil.rmtree(ws, ignore_errors=True)
    return r


def fmt(v, unit, nd=1):
    return "n/a" if v is None else ("%.*f %s" % (nd, v, unit)).strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(TOP, "_build"))
    ap.add_argument("--n", default="1,100")
    ap.add_argument("--kills", type=int, default=30)
    # 60 s: two rounds of the 30 s resource checks fall in the window.
    ap.add_argument("--idle", type=float, default=60.0)
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--only", default="")
    ap.add_argument("--exec-check", choices=("pidfile", "pgrep"),
                    default="pidfile")
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    args.idle_runs = 1
    RddExec.check = args.exec_check
    if args.full:
        args.idle, args.idle_runs = 60.0, 3
    peers = [Monit, Supervisord, RddExec, RddProcess, RddProcessRes]
    if args.only:
        peers = [p for p in peers if p.name in args.only.split(",")]
    print("peers bench on %d cores, %s; idle CPU over %d x %.0f s; "
          "kill -9: median of %d" % (os.cpu_count(), os.uname().release,
                                     args.idle_runs, args.idle, args.kills))
    hdr = "%-24s %5s %9s %9s %9s %12s %10s %14s %10s" % (
        "supervisor", "N", "RSS", "RSS once", "PSS", "all running",
        "status", "kill->running", "idle CPU")
    print(hdr)
    print("-" * len(hdr))
    results = {}
    for n in [int(x) for x in args.n.split(",")]:
        for cls in peers:
            try:
                r = run_peer(cls, n, args)
            except Exception as e:  # a benchmark prints, never fails
                print("%-24s %5d error: %s" % (cls.name, n, e))
                continue
            if r is None:
                print("%-24s %5d not installed (scripts/bootstrap)" % (cls.name, n))
                continue
            results[(cls.name, n)] = r
            print("%-24s %5d %9s %9s %9s %12s %10s %14s %10s" % (
                cls.name, n, fmt(r["rss"] / 1024.0, "MB"),
                fmt(None if r["once"] is None else r["once"] / 1024.0,
                    "MB"),
                fmt(r["pss"] / 1024.0, "MB"),
                fmt(r["start"], "ms", 0), fmt(r["status"], "ms"),
                fmt(r["kill"], "ms"), fmt(r["idle"], "%", 2)) +
                  ("  (%d kills not restarted within 10 s)" % r["misses"]
                   if r["misses"] else ""))
            sys.stdout.flush()
    ratios(results)
    return 0


def ratio(a, b):
    return None if a is None or b is None or b <= 0 else a / b


def ratios(res):
    """The issue's goals as ratios from this one run."""
    goals = [
        # (what, ours, peer, metric, N, bound, "<=")
        ("kill -9 -> running (ms, absolute)", "redundancyd process", None,
         "kill", 1, 10.0),
        ("RSS vs Monit", "redundancyd process", "monit", "rss", 1, 0.5),
        ("RSS vs Monit", "redundancyd process", "monit", "rss", 100, 0.5),
        ("RSS, pages counted once, vs Monit", "redundancyd process",
         "monit", "once", 1, 0.5),
        ("RSS, pages counted once, vs Monit", "redundancyd process",
         "monit", "once", 100, 0.5),
        ("PSS vs Monit", "redundancyd process", "monit", "pss", 1, 0.5),
        ("idle CPU vs supervisord", "redundancyd process", "supervisord",
         "idle", 1, 1.0),
        ("idle CPU vs supervisord", "redundancyd process", "supervisord",
         "idle", 100, 1.0),
        ("idle CPU (+res. checks) vs supervisord", "redundancyd process+res",
         "supervisord", "idle", 100, 1.0),
        ("status vs Monit", "redundancyd process", "monit", "status", 100,
         0.25),
        ("CPU, 100 polled checks/s vs Monit", "redundancyd exec", "monit",
         "idle", 100, 1.0),
    ]
    print("\ngoals (ratio = ours / peer's; met when <= bound)")
    print("%-40s %5s %9s %9s %9s %6s %4s" % ("goal", "N", "ours", "peer",
                                           "ratio", "bound", "met"))
    for what, ours, peer, key, n, bound in goals:
        o = res.get((ours, n), {}).get(key)
        if peer is None:
            v = o
            p = None
        else:
            p = res.get((peer, n), {}).get(key)
            v = ratio(o, p)
        met = "n/a" if v is None else ("yes" if v <= bound else "no")
        print("%-40s %5d %9s %9s %9s %6s %4s" % (
            what, n, "n/a" if o is None else "%.4g" % o,
            "-" if peer is None else ("n/a" if p is None else "%.4g" % p),
            "n/a" if v is None else "%.3g" % v, "%g" % bound, met))


if __name__ == "__main__":
    sys.exit(main())
