// Worker threads start plain Node; load the TypeScript sources the same way the CLI does.
require('tsx/cjs');
require('./worker.ts');
