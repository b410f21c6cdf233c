// Whether the compiled build (`npm run build`, in build/) may run instead of the TypeScript sources:
// only when it was made from exactly the sources on disk. The build records the size and
// modification time of every source it compiled; a source edited, checked out or deleted since
// makes the build stale, and the CLI falls back to the sources until the next build.
const fs = require('node:fs');
const path = require('node:path');

const BUILD_DIR = 'build';
const MANIFEST = 'sources.json';

/** Size and modification time of each file (paths relative to root), as the build records them. */
function sourceState(root, files) {
  const state = {};
  for (const file of files) {
    const stat = fs.statSync(path.join(root, file));
    state[file] = [stat.size, stat.mtimeMs];
  }
  return state;
}

/** The build folder when it matches the sources under root, else undefined. */
function freshBuild(root) {
  const build = path.join(root, BUILD_DIR);
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(build, MANIFEST), 'utf8'));
  } catch {
    return undefined;
  }
  for (const [file, [size, mtimeMs]] of Object.entries(manifest.sources ?? {})) {
    let stat;
    try {
      stat = fs.statSync(path.join(root, file));
    } catch {
      return undefined;
    }
    if (stat.size !== size || stat.mtimeMs !== mtimeMs) return undefined;
  }
  return build;
}

module.exports = { BUILD_DIR, MANIFEST, freshBuild, sourceState };
