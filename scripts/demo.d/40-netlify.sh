# demo.d/40-netlify.sh: a Netlify site whose functions a tiny Node server
# serves on loopback (/.netlify/functions/NAME, by loading the handler as
# `netlify dev` would); the demo deletes the functions manifest and
# redundancyd regenerates it, then breaks a function and redundancyd reports
# it (node --check and the probe), then mends it.

demo_netlify_setup() {
	NLD="$WS/netlify"
	NLS="$NLD/site"
	mkdir -p "$NLS/netlify/functions/greet"
	cat >"$NLS/netlify.toml" <<'TOML'
[build]
  publish = "public"

[functions]
  directory = "netlify/functions"

[[redirects]]
  from = "/api/hello"
  to = "/.netlify/functions/hello"
  status = 200
TOML
	cat >"$NLS/netlify/functions/hello.js" <<'JS'
exports.handler = async () => ({ statusCode: 200, body: "hello from a Netlify function" });
JS
	cat >"$NLS/netlify/functions/time.mjs" <<'JS'
export const handler = async () => ({ statusCode: 200, body: new Date().toISOString() });
JS
	cat >"$NLS/netlify/functions/greet/greet.js" <<'JS'
exports.handler = async (event) => {
	const who = (event.queryStringParameters || {}).name || "newcomer";
	return { statusCode: 200, body: `hi ${who}` };
};
JS
	cp "$NLS/netlify/functions/greet/greet.js" "$NLD/greet.js.good"
	# The function server: loads the handler afresh on every request.
	cat >"$NLD/serve.js" <<'JS'
const http = require("node:http");
const fs = require("node:fs");
const path = require("node:path");
const { pathToFileURL } = require("node:url");
const dir = process.argv[2];
const entry = (name) => [name + ".js", name + ".mjs", name + "/" + name + ".js",
	name + "/index.js"].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
http.createServer(async (req, res) => {
	const url = new URL(req.url, "http://localhost");
	const name = url.pathname.replace(/^\/\.netlify\/functions\//, "").split("/")[0];
	const file = entry(name);
	if (!file) { res.writeHead(404); res.end("no function " + name); return; }
	try {
		let mod;
		if (file.endsWith(".mjs")) {
			mod = await import(pathToFileURL(file).href + "?t=" + Date.now());
		} else {
			delete require.cache[require.resolve(file)];
			mod = require(file);
		}
		const r = await mod.handler({ path: url.pathname, httpMethod: req.method,
			queryStringParameters: Object.fromEntries(url.searchParams) }, {});
		res.writeHead(r.statusCode || 200);
		res.end(r.body || "");
	} catch (e) {
		res.writeHead(500);
		res.end(String(e && e.message));
	}
}).listen(0, "127.0.0.1", function () {
	fs.writeFileSync(process.argv[3], String(this.address().port));
});
JS
	node "$NLD/serve.js" "$NLS/netlify/functions" "$NLD/port" >"$NLD/serve.log" 2>&1 &
	echo $! >"$NLD/serve.pid"
	i=0
	while [ ! -s "$NLD/port" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	NLPORT=$(cat "$NLD/port" 2>/dev/null || echo 9)
	NLBUNDLER=""
	if [ -x "$TOP/node_modules/.bin/zip-it-and-ship-it" ]; then
		NLBUNDLER="bundler_cmd = [\"$TOP/node_modules/.bin/zip-it-and-ship-it\"];"
	fi
}

demo_netlify_conf() {
	cat <<CONF
	{ name = "netlify-functions"; plugin = "netlify"; interval = "3s"; timeout = "60s";
	  site_dir = "$NLS"; $NLBUNDLER
	  base_url = "http://127.0.0.1:$NLPORT"; probe_all = true;
	  probe_latency_warning = "500ms"; }
CONF
}

demo_netlify_chaos() {
	sleep 6
	echo "demo: [netlify] deleting $NLS/.netlify/functions/manifest.json"
	rm -f "$NLS/.netlify/functions/manifest.json"
	sleep 6
	if [ -s "$NLS/.netlify/functions/manifest.json" ]; then
		echo "demo: [netlify] the manifest is back ($(grep -o '"name":"[^"]*"' "$NLS/.netlify/functions/manifest.json" | wc -l) functions)"
	fi
	echo "demo: [netlify] breaking greet.js (a brace goes missing)"
	printf 'exports.handler = async (event) => {\n\treturn { statusCode: 200, body: "oops" ;\n};\n' >"$NLS/netlify/functions/greet/greet.js"
	sleep 7
	"$CTL" -s "$WS/control.sock" health netlify-functions 2>/dev/null | grep -i "greet" || true
	echo "demo: [netlify] mending greet.js"
	cp "$NLD/greet.js.good" "$NLS/netlify/functions/greet/greet.js"
	sleep 7
}

demo_netlify_cleanup() {
	pid=$(cat "$WS/netlify/serve.pid" 2>/dev/null || true)
	[ -n "$pid" ] && demo_ours "$pid" && demo_end "$pid"
	return 0
}
