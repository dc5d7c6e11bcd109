#!/bin/sh
# gh_userwork: the rules that stop the daemon fighting its users (issue 11):
# a plain mv then a commit keeps one file, rm then git commit -a stays
# deleted, editor-style saves and a typo fixed within restore_grace are
# never restored, valid edits GitHub accepts (an unknown key, parallel
# steps, environment.deployment) are never restored, and nothing is left
# in the working tree.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "$S/tests/integration/gh_lib.sh"

command -v git >/dev/null || { echo "SKIP: git not found"; exit 77; }
plugins "$WS/plugins" github_actions
gh_repo "$WS/repo"
W="$WS/repo/.github/workflows"
G="git -C $WS/repo"

{
	conf_head
	cat <<CONF
monitors = (
	{ name = "gh"; plugin = "github_actions"; interval = "1s"; timeout = "20s";
	  repository = "$WS/repo"; restore_grace = "3s";
	  delete_grace = "2s"; }
);
CONF
} >"$WS/redundancyd.conf"
start_daemon
check "everything is OK at first" wait_for 10 ctl health gh

# past SECONDS: true once that many seconds have gone by since now (a
# deadline polled by wait_for, never a sleep used as synchronisation).
past() {
	_until=$(($(date +%s) + $1 + 1))
	wait_for $(($1 + 5)) sh -c "[ \$(date +%s) -ge $_until ]"
}

# 1. A plain rename, then git add -A && git commit: no duplicate.
mv "$W/ci.yml" "$W/golang.yml"
check "the renamed file is seen" wait_for 10 target_state gh golang.yml OK
past 3
check "a plain mv is a rename, not a deletion: not restored" test ! -e "$W/ci.yml"
$G add -A && $G commit -q -m "rename ci to golang"
past 3
check "the old name was not restored" test ! -e "$W/ci.yml"
check "the commit holds one file" sh -c "! $G ls-files | grep -q 'workflows/ci.yml'"

# 2. rm, then git commit -a: stays deleted.
rm "$W/lint.yml"
$G commit -qa -m "drop lint"
past 3
check "rm then commit -a: not restored" test ! -e "$W/lint.yml"
check "and the target is gone" wait_for 10 sh -c "! '$CTL' -s '$WS/control.sock' status | grep -q 'lint.yml'"

# 3. Editor-style saves: write a temporary file and rename it over; and
# truncate then write.
cp "$W/nightly.yml" "$WS/nightly.orig"
sed 's/date/date -u/' "$WS/nightly.orig" >"$W/.nightly.yml.swp"
mv "$W/.nightly.yml.swp" "$W/nightly.yml"
: >"$W/nightly.yml"
cat "$WS/nightly.orig" >"$W/nightly.yml"
printf '      - run: echo saved\n' >>"$W/nightly.yml"
cp "$W/nightly.yml" "$WS/nightly.saved"
past 4
check "editor saves are the user's: never restored" cmp -s "$W/nightly.yml" "$WS/nightly.saved"

# 4. A typo saved (not YAML), then fixed within the grace.
printf 'on: push\njobs: [\n' >"$W/nightly.yml"
check "the typo is seen and waits for its grace" wait_for 10 sh -c "'$CTL' -s '$WS/control.sock' status | grep -q 'restore_grace'"
cp "$WS/nightly.saved" "$W/nightly.yml"
past 4
check "fixed within the grace: never restored" cmp -s "$W/nightly.yml" "$WS/nightly.saved"
check "and OK" wait_for 10 target_state gh nightly.yml OK

# 5. Valid edits GitHub accepts that the validator may not know.
cat >"$W/golang.yml" <<'WF'
name: CI
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    environment: { name: prod, deployment: false }
    some-new-key: 1
    steps:
      - parallel:
          - run: echo a
          - run: echo b
      - run: echo done
WF
cp "$W/golang.yml" "$WS/golang.new"
check "an unknown key is lint (WARNING)" wait_for 10 target_state gh golang.yml WARNING
past 4
check "and the edit is never restored" cmp -s "$W/golang.yml" "$WS/golang.new"
check "the lint names its rule" grep -q "some-new-key.*\[syntax-check\]" "$WS/log/gh.log"

# 6. Real damage still comes back after the grace, kept outside the tree.
printf 'name: CI\non: push\njobs:\n  build: [\n' >"$W/golang.yml"
check "damage is restored after the grace" wait_for 15 cmp -s "$W/golang.yml" "$WS/golang.new"
check "the damaged copy is under state_dir" sh -c "ls '$WS/state/gh/damaged/' | grep -q '^golang.yml\.'"
check "nothing is left in the working tree" sh -c "[ \$(ls -A '$W' | wc -l) -eq 2 ]"
check "the log names where it is kept" grep -q "kept as $WS/state/gh/damaged/golang.yml" "$WS/log/gh.log"

check "daemon stops on SIGTERM with status 0" stop_daemon
finish
