// exit_after.js: runs for $EXIT_AFTER seconds (default 2), then exits with
// $EXIT_CODE (default 1), like a worker that dies after a while.
'use strict';
const secs = Number(process.env.EXIT_AFTER || 2);
const code = Number(process.env.EXIT_CODE || 1);
console.log(`exit_after: exiting with ${code} in ${secs} s`);
setInterval(() => {}, 1000);
setTimeout(() => process.exit(code), secs * 1000);
