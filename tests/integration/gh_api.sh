#!/bin/sh
# gh_api: the github_actions monitor against a loopback fake of the GitHub
# REST API and status page: disabled workflows enabled, a failed run's jobs
# re-run once, a run stuck in the queue cancelled then re-run, conditional
# requests (304), a 500 reported UNKNOWN, Retry-After and an exhausted
# quota honoured, the local fallback when Actions is down, and the token
# in no log. The exact requests are asserted from the fake's log.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$S/tests/integration/gh_lib.sh"

command -v git >/dev/null || { echo "SKIP: git not found"; exit 77; }
command -v curl >/dev/null || { echo "SKIP: curl not found"; exit 77; }
plugins "$WS/plugins" github_actions
gh_repo "$WS/repo"
TOKEN="ghp_fakeT0kenForTests0000000000000000001"
export GH_TEST_TOKEN="$TOKEN"
R=/repos/octo/app

cat >"$WS/s1.json" <<EOF
{ "rate": { "limit": 5000, "remaining": 4990, "reset_in": 3600 },
  "routes": {
    "GET /api/v2/summary.json": [ { "file": "summary.json" } ],
    "GET $R": [ { "file": "repo.json" } ],
    "GET $R/actions/workflows": [ { "file": "workflows_disabled.json" } ],
    "GET $R/actions/runs": [ { "file": "runs_failed.json" } ],
    "POST $R/actions/runs/30433642/rerun-failed-jobs": [ { "status": 201, "text": "" } ],
    "PUT $R/actions/workflows/161336/enable": [ { "status": 204, "text": "" } ],
    "PUT $R/actions/workflows/161337/enable": [ { "status": 204, "text": "" } ] },
  "after": {
    "POST $R/actions/runs/30433642/rerun-failed-jobs":
      { "routes": { "GET $R/actions/runs": [ { "file": "runs_rerunning.json" } ] } },
    "PUT $R/actions/workflows/161336/enable": { "states": { "161336": "active" } },
    "PUT $R/actions/workflows/161337/enable": { "states": { "161337": "active" } } } }
EOF
check "the fake API starts" start_fake "$WS/s1.json" "$TOKEN"

{
	conf_head
	cat <<CONF
monitors = (
	{ name = "gh"; plugin = "github_actions"; interval = "1s"; timeout = "20s";
	  repository = "$WS/repo"; github_repo = "octo/app";
	  token_env = "GH_TEST_TOKEN"; api_url = "http://127.0.0.1:$PORT";
	  status_url = "http://127.0.0.1:$PORT"; rerun_max = 1;
	  queued_max = "30m"; fallback = true; }
);
CONF
} >"$WS/redundancyd.conf"
check "config test passes" "$RDD" -t -c "$WS/redundancyd.conf"
start_daemon -d

# 1. Repairs: re-run failed jobs, enable both disabled workflows.
check "the failed run's jobs are re-run" wait_for 20 journal_has recovered github:ci.yml
check "the inactive workflow is enabled" wait_for 20 journal_has recovered github:nightly.yml
check "the manually disabled workflow is enabled" wait_for 20 journal_has recovered github:lint.yml
check "everything is OK afterwards" wait_for 10 target_state gh github:ci.yml OK
check "POST rerun-failed-jobs exactly once" req_is 1 "r['method'] == 'POST' and r['path'] == '$R/actions/runs/30433642/rerun-failed-jobs'"
check "PUT enable 161336 exactly once" req_is 1 "r['method'] == 'PUT' and r['path'] == '$R/actions/workflows/161336/enable'"
check "PUT enable 161337 exactly once" req_is 1 "r['method'] == 'PUT' and r['path'] == '$R/actions/workflows/161337/enable'"
check "the default branch is asked once" req_is 1 "r['path'] == '$R'"
check "runs are listed for main only" req_at_least 1 "r['path'] == '$R/actions/runs' and 'branch=main' in r['query'] and 'per_page=100' in r['query']"
check "every API request carries the token" req_is 0 "r['path'].startswith('/repos') and r['headers'].get('authorization') != 'Bearer <ok>'"
check "every API request names API version 2022-11-28" req_is 0 "r['path'].startswith('/repos') and r['headers'].get('x-github-api-version') != '2022-11-28'"
check "every API request accepts application/vnd.github+json" req_is 0 "r['path'].startswith('/repos') and r['headers'].get('accept') != 'application/vnd.github+json'"
check "the status page gets no token" req_is 0 "r['path'] == '/api/v2/summary.json' and 'authorization' in r['headers']"
check "repeated polls are conditional and answered 304" wait_for 10 req_at_least 1 "r['path'] == '$R/actions/workflows' and r['status'] == 304 and 'if-none-match' in r['headers']"

