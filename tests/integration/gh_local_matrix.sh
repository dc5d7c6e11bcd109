#!/bin/sh
# gh_local_matrix: local runs of redundancyctl run-workflow with job
# outputs through two jobs (steps' $GITHUB_OUTPUT, multiline included), a
# 2x2 matrix with exclude and include under max-parallel 1, combinations
# side by side under max-parallel 2, fail-fast, the event (--event,
# default the first trigger) and the temporary worktree that keeps the
# checkout untouched unless --in-place.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$S/tests/integration/gh_lib.sh"

command -v git >/dev/null || { echo "SKIP: git not found"; exit 77; }
command -v bash >/dev/null || { echo "SKIP: bash not found"; exit 77; }
plugins "$WS/plugins" github_actions
gh_repo "$WS/repo"
OUT="$WS/out"
mkdir -p "$OUT"
# The steps write what they saw to $OUT, outside the checkout.
sed "s|@OUT@|$OUT|g" >"$WS/repo/.github/workflows/matrix.yml" <<'WF'
name: Matrix
on:
  push:
    branches: [main]
  workflow_dispatch:
jobs:
  setup:
    runs-on: ubuntu-latest
    outputs:
      greeting: ${{ steps.say.outputs.greeting }}
      notes: ${{ steps.say.outputs.notes }}
    steps:
      - id: say
        run: |
          echo "greeting=hello from setup" >> "$GITHUB_OUTPUT"
          { echo "notes<<EOF"; echo "line one"; echo "line two"; echo "EOF"; } >> "$GITHUB_OUTPUT"
      - run: echo "$GITHUB_EVENT_NAME ${{ github.event_name }}" >> @OUT@/event.txt
  relay:
    needs: setup
    runs-on: ubuntu-latest
    outputs:
      relayed: ${{ steps.r.outputs.value }}
    steps:
      - id: r
        run: echo "value=${{ needs.setup.outputs.greeting }} via relay" >> "$GITHUB_OUTPUT"
  final:
    needs: [setup, relay]
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo "${{ needs.relay.outputs.relayed }}" > @OUT@/final.txt
          echo "${{ needs.setup.result }}/${{ needs.relay.result }}" >> @OUT@/final.txt
      - env:
          NOTES: ${{ needs.setup.outputs.notes }}
        run: printf '%s\n' "$NOTES" > @OUT@/notes.txt
  build:
    runs-on: ubuntu-latest
    strategy:
      max-parallel: 1
      matrix:
        os: [linux, mac]
        node: [18, 20]
        exclude:
          - os: mac
            node: 18
        include:
          - os: linux
            experimental: yes
          - os: bsd
            node: 22
    steps:
      - name: combo
        run: |
          # max-parallel 1: no other combination holds the lock now
          mkdir @OUT@/lock
          echo "${{ matrix.os }} ${{ matrix.node }} ${{ matrix.experimental }} ${{ strategy.job-index }}/${{ strategy.job-total }}" >> @OUT@/combos.txt
          pwd > @OUT@/pwd.txt
          echo scratch > written-by-run.txt
          rmdir @OUT@/lock
WF
sed "s|@OUT@|$OUT|g" >"$WS/repo/.github/workflows/failfast.yml" <<'WF'
name: FailFast
on: workflow_dispatch
jobs:
  ff:
    runs-on: ubuntu-latest
    strategy:
      max-parallel: 1
      matrix:
        n: [1, 2, 3]
    steps:
      - run: |
          echo ${{ matrix.n }} >> @OUT@/ff.txt
          test ${{ matrix.n }} != 2
  noff:
    runs-on: ubuntu-latest
    strategy:
      fail-fast: false
      max-parallel: 1
      matrix:
        n: [1, 2, 3]
    steps:
      - run: |
          echo ${{ matrix.n }} >> @OUT@/noff.txt
          test ${{ matrix.n }} != 2
WF
# An experimental combination may fail without failing the run.
cat >"$WS/repo/.github/workflows/experimental.yml" <<'WF'
name: Experimental
on: workflow_dispatch
jobs:
  t:
    runs-on: ubuntu-latest
    continue-on-error: ${{ matrix.experimental }}
    strategy:
      fail-fast: true
      max-parallel: 1
      matrix:
        v: [stable]
        experimental: [false]
        include:
          - v: nightly
            experimental: true
    steps:
      - run: test "${{ matrix.v }}" = stable
WF
# Four combinations, two at a time: each waits (polling, 10 s deadline)
# until a peer runs beside it or no other is left to start, and notes how
# many ran at that moment.
sed "s|@OUT@|$OUT|g" >"$WS/repo/.github/workflows/parallel.yml" <<'WF'
name: Parallel
on: workflow_dispatch
jobs:
  par:
    runs-on: ubuntu-latest
    strategy:
      max-parallel: 2
      matrix:
        n: [1, 2, 3, 4]
    steps:
      - shell: bash
        run: |
          mkdir -p @OUT@/running @OUT@/started
          touch @OUT@/running/${{ matrix.n }} @OUT@/started/${{ matrix.n }}
          end=$((SECONDS + 10))
          while :; do
            now=$(ls @OUT@/running | wc -l)
            all=$(ls @OUT@/started | wc -l)
            if [ "$now" -ge 2 ] || [ "$all" -eq 4 ]; then break; fi
            [ "$SECONDS" -lt "$end" ] || { echo "no peer within 10 s"; exit 1; }
            sleep 0.05
          done
          echo "$now" >> @OUT@/peaks.txt
          rm @OUT@/running/${{ matrix.n }}
