#!/usr/bin/env python3
# gen_corpus.py: a reproducible corpus of GitHub Actions workflows for the
# benchmarks: usage gen_corpus.py DIR [N] [SEED]. Sizes and shapes vary
# (1-8 jobs, 1-14 steps, needs chains, matrices, env, if:, multi-line run
# scripts, schedules, dispatch inputs); about 4% are invalid (a needs
# cycle, a missing runs-on) and 4% carry only a lint finding (bad cron).
import os
import random
import sys


def step(r, j, k):
    kind = r.random()
    lines = []
    if kind < 0.25:
        lines.append("      - uses: actions/%s@v4" % r.choice(["checkout", "setup-node", "cache", "upload-artifact"]))
        if r.random() < 0.5:
            lines.append("        with:")
            lines.append("          key: ${{ runner.os }}-%d-${{ hashFiles('**/lock') }}" % k)
        return lines
    lines.append("      - name: step %d of %s" % (k, j))
    if r.random() < 0.3:
        lines.append("        id: s%d" % k)
    if r.random() < 0.2:
        lines.append("        if: ${{ success() && github.event_name == 'push' }}")
    if r.random() < 0.2:
        lines.append("        env:")
        lines.append("          LEVEL: \"%d\"" % k)
    if r.random() < 0.5:
        lines.append("        run: |")
        for n in range(r.randint(2, 12)):
            lines.append("          echo \"line %d of step %d in %s: $LEVEL ${{ matrix.node || 'x' }}\"" % (n, k, j))
    else:
        lines.append("        run: make test-%d" % k)
    if r.random() < 0.1:
        lines.append("        timeout-minutes: %d" % r.randint(1, 30))
    return lines


def workflow(r, i):
    jobs = ["job%d" % n for n in range(r.randint(1, 8))]
    out = ["name: Workflow %d" % i, "on:"]
    out += ["  push:", "    branches: [main, 'release/**']", "  pull_request:"]
    bad_cron = r.random() < 0.04
    if r.random() < 0.3 or bad_cron:
        out += ["  schedule:", "    - cron: \"%s\"" % ("61 4 * * *" if bad_cron else "%d %d * * 1-5" % (r.randint(0, 59), r.randint(0, 23)))]
    if r.random() < 0.3:
        out += ["  workflow_dispatch:", "    inputs:", "      level:", "        type: choice",
                "        options: [low, high]", "        default: low"]
    out += ["env:", "  CI: true", "  WORKFLOW_ID: \"%d\"" % i, "permissions:", "  contents: read", "jobs:"]
    invalid = r.random() < 0.04
    for n, j in enumerate(jobs):
        out.append("  %s:" % j)
        if not (invalid and n == 0):
            out.append("    runs-on: ${{ matrix.os }}" if n == 0 and r.random() < 0.3 else "    runs-on: ubuntu-latest")
        if n > 0 and r.random() < 0.6:
            out.append("    needs: [%s]" % ", ".join(r.sample(jobs[:n], r.randint(1, min(2, n)))))
        if invalid and n == len(jobs) - 1 and len(jobs) > 1:
            out.append("    needs: [%s]" % j)  # a job needing itself
        if n == 0 and "matrix.os" in out[-1]:
            out += ["    strategy:", "      matrix:", "        os: [ubuntu-latest, ubuntu-22.04]",
                    "        node: [18, 20, 22]"]
        if r.random() < 0.3:
            out += ["    env:", "      JOB: %s" % j]
        out.append("    steps:")
        for k in range(r.randint(1, 14)):
            out += step(r, j, k)
    return "\n".join(out) + "\n"


def main():
    d = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    r = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 4711)
    os.makedirs(d, exist_ok=True)
    for i in range(n):
        with open(os.path.join(d, "wf-%03d.yml" % i), "w") as f:
            f.write(workflow(r, i))


if __name__ == "__main__":
    main()