# 2. A run queued too long: cancelled, then re-run once it stopped.
cat >"$WS/s2.json" <<EOF
{ "routes": {
    "GET /api/v2/summary.json": [ { "file": "summary.json" } ],
    "GET $R/actions/workflows": [ { "file": "workflows.json" } ],
    "GET $R/actions/runs": [ { "file": "runs_queued.json" } ],
    "POST $R/actions/runs/30433650/cancel": [ { "status": 202, "body": {} } ],
    "POST $R/actions/runs/30433650/rerun": [ { "status": 201, "body": {} } ] },
  "after": {
    "POST $R/actions/runs/30433650/cancel":
      { "routes": { "GET $R/actions/runs": [ { "file": "runs_cancelled.json" } ] } },
    "POST $R/actions/runs/30433650/rerun":
      { "routes": { "GET $R/actions/runs": [ { "file": "runs_requeued.json" } ] } } } }
EOF
scenario "$WS/s2.json"
check "the queued run is cancelled" wait_for 20 req_is 1 "r['method'] == 'POST' and r['path'] == '$R/actions/runs/30433650/cancel'"
check "then re-run" wait_for 20 req_is 1 "r['method'] == 'POST' and r['path'] == '$R/actions/runs/30433650/rerun'"
check "and the workflow is OK" wait_for 10 target_state gh github:ci.yml OK
check "cancel came before the re-run" python3 -c "
import json
rs = [json.loads(l) for l in open('$WS/requests.jsonl')]
i = [n for n, r in enumerate(rs) if r['path'].endswith('/30433650/cancel')][0]
j = [n for n, r in enumerate(rs) if r['path'].endswith('/30433650/rerun')][0]
raise SystemExit(0 if i < j else 1)"
check "the journal names both API actions" journal_has api-action github:ci.yml "cancelled"

# 2b. Runs GitHub holds on purpose (waiting for a deployment review,
# pending behind a concurrency group, requested) are never cancelled, however
# old: queued_max is about the runner queue only.
cat >"$WS/s2b.json" <<EOF
{ "routes": {
    "GET /api/v2/summary.json": [ { "file": "summary.json" } ],
    "GET $R/actions/workflows": [ { "file": "workflows.json" } ],
    "GET $R/actions/runs": [ { "file": "runs_waiting.json" } ],
    "POST $R/actions/runs/30433650/cancel": [ { "status": 202, "body": {} } ] } }
EOF
ncancel=$(reqs "r['method'] == 'POST' and r['path'].endswith('/cancel')")
scenario "$WS/s2b.json"
check "a run waiting for approval is shown as such" wait_for 10 sh -c "'$CTL' -s '$WS/control.sock' status | grep -q 'waiting for approval'"
check "and is WARNING (a person decides)" wait_for 10 target_state gh github:ci.yml WARNING
check "a pending run is shown as held" wait_for 10 sh -c "'$CTL' -s '$WS/control.sock' status | grep -q 'held by a concurrency group'"
nruns=$(reqs "r['path'] == '$R/actions/runs'")
check "three more polls" wait_for 10 req_at_least $((nruns + 3)) "r['path'] == '$R/actions/runs'"
check "no waiting, pending or requested run was cancelled" req_is "$ncancel" "r['method'] == 'POST' and r['path'].endswith('/cancel')"

