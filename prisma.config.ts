import { fileURLToPath } from 'node:url';
import { defineConfig } from 'prisma/config';

// The CLI insists on locating its native schema engine even for `generate`, and cannot
// download it offline. Point it at a stub; migrations use the WASM engine (src/db/migrations.ts).
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(new URL('./scripts/prisma-engine-stub.mjs', import.meta.url));

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
