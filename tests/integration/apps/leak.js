// leak.js: leaks $LEAK_MB megabytes (default 10) of RSS every 200 ms, up to
// $LEAK_MAX_MB (default 400), so memory thresholds trip within seconds.
'use strict';
const step = Number(process.env.LEAK_MB || 10);
const max = Number(process.env.LEAK_MAX_MB || 400);
const hoard = [];
setInterval(() => {
	if (hoard.length * step >= max)
		return;
	const b = Buffer.alloc(step * 1024 * 1024, 1); // touched: counts in RSS
	hoard.push(b);
}, 200);
console.log(`leak: growing by ${step} MB every 200 ms as pid ${process.pid}`);
