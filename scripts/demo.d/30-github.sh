# demo.d/30-github.sh: a git checkout with GitHub Actions workflows watched
# by the github_actions plugin; the demo deletes one workflow and breaks
# another, and redundancyd puts both back (the broken copy kept aside);
# a broken workflow that is committed is only reported; then a workflow
# runs locally with redundancyctl run-workflow.

demo_github_setup() {
	R="$WS/github/repo"
	mkdir -p "$R/.github/workflows"
	demo_github_git=1
	command -v git >/dev/null 2>&1 || demo_github_git=0
	cat >"$R/.github/workflows/ci.yml" <<'WF'
name: CI
on: [push, pull_request]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "building $GITHUB_SHA"
  test:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - run: echo "all tests pass"
WF
	cat >"$R/.github/workflows/nightly.yml" <<'WF'
name: Nightly
on:
  schedule:
    - cron: "17 3 * * *"
jobs:
  report:
    runs-on: ubuntu-latest
    steps:
      - run: date
WF
	if [ "$demo_github_git" = 1 ]; then
		git -C "$R" init -q
		git -C "$R" config user.email demo@example.com
		git -C "$R" config user.name "redundancyd demo"
		git -C "$R" add -A
		git -C "$R" commit -q -m "CI and nightly workflows"
	else
		echo "demo: [github] git not found: the checkout is a plain" \
		    "directory, snapshots alone decide"
	fi
}

demo_github_conf() {
	cat <<CONF
	{ name = "github-actions"; plugin = "github_actions"; interval = "10s";
	  repository = "$WS/github/repo"; }
CONF
}

demo_github_show() {
	echo "demo: [github] $ ls .github/workflows"
	ls "$WS/github/repo/.github/workflows" | sed 's/^/demo: [github]   /'
}

demo_github_chaos() {
	W="$WS/github/repo/.github/workflows"
	sleep 3
	echo "demo: [github] deleting .github/workflows/ci.yml (rm)"
	rm -f "$W/ci.yml"
	sleep 2
	demo_github_show
	echo "demo: [github] breaking nightly.yml: an unclosed bracket"
	printf 'name: Nightly\non: [schedule\n' >"$W/nightly.yml"
	sleep 2
	demo_github_show
	echo "demo: [github] the broken copy was kept:"
	cat "$W"/nightly.yml.corrupt-* 2>/dev/null | sed 's/^/demo: [github]   | /'
	if [ "$demo_github_git" = 1 ]; then
		echo "demo: [github] committing a broken workflow: reported," \
		    "never reverted"
		printf 'on: push\njobs:\n  deploy:\n    steps: []\n' \
		    >"$W/deploy.yml"
		git -C "$WS/github/repo" add .github/workflows/deploy.yml
		git -C "$WS/github/repo" commit -q -m "a broken deploy workflow"
		sleep 3
		"$CTL" -s "$WS/control.sock" status 2>/dev/null |
		    sed -n 's/^ *\(deploy.yml\) *\([A-Z]*\) .*; \(committed in HEAD.*\)/demo: [github]   \1 \2: \3/p'
	fi
	echo "demo: [github] $ redundancyctl run-workflow github-actions ci.yml"
	"$CTL" -s "$WS/control.sock" run-workflow github-actions ci.yml 2>&1 |
	    sed 's/; /\n/g' | sed 's/^/demo: [github]   /'
	sleep 2
}

demo_github_cleanup() {
	:
}
