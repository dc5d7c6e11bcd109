#!/bin/sh
# iso_segv: a plugin that dereferences NULL in its second check crashes its
# worker, not the daemon: the monitor goes UNKNOWN saying so, the worker is
# restarted with backoff, quarantined after 3 crashes, and comes back on
# `redundancyctl unquarantine` and on reload; /health and /metrics show it.
. "${top_srcdir:-.}/tests/isolation/lib.sh"

# In the sanitizer build ASan would catch the SIGSEGV and exit 1: let the
# signal kill the worker, as it does in the build operators run.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0"
export ASAN_OPTIONS

iso_plugins bad_segv
iso_conf bad_segv 200ms
iso_listed bad_segv
iso_start

crash_row bad_segv \
    'bad_segv plugin crashed: SIGSEGV during check of monitor bad' SIGSEGV
observe "$T0" 8
survives "$T0"

check "/health lists the quarantined worker" \
    hj 'wk("bad_segv").get("state") == "quarantined" and wk("exec").get("state") == "running"'
http_get /metrics >"$WS/metrics.txt" 2>&1
check "/metrics: redundancyd_worker_quarantined is 1 for bad_segv" \
    grep -Eq '^redundancyd_worker_quarantined\{worker="bad_segv",plugin="bad_segv"\} 1$' "$WS/metrics.txt"
check "/metrics: redundancyd_worker_restarts_total counts its restarts" \
    grep -Eq '^redundancyd_worker_restarts_total\{worker="bad_segv",plugin="bad_segv"\} [1-9]' "$WS/metrics.txt"
check "/metrics: redundancyd_worker_rss_bytes of the exec worker" \
    grep -Eq '^redundancyd_worker_rss_bytes\{worker="exec",plugin="exec"\} [1-9]' "$WS/metrics.txt"
check "/metrics: the exec worker is not quarantined" \
    grep -Eq '^redundancyd_worker_quarantined\{worker="exec",plugin="exec"\} 0$' "$WS/metrics.txt"

# The operator lifts the quarantine: the worker runs (and crashes) again.
n=$(jcount worker-crash bad_segv)
qctl unquarantine bad_segv >"$WS/unq.out" 2>&1
check "redundancyctl unquarantine bad_segv succeeds" test $? -eq 0
check "the worker leaves quarantine" \
    dwait 10 st 'wk("bad_segv").get("state") in ("running", "starting", "restarting")'
check "and really runs again: a new crash is journaled" \
    dwait 20 jmore worker-crash bad_segv "$n"
qctl unquarantine nosuch >"$WS/unq2.out" 2>&1
check "unquarantine of an unknown worker fails" test $? -ne 0

# Quarantined again, then a reload clears it.
n=$(jcount worker-quarantine bad_segv)
check "3 more crashes quarantine it again" \
    dwait 30 jmore worker-quarantine bad_segv "$n"
check "status says so" \
    dwait 5 st 'wk("bad_segv").get("state") == "quarantined"'
qctl reload >"$WS/reload.out" 2>&1
check "reload succeeds" test $? -eq 0
check "reload lifts the quarantine" \
    dwait 10 st 'wk("bad_segv").get("state") in ("running", "starting", "restarting")'
check "the daemon is still alive" alive
iso_stop
finish
