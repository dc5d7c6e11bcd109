#!/bin/sh
# http_head.sh: HEAD gets the status line and headers GET gets, with the
# Content-Length of GET's body, and not one byte of body.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$S/tests/faults/surfaces_lib.sh"

surfaces_conf
check "the daemon starts" start_limited 1024
check "/health is OK" wait_for 10 http_is 200 GET /health

# fields METHOD PATH: "status=N length=L body=B" of one request.
fields() {
	python3 "$FLOOD" fetch "$1" "127.0.0.1:$PORT" "$2"
}

for path in / /nope; do
	get=$(fields GET "$path")
	head=$(fields HEAD "$path")
	echo "# GET $path: $get; HEAD $path: $head"
	st=${get%% *}
	len=$(echo "$get" | sed 's/.*length=\([0-9-]*\).*/\1/')
	check "GET $path: Content-Length is the body's length" \
	    test "$get" = "$st length=$len body=$len"
	check "HEAD $path: GET's status and Content-Length, no body" \
	    test "$head" = "$st length=$len body=0"
done
# /health changes between two requests: its length may too.
head=$(fields HEAD /health)
echo "# HEAD /health: $head"
check "HEAD /health: 200, a Content-Length, no body" \
    sh -c "echo '$head' | grep -Eq '^status=200 length=[1-9][0-9]* body=0$'"
head=$(fields HEAD /metrics)
check "HEAD /metrics: 200, a Content-Length, no body" \
    sh -c "echo '$head' | grep -Eq '^status=200 length=[1-9][0-9]* body=0$'"
check "the daemon stops on SIGTERM with status 0" stop_daemon
finish
