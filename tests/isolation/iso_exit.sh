#!/bin/sh
# iso_exit: a plugin that calls exit(1) in its second check ends its
# worker, not the daemon: the monitor goes UNKNOWN with the exit status,
# the worker is restarted, then quarantined after 3 exits.
. "${top_srcdir:-.}/tests/isolation/lib.sh"

iso_plugins bad_exit
iso_conf bad_exit 200ms
iso_listed bad_exit
iso_start

crash_row bad_exit \
    'bad_exit plugin exited with status 1 during check of monitor bad' \
    'status 1'
observe "$T0" 8
survives "$T0"
iso_stop
finish
