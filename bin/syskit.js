#!/usr/bin/env node
// Runs the compiled build when it matches the sources (see compiled.js), else the TypeScript
// sources through tsx. Either way, systems declared in .ts files (charts/*.ts or --systems
// <file.ts>) load without a build step: synth/load.ts registers tsx when it first meets one.
// SYSKIT_FROM_SOURCES=1 runs the sources even when the build is fresh.
const path = require('node:path');
const { freshBuild } = require('./compiled');

// Node's on-disk cache of compiled JavaScript: cdk8s, zod and Pulumi load faster from the second run on.
require('node:module').enableCompileCache?.();

const root = path.resolve(__dirname, '..');
const build = process.env.SYSKIT_FROM_SOURCES ? undefined : freshBuild(root);
let cli;
if (build) {
  cli = require(path.join(build, 'cli', 'main.js'));
} else {
  // The ESM hooks too: the command table loads each command with import().
  require('tsx/cjs/api').register();
  require('tsx/esm/api').register();
  cli = require('../cli/main.ts');
}
cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
