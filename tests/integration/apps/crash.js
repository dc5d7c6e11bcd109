// crash.js: throws at start, before doing anything useful: the crash loop
// PM2 ends by marking the app errored.
'use strict';
throw new Error('crash.js: cannot start: missing configuration (on purpose)');