# 3. A 500: UNKNOWN with the reason, no repair attempted.
cat >"$WS/s3.json" <<EOF
{ "routes": {
    "GET /api/v2/summary.json": [ { "file": "summary.json" } ],
    "GET $R/actions/workflows": [ { "status": 500, "file": "server_error.json" } ] } }
EOF
scenario "$WS/s3.json"
check "a 500 makes the API target UNKNOWN" wait_for 10 target_state gh github-api UNKNOWN
check "with the reason" sh -c "'$CTL' -s '$WS/control.sock' status | grep -q 'HTTP 500'"

# 4. Retry-After: the monitor waits as long as GitHub asked.
cat >"$WS/s4.json" <<EOF
{ "routes": {
    "GET /api/v2/summary.json": [ { "file": "summary.json" } ],
    "GET $R/actions/workflows": [
      { "status": 403, "file": "rate_limited.json", "headers": { "Retry-After": "2" } },
      { "file": "workflows.json" } ],
    "GET $R/actions/runs": [ { "file": "runs_ok.json" } ] } }
EOF
scenario "$WS/s4.json"
check "a 403 with Retry-After is seen" wait_for 10 req_is 1 "r['path'] == '$R/actions/workflows' and r['status'] == 403"
check "the monitor says it waits" wait_for 10 grep -q "Retry-After" "$WS/log/gh.log"
t403=$(python3 -c "
import json
print([json.loads(l)['t'] for l in open('$WS/requests.jsonl') if json.loads(l)['status'] == 403][0])")
check "polls resume after the wait" wait_for 15 req_at_least 1 "r['path'] == '$R/actions/workflows' and r['status'] in (200, 304) and r['t'] > $t403"
check "no API request within the Retry-After window" python3 -c "
import json
rs = [json.loads(l) for l in open('$WS/requests.jsonl')]
t403 = [r['t'] for r in rs if r['status'] == 403][0]
after = [r['t'] for r in rs if r['path'].startswith('/repos') and r['t'] > t403]
raise SystemExit(0 if after and min(after) - t403 >= 1.9 else 1)"

# 5. The quota used up: no API request until the reset; the status page
# is still read.
cat >"$WS/s5.json" <<EOF
{ "routes": {
    "GET /api/v2/summary.json": [ { "file": "summary.json" } ],
    "GET $R/actions/workflows": [
      { "status": 403, "file": "rate_limited.json", "remaining": 0, "reset_in": 3600 } ] } }
EOF
scenario "$WS/s5.json"
check "the exhausted quota is seen" wait_for 10 req_is 2 "r['status'] == 403"
check "the API target is WARNING" wait_for 10 target_state gh github-api WARNING
check "the monitor says it slows down" grep -q "no API polls until the reset" "$WS/log/gh.log"
n=$(reqs "r['path'].startswith('/repos')")
s=$(reqs "r['path'] == '/api/v2/summary.json'")
check "the status page is still read" wait_for 10 req_at_least $((s + 3)) "r['path'] == '/api/v2/summary.json'"
check "no API request while the quota is out" req_is "$n" "r['path'].startswith('/repos')"

# 6. Actions down and HEAD moves: the workflows on push run locally.
cat >"$WS/s6.json" <<EOF
{ "routes": { "GET /api/v2/summary.json": [ { "file": "summary_outage.json" } ] } }
EOF
scenario "$WS/s6.json"
check "the outage is seen" wait_for 10 target_state gh actions-status WARNING
echo "change" >"$WS/repo/README"
git -C "$WS/repo" add README && git -C "$WS/repo" commit -q -m "a change while Actions is down"
check "the fallback starts" wait_for 15 journal_has fallback - "running workflows locally"
check "ci.yml ran locally" wait_for 15 journal_has local-run local:ci.yml "success"
check "workflows not triggered on push did not" sh -c "! grep -q 'local:nightly.yml' '$WS/log/journal.jsonl'"

check "daemon stops on SIGTERM with status 0" stop_daemon
check "the token is in no log" sh -c "! grep -rq '$TOKEN' '$WS/log' '$WS/daemon.out' '$WS/requests.jsonl' '$WS/state'"
finish
