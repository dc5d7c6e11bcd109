#!/bin/sh
# gh_restore: workflow files under the real daemon: --once as a pre-commit
# check, a deleted / truncated / emptied / invalid workflow restored from
# its snapshot with the damaged copy kept, lint findings and restore-free
# cases (a commit that adds an invalid workflow or deletes one) left alone,
# uncommitted good edits preserved, a checkout outside git.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$S/tests/integration/gh_lib.sh"

command -v git >/dev/null || { echo "SKIP: git not found"; exit 77; }
plugins "$WS/plugins" github_actions
gh_repo "$WS/repo"
W="$WS/repo/.github/workflows"
mkdir -p "$WS/plain/.github/workflows"
cp "$W/ci.yml" "$WS/plain/.github/workflows/ci.yml"
cp "$W/ci.yml" "$WS/ci.orig"

{
	conf_head
	cat <<CONF
monitors = (
	{ name = "gh"; plugin = "github_actions"; interval = "2s"; timeout = "20s";
	  repository = "$WS/repo"; restore_grace = "300ms";
	  delete_grace = "300ms"; },
	{ name = "plain"; plugin = "github_actions"; interval = "2s"; timeout = "20s";
	  repository = "$WS/plain"; restore_grace = "300ms";
	  delete_grace = "300ms"; }
);
CONF
} >"$WS/redundancyd.conf"

# --once is a pre-commit check: verdicts printed, non-zero on errors.
"$RDD" --once gh -c "$WS/redundancyd.conf" >"$WS/once.out" 2>"$WS/once.err"
check "--once passes on valid workflows" test $? -eq 0
check "--once prints each workflow's verdict" sh -c "grep -q 'ci.yml .*OK' '$WS/once.out' && grep -q 'nightly.yml .*OK' '$WS/once.out'"
printf 'on: push\njobs:\n  a:\n    steps:\n      - run: x\n' >"$W/broken.yml"
"$RDD" --once gh -c "$WS/redundancyd.conf" >"$WS/once.out" 2>"$WS/once.err"
check "--once fails on an invalid workflow" test $? -eq 2
check "in actionlint's form file:line:col: message [rule]" grep -Eq '\.github/workflows/broken\.yml:[0-9]+:[0-9]+: .+ \[[a-z-]+\]' "$WS/once.out"
"$RDD" --once gh --json -c "$WS/redundancyd.conf" >"$WS/once.json" 2>"$WS/once.err"
check "--once --json exits with the same worst state" test $? -eq 2
check "--once --json names the finding's rule and line:col" python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
t = [t for m in d['monitors'] for t in m['targets'] if t['name'] == 'broken.yml'][0]
f = t['finding']
assert d['state'] == 'CRITICAL' and t['state'] == 'CRITICAL', d['state']
assert f['file'] == '.github/workflows/broken.yml' and f['rule'] == 'syntax-check', f
assert f['line'] == 3 and f['col'] == 3, f
" "$WS/once.json"
rm -f "$W/broken.yml"
check "--once wrote nothing under state_dir" test ! -e "$WS/state/gh"

start_daemon
check "everything is OK at first" wait_for 10 ctl health gh

# Deleted: back within moments (a file watch, not the 2 s poll).
t0=$(($(date +%s%N) / 1000000))
rm "$W/ci.yml"
check "a deleted workflow is restored" wait_for 10 test -f "$W/ci.yml"
t1=$(($(date +%s%N) / 1000000))
echo "# delete -> restored in $((t1 - t0)) ms"
check "with its last good content" cmp -s "$W/ci.yml" "$WS/ci.orig"
check "the journal records the restore" wait_for 10 journal_has restore ci.yml "restored"

# Truncated: restored, the damaged copy kept aside.
head -c 60 "$WS/ci.orig" >"$WS/ci.half"
cp "$WS/ci.half" "$W/ci.yml"
check "a truncated workflow is restored" wait_for 10 cmp -s "$W/ci.yml" "$WS/ci.orig"
check "the damaged copy is kept under state_dir" sh -c "for f in '$WS'/state/gh/damaged/ci.yml.*; do cmp -s \"\$f\" '$WS/ci.half' && exit 0; done; exit 1"
check "and nothing is left in the working tree" sh -c "! ls -A '$W' | grep -q corrupt"

