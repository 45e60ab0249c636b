#!/usr/bin/env node
// The convene CLI: runs the compiled server (dist/convene.js), rebuilt first when a source is
// newer than it (scripts/build.js), so `npm start` never runs stale code after an edit.
import module from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { ensureBuilt } from '../scripts/build.js';

// Node 22 and later keep V8's compiled code of the bundle between starts (in the temporary
// directory; checked against the source): a fifth less start-up CPU. Node 20 has no such cache.
module.enableCompileCache?.();

// Start-up leaves ~30 MB of long-lived objects (modules, the schema, Prisma's data model). V8
// takes their survival as a sign that the young generation needs room and grows it to its
// maximum, which then sits resident and empty in an idle server (~25 MB, bench/README.md). Keep
// it at its initial size until the server is up (the import settles then); after that it grows
// with load as usual (2 is V8's default factor).
setFlagsFromString('--semi-space-growth-factor=1');
await import(await ensureBuilt());
setFlagsFromString('--semi-space-growth-factor=2');
