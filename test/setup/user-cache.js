// Every test file gets an empty user cache folder of its own (tools/user-cache.ts): what a test
// checks is computed, not read from an earlier run, and nothing is left in the user's ~/.cache.
// The Go-built tools are found through SYSKIT_TOOLS_CACHE or ~/.cache/syskit/tools, not this.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-test-cache-'));
process.env.XDG_CACHE_HOME = dir;
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