# Emptied, and made invalid while still YAML.
: >"$W/ci.yml"
check "an emptied workflow is restored" wait_for 10 cmp -s "$W/ci.yml" "$WS/ci.orig"
# Still YAML but breaking a rule: reported, never replaced.
grep -v 'runs-on' "$WS/ci.orig" >"$WS/ci.norunson"
cp "$WS/ci.norunson" "$W/ci.yml"
check "a workflow made invalid (still YAML) is CRITICAL" wait_for 10 target_state gh ci.yml CRITICAL
check "and says it is never replaced" wait_for 10 sh -c "'$CTL' -s '$WS/control.sock' status | grep -q 'never replaced'"
check "the user's text is left as it is" cmp -s "$W/ci.yml" "$WS/ci.norunson"
cp "$WS/ci.orig" "$W/ci.yml"
check "fixed, it is OK again" wait_for 10 target_state gh ci.yml OK

# An impossible cron (minute 61): GitHub refuses the file, so CRITICAL,
# but it parses: reported, never replaced.
sed 's/17 3/61 3/' "$W/nightly.yml" >"$WS/nightly.bad"
cp "$WS/nightly.bad" "$W/nightly.yml"
check "an impossible cron field is CRITICAL" wait_for 10 target_state gh nightly.yml CRITICAL
check "and the file is left as it is" cmp -s "$W/nightly.yml" "$WS/nightly.bad"
git -C "$WS/repo" checkout -q -- .github/workflows/nightly.yml
check "fixed by the user, it is OK" wait_for 10 target_state gh nightly.yml OK

# Lint findings alone never restore (an unknown key).
{ cat "$W/nightly.yml"; printf 'x-note: kept\n'; } >"$WS/nightly.lint"
cp "$WS/nightly.lint" "$W/nightly.yml"
check "an unknown key is lint: WARNING" wait_for 10 target_state gh nightly.yml WARNING
check "and the file is left as it is" cmp -s "$W/nightly.yml" "$WS/nightly.lint"
git -C "$WS/repo" checkout -q -- .github/workflows/nightly.yml
check "fixed by the user, it is OK again" wait_for 10 target_state gh nightly.yml OK

# A good uncommitted edit is the last good version: damage restores it.
cat "$WS/ci.orig" >"$W/ci.yml"
printf '      - run: echo added\n' >>"$W/ci.yml"
cp "$W/ci.yml" "$WS/ci.edited"
blob=$(git -C "$WS/repo" hash-object .github/workflows/ci.yml)
check "the edit is snapshotted" wait_for 10 grep -q "$blob" "$WS/state/gh/index.json"
rm "$W/ci.yml"
check "damage after an edit restores the edit, not HEAD" wait_for 10 cmp -s "$W/ci.yml" "$WS/ci.edited"
git -C "$WS/repo" checkout -q -- .github/workflows/ci.yml

# A commit that adds an invalid workflow: reported, never reverted.
printf 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: []\n' >"$WS/bad.yml"
cp "$WS/bad.yml" "$W/bad.yml"
git -C "$WS/repo" add .github/workflows/bad.yml
git -C "$WS/repo" commit -q -m "an invalid workflow"
check "a committed invalid workflow is CRITICAL" wait_for 10 target_state gh bad.yml CRITICAL
check "the message says it is never replaced" wait_for 10 sh -c "'$CTL' -s '$WS/control.sock' status | grep -q 'never replaced'"
check "the repair refuses to replace it" wait_for 10 journal_has result bad.yml "never replaced"
check "the committed file is untouched" cmp -s "$W/bad.yml" "$WS/bad.yml"
check "and nothing was moved aside" sh -c "! ls '$W' | grep -q 'bad.yml.corrupt'"

# A commit that deletes workflows: not restored, the target goes away.
git -C "$WS/repo" rm -q .github/workflows/bad.yml .github/workflows/lint.yml
git -C "$WS/repo" commit -q -m "remove two workflows"
check "deleted by a commit, the target is forgotten" wait_for 10 sh -c "! '$CTL' -s '$WS/control.sock' status | grep -q 'lint.yml'"
check "the deletion is journaled" wait_for 10 journal_has workflow-removed lint.yml
check "and the file stays deleted" test ! -e "$W/lint.yml"

# The whole directory removed: every workflow comes back.
rm -rf "$W"
check "a removed workflows directory is restored" wait_for 10 sh -c "test -f '$W/ci.yml' && test -f '$W/nightly.yml'"
check "with the right content" wait_for 10 cmp -s "$W/ci.yml" "$WS/ci.orig"

# Outside git, snapshots alone decide.
P="$WS/plain/.github/workflows"
rm "$P/ci.yml"
check "outside git, a deleted workflow is restored" wait_for 10 cmp -s "$P/ci.yml" "$WS/ci.orig"
echo "jobs: [" >"$P/ci.yml"
check "outside git, a corrupted workflow is restored" wait_for 10 cmp -s "$P/ci.yml" "$WS/ci.orig"
check "all monitors healthy at the end" wait_for 10 ctl health

check "daemon stops on SIGTERM with status 0" stop_daemon
finish
