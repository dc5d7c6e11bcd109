// stable.js: a well-behaved HTTP server on $PORT (default 3000) that
// answers every request with 200 and its pid.
'use strict';
const http = require('http');
const port = Number(process.env.PORT || 3000);
const srv = http.createServer((req, res) => {
	res.writeHead(200, { 'content-type': 'text/plain' });
	res.end(`ok ${process.pid} ${process.env.name || ''}\n`);
});
srv.listen(port, '127.0.0.1', () => {
	console.log(`stable: listening on 127.0.0.1:${port} as pid ${process.pid}`);
});
process.on('SIGINT', () => srv.close(() => process.exit(0)));
