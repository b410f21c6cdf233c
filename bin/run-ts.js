#!/usr/bin/env node
// Runs a TypeScript entry point (bench/, scripts/) with the same loader as the CLI.
require('tsx/cjs');
const path = require('node:path');
const [entry, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], entry, ...args];
require(path.resolve(entry));
