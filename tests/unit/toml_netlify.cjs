// toml_netlify.cjs: Netlify's verdict on TOML files for toml_diff.py: smol-toml
// (@netlify/config 25.2+) and @iarna/toml (older), as JSON lines.
//
// Usage: node toml_netlify.cjs FILE...; the packages are found through
// NODE_PATH (toml_diff.sh points it at the source tree's node_modules).
// For each file one line: {"file", "smol": {"ok", "value"|"error"},
// "iarna": {"ok", "error"}, "escape": LINE or null}. Like @netlify/config,
// the file is read as UTF-8 with U+FFFD for bad bytes, and the value is
// what Netlify's loader keeps: the parse round-tripped through JSON.
'use strict';
const fs = require('fs');
const smol = require('smol-toml');
const iarna = require('@iarna/toml');

// @netlify/config refuses, before it parses, a "KEY = ..." line (KEY of
// letters, not the first line) whose basic string holds a backslash
// escape TOML does not know; smol-toml alone would read \e and \x41.
function badEscapeLine(text) {
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const m = /^[a-zA-Z]+ *= *"(?!"")(.*)$/.exec(lines[i]);
    if (!m) continue;
    const s = m[1];
    for (let j = 0; j < s.length; j++) {
      if (s[j] === '"') break;
      if (s[j] !== '\\') continue;
      if (!'"\\btnfruU'.includes(s[j + 1])) return i + 1;
      j++;
    }
  }
  return null;
}

function verdict(parse, text) {
  try {
    return { ok: true, value: JSON.parse(JSON.stringify(parse(text))) };
  } catch (e) {
    return { ok: false, error: String(e.message).split('\n')[0] };
  }
}

for (const file of process.argv.slice(2)) {
  const text = fs.readFileSync(file, 'utf8');
  const iv = verdict(iarna.parse, text);
  delete iv.value;
  console.log(JSON.stringify({
    file,
    smol: verdict(smol.parse, text),
    iarna: iv,
    escape: badEscapeLine(text),
  }));
}
