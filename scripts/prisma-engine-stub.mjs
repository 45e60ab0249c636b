#!/usr/bin/env node
// Stands in for Prisma's native schema-engine binary, which cannot be downloaded here.
// `prisma generate` only asks it for its version; migrations run through the WASM engine
// instead (src/db/migrations.ts).
if (process.argv.includes('--version')) {
  console.log('schema-engine-cli 0.0.0-offline-stub');
  process.exit(0);
}
console.error('convene: the native Prisma schema engine is not available; use npm run db:migrate / db:deploy / db:status');
process.exit(1);
