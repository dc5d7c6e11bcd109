#!/bin/sh
# gh_local: redundancyctl run-workflow runs a multi-job workflow on this
# machine under the real daemon: needs order, env at three levels,
# working-directory, a failing step, if: failure() / always(),
# continue-on-error, a skipped uses: step, timeout-minutes, one job with
# its needs; results in the reply, the run log, the journal and status.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$S/tests/integration/gh_lib.sh"

command -v git >/dev/null || { echo "SKIP: git not found"; exit 77; }
command -v bash >/dev/null || { echo "SKIP: bash not found"; exit 77; }
plugins "$WS/plugins" github_actions
gh_repo "$WS/repo"
mkdir -p "$WS/repo/src"
cat >"$WS/repo/.github/workflows/pipeline.yml" <<'WF'
name: Pipeline
on: [push, workflow_dispatch]
env:
  STAGE: ci
jobs:
  build:
    runs-on: ubuntu-latest
    env:
      TARGET: app
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - name: compile
        working-directory: src
        env:
          FLAG: -O2
        run: |
          echo "build $STAGE $TARGET $FLAG in $(basename "$PWD")" > "$GITHUB_WORKSPACE/build.txt"
          echo "VERSION=1.2.3" >> "$GITHUB_ENV"
      - name: version
        run: echo "version $VERSION" >> "$GITHUB_WORKSPACE/build.txt"
  test:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - name: unit
        run: |
          echo "unit tests ran" > "$GITHUB_WORKSPACE/test.txt"
          exit 4
      - name: never
        run: echo never > "$GITHUB_WORKSPACE/never.txt"
      - name: cleanup
        if: failure()
        run: echo "cleanup after ${{ job.status }}" > "$GITHUB_WORKSPACE/cleanup.txt"
  deploy:
    needs: test
    runs-on: ubuntu-latest
    steps:
      - run: echo deploy > "$GITHUB_WORKSPACE/deploy.txt"
  notify:
    needs: [build, test]
    if: always()
    runs-on: ubuntu-latest
    steps:
      - continue-on-error: true
        run: exit 1
      - run: echo "test was ${{ needs.test.result }}" > "$GITHUB_WORKSPACE/notify.txt"
  slow:
    runs-on: ubuntu-latest
    timeout-minutes: 0.02
    steps:
      - run: sleep 30
WF
git -C "$WS/repo" add -A && git -C "$WS/repo" commit -q -m pipeline

{
	conf_head
	cat <<CONF
monitors = (
	{ name = "gh"; plugin = "github_actions"; interval = "1s"; timeout = "20s";
	  repository = "$WS/repo"; }
);
CONF
} >"$WS/redundancyd.conf"
start_daemon
check "the daemon is up" wait_for 10 ctl health gh

ctl run-workflow gh pipeline.yml --in-place >"$WS/run1.out" 2>&1
rc=$?
cat "$WS/run1.out"
check "a failing workflow exits non-zero" test "$rc" -ne 0
check "build succeeded" grep -q "job build: success" "$WS/run1.out"
check "test failed at its unit step" grep -q "job test: failure: step 1 'unit': exit status 4" "$WS/run1.out"
check "deploy was skipped (its need failed)" grep -q "job deploy: skipped" "$WS/run1.out"
check "notify ran (always) despite continue-on-error" grep -q "job notify: success" "$WS/run1.out"
check "the slow job hit timeout-minutes" grep -q "job slow: failure: step 1 .*timed out" "$WS/run1.out"
check "env at three levels and working-directory" grep -qx "build ci app -O2 in src" "$WS/repo/build.txt"
check "GITHUB_ENV carries to the next step" grep -qx "version 1.2.3" "$WS/repo/build.txt"
check "the failing step ran" test -f "$WS/repo/test.txt"
check "a step after the failure did not" test ! -e "$WS/repo/never.txt"
check "if: failure() ran, with job.status" grep -qx "cleanup after failure" "$WS/repo/cleanup.txt"
check "needs order: deploy never ran" test ! -e "$WS/repo/deploy.txt"
check "needs.<job>.result is known" grep -qx "test was failure" "$WS/repo/notify.txt"
log=$(sed -n 's/.*; log \(.*run\.log\).*/\1/p' "$WS/run1.out")
check "the run log exists" test -f "$log"
check "it holds the steps' output" grep -q "uses: actions/setup-node@v4 runs only on GitHub" "$log"
check "the journal has per-step results" journal_has local-step local:pipeline.yml "'unit': failure"
check "the journal has per-job results" journal_has local-job local:pipeline.yml "job deploy: skipped"
check "status shows the run" wait_for 10 target_state gh local:pipeline.yml WARNING

rm -f "$WS/repo/build.txt" "$WS/repo/test.txt"
ctl run-workflow gh Pipeline build --in-place >"$WS/run2.out" 2>&1
check "one job by the workflow's name succeeds" test $? -eq 0
check "only that job ran" sh -c "! grep -q 'job test' '$WS/run2.out'"
check "its output is there" test -f "$WS/repo/build.txt"
ctl run-workflow gh pipeline.yml test --in-place >"$WS/run3.out" 2>&1
check "a job runs after its needs" grep -q "job build: success; job test: failure" "$WS/run3.out"
check "an unknown workflow is refused" sh -c "! '$CTL' -s '$WS/control.sock' run-workflow gh nosuch.yml"
check "an unknown job is refused" sh -c "'$CTL' -s '$WS/control.sock' run-workflow gh pipeline.yml nojob 2>&1 | grep -q 'no job'"

check "daemon stops on SIGTERM with status 0" stop_daemon
finish
