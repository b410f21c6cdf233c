#!/usr/bin/env node
// The syskit CLI runs from TypeScript sources through tsx, so systems declared in .ts files
// (charts/*.ts or --systems <file.ts>) load without a separate build step. Commands are loaded
// with import() (cli/main.ts), which goes through Node's ESM loader: tsx must hook both loaders.
require('tsx/cjs');
import('tsx/esm/api')
  .then(({ register }) => {
    register();
    return require('../cli/main.ts').main(process.argv.slice(2));
  })
  .then((code) => {
    process.exitCode = code;
  });
