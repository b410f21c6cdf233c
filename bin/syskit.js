#!/usr/bin/env node
// The syskit CLI runs from TypeScript sources through tsx, so systems declared in .ts files
// (charts/*.ts or --systems <file.ts>) load without a separate build step. tsx's loader hooks
// both require() and import(): commands are loaded with import() only when they run.
import('tsx').then(() =>
  require('../cli/main.ts')
    .main(process.argv.slice(2))
    .then((code) => {
      process.exitCode = code;
    }),
);
