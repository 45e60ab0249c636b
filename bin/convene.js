#!/usr/bin/env node
// The convene CLI: runs the compiled server (dist/convene.js), rebuilt first when a source is
// newer than it (scripts/build.js), so `npm start` never runs stale code after an edit.
import { ensureBuilt } from '../scripts/build.js';

await import(await ensureBuilt());
