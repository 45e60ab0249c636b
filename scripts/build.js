// Compiles the server for `npm start` and `npx convene`: src/main.ts with everything it imports,
// the packages included, bundled by esbuild into one ES module, dist/convene.js. Running the
// TypeScript through tsx instead cost about 90 MB of memory and seconds of start-up, and loading
// a few hundred package files through Node's resolver about as much CPU again as the bundle
// (bench/README.md, "Start-up and memory").
//
// `npm install` builds it (postinstall); bin/convene.js calls ensureBuilt(), which rebuilds
// first when a source (src/, package.json, package-lock.json, tsconfig.json, this file) is newer
// than the bundle, so an edit is never run stale. `node scripts/build.js` rebuilds by hand.
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));

/** The newest modification time of `path` and, for a directory, of everything under it. */
function newestChange(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  // A directory's own time changes when an entry is added, removed or renamed.
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestChange(join(path, name))), stat.mtimeMs);
}

/**
 * Packages left to node_modules: PGlite finds its WebAssembly and data files beside its own
 * modules (and only the embedded database loads it); GraphiQL's page is a 9 MB bundle that a
 * browser may never ask for (src/http/graphiql.ts imports it then), and inlined it would more
 * than double the file every start parses.
 */
const external = ['@electric-sql/pglite', 'pglite-prisma-adapter', '@graphql-yoga/render-graphiql'];

/**
 * Bundles `entry` into `outfile` (with a source map beside it); `packages: 'external'` leaves
 * every package to node_modules (bench/startup.ts compares). Written to a private directory
 * and renamed into place, so a process starting meanwhile never loads half a file.
 */
export async function build({ entry, outfile, packages = 'bundle' }) {
  const esbuild = await import('esbuild');
  const staging = join(dirname(outfile), `.build-${process.pid}`);
  const staged = join(staging, outfile.slice(dirname(outfile).length + 1));
  try {
    await esbuild.build({
      entryPoints: [entry],
      outfile: staged,
      bundle: true,
      packages,
      external,
      platform: 'node',
      format: 'esm',
      target: 'node20.19',
      // The CommonJS packages in the bundle require Node's modules (and, in try blocks, optional
      // ones such as pg-native): give them a require.
      banner: {
        js: "import { createRequire as createRequireForBundle } from 'node:module'; const require = createRequireForBundle(import.meta.url);",
      },
      sourcemap: 'linked',
      logLevel: 'warning',
    });
    mkdirSync(dirname(outfile), { recursive: true });
    renameSync(`${staged}.map`, `${outfile}.map`);
    renameSync(staged, outfile);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * The bundle of `entry`, rebuilt when one of `sources` changed after it was written. Returns
 * its file URL, for import().
 */
export async function ensureBuilt({
  entry = join(projectRoot, 'src/main.ts'),
  outfile = join(projectRoot, 'dist/convene.js'),
  sources = ['src', 'package.json', 'package-lock.json', 'tsconfig.json', 'scripts/build.js'].map((path) => join(projectRoot, path)),
} = {}) {
  const built = statSync(outfile, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  if (sources.some((source) => newestChange(source) >= built)) await build({ entry, outfile });
  return pathToFileURL(outfile).href;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await build({ entry: join(projectRoot, 'src/main.ts'), outfile: join(projectRoot, 'dist/convene.js') });
}