WF
git -C "$WS/repo" add .github/workflows/matrix.yml .github/workflows/failfast.yml \
    .github/workflows/parallel.yml .github/workflows/experimental.yml
git -C "$WS/repo" commit -q -m "matrix workflows"

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

clean_checkout() {
	[ -z "$(git -C "$WS/repo" status --porcelain --untracked-files=all)" ] &&
	    [ "$(git -C "$WS/repo" worktree list | wc -l)" -eq 1 ]
}

ctl run-workflow gh matrix.yml >"$WS/run1.out" 2>&1
rc=$?
cat "$WS/run1.out"
check "the matrix workflow succeeds" test "$rc" -eq 0
printf '%s\n' "hello from setup via relay" "success/success" >"$WS/want_final"
check "needs.<job>.outputs through two jobs, and needs.<job>.result" \
    cmp -s "$WS/want_final" "$OUT/final.txt"
printf '%s\n' "line one" "line two" >"$WS/want_notes"
check "a multiline NAME<<EOF output reaches a later job" \
    cmp -s "$WS/want_notes" "$OUT/notes.txt"
printf '%s\n' "linux 18 yes 0/4" "linux 20 yes 1/4" "mac 20  2/4" \
    "bsd 22  3/4" >"$WS/want_combos"
check "each combination ran once with its values, excluded one not, include merged and appended" \
    cmp -s "$WS/want_combos" "$OUT/combos.txt"
check "max-parallel 1: no two combinations overlapped" test ! -e "$OUT/lock"
check "combinations are named as GitHub names them" \
    journal_has local-job local:matrix.yml "job build (linux, 18, yes): success"
check "the appended include is a combination of its own" \
    journal_has local-job local:matrix.yml "job build (bsd, 22): success"
check "the job sums up its combinations" \
    grep -q "job build: success" "$WS/run1.out"
check "the default event is the workflow's first trigger" \
    grep -qx "push push" "$OUT/event.txt"
check "the run happened elsewhere than the checkout" \
    sh -c "[ \"\$(cat '$OUT/pwd.txt')\" != '$WS/repo' ]"
check "the checkout is untouched (clean, no worktree left)" clean_checkout
check "no file was written into the checkout" test ! -e "$WS/repo/written-by-run.txt"
check "the temporary worktree is gone" test ! -e "$(cat "$OUT/pwd.txt")"
log=$(sed -n 's/.*; log \(.*run\.log\).*/\1/p' "$WS/run1.out")
check "the log says combinations run one at a time" \
    grep -q "matrix: 4 combinations, 1 at a time (max-parallel 1)" "$log"

: >"$OUT/event.txt"
ctl run-workflow gh matrix.yml setup --event workflow_dispatch >"$WS/run2.out" 2>&1
check "--event picks another trigger" test $? -eq 0
check "GITHUB_EVENT_NAME and github.event_name follow --event" \
    grep -qx "workflow_dispatch workflow_dispatch" "$OUT/event.txt"
ctl run-workflow gh matrix.yml --event pull_request >"$WS/run3.out" 2>&1
check "an event the workflow lacks is refused" test $? -ne 0
check "the refusal names the triggers" \
    grep -q "has no 'pull_request' trigger.* push, workflow_dispatch; give one of them with --event" "$WS/run3.out"

rm -f "$OUT/combos.txt"
ctl run-workflow gh matrix.yml build --in-place >"$WS/run4.out" 2>&1
check "--in-place runs succeed" test $? -eq 0
check "--in-place runs in the checkout" grep -qx "$WS/repo" "$OUT/pwd.txt"
check "--in-place writes into the checkout" test -f "$WS/repo/written-by-run.txt"
rm -f "$WS/repo/written-by-run.txt"

ctl run-workflow gh failfast.yml >"$WS/run5.out" 2>&1
check "a failing combination fails the workflow" test $? -ne 0
printf '%s\n' 1 2 >"$WS/want_ff"
check "fail-fast cancels the combinations after a failure" cmp -s "$WS/want_ff" "$OUT/ff.txt"
printf '%s\n' 1 2 3 >"$WS/want_noff"
check "fail-fast: false runs them all" cmp -s "$WS/want_noff" "$OUT/noff.txt"
check "the job names its failed combination" grep -q "job ff: failure: ff (2): step 1" "$WS/run5.out"
check "steps name their combination" journal_has local-step local:failfast.yml "job ff (2) step 1"
check "the job counts the cancelled combination" journal_has local-job local:failfast.yml \
    "; 3 combinations: 1 succeeded, 1 failed, 1 cancelled"
ctl run-workflow gh parallel.yml >"$WS/run6.out" 2>&1
check "max-parallel 2: the combinations succeed" test $? -eq 0
check "every combination ran" test "$(wc -l <"$OUT/peaks.txt")" -eq 4
check "two combinations ran side by side" grep -qx 2 "$OUT/peaks.txt"
check "never more than two at once" sh -c "! grep -qv '^[12]\$' '$OUT/peaks.txt'"
ctl run-workflow gh experimental.yml >"$WS/run7.out" 2>&1
check "a failing combination under continue-on-error leaves the run a success" test $? -eq 0
check "its failure is still the job's result" grep -q "job t: failure: t (nightly, true)" "$WS/run7.out"
check "the checkout is still clean" clean_checkout

check "daemon stops on SIGTERM with status 0" stop_daemon
finish
