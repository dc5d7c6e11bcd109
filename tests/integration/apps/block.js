// block.js: starts normally, then blocks its event loop in a busy loop
// after $BLOCK_AFTER_MS (default 200): 100% of one core, no I/O served.
'use strict';
const after = Number(process.env.BLOCK_AFTER_MS || 200);
console.log(`block: blocking the event loop in ${after} ms as pid ${process.pid}`);
setTimeout(() => {
	for (;;) {
		// busy: the event loop never turns again
	}
}, after);
