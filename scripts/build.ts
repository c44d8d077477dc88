/**
 * `npm run build`: the package's JavaScript and type declarations in dist/.
 *
 * - dist/esm/: ESM for Node, bundled by esbuild from the TypeScript sources (which use
 *   extensionless imports, so a plain `tsc` emit would not load on Node). Code splitting keeps
 *   the CLI's commands lazy: `poolscale --help` loads main.js and a few small chunks, and a
 *   command's chunk (with zod, yaml or the AWS SDK behind it) only when that command runs.
 *   Runtime packages stay external (they come from the package's dependencies) but for zod and
 *   yaml, which `validate` needs: bundled, they load in one file each instead of ~110 modules
 *   (zod) and a CommonJS tree, which made `validate` start ~35 % faster (bench/startup.bench.ts).
 *   yaml's Node build is CommonJS, hence the `require` each chunk gets from createRequire.
 *   Entries: main.js (the CLI, `poolscale/cli`), config.js (`poolscale/config`), engine.js
 *   (`poolscale/engine`) and simWorker.mjs, the simulator's worker thread. parallel.ts starts
 *   it as `./simWorker.mjs` next to its own module, so every entry and chunk is written flat
 *   in dist/esm/ (beside it); in the sources that name is the worker that loads tsx.
 * - dist/types/: declarations by `tsc -p tsconfig.build.json`, their relative imports given
 *   `.js` extensions so that consumers resolving like Node (`node16`/`nodenext`) follow them.
 *
 * `npm pack` runs it too (the `prepack` script), so a tarball is always built from the sources
 * as they are when it is packed, never from a dist/ older than an edit.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ESM = join(ROOT, 'dist/esm');
const TYPES = join(ROOT, 'dist/types');

/** Entry name in dist/esm/ -> source. */
const ENTRIES = {
  main: 'shared/cli/main.ts',
  config: 'shared/config/load.ts',
  engine: 'shared/engine/index.ts',
} as const;

/** Dependencies compiled into dist/esm/ rather than imported from node_modules at run time. */
const BUNDLED = ['zod', 'yaml'];

/** The other dependencies, and their subpaths, stay imports. */
function externals(): string[] {
  const { dependencies } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  return Object.keys(dependencies)
    .filter((name) => !BUNDLED.includes(name))
    .flatMap((name) => [name, `${name}/*`]);
}

/**
 * The worker thread's entry: the same message loop as shared/sim/simWorker.mjs, without tsx
 * (it imports the sources directly, so esbuild compiles them into the bundle).
 */
const SIM_WORKER = `import { serveJobs } from './parallel';\nserveJobs();\n`;

const simWorkerEntry: Plugin = {
  name: 'poolscale-sim-worker',
  setup(builder) {
    builder.onResolve({ filter: /^poolscale:sim-worker$/ }, () => ({ path: 'sim-worker', namespace: 'poolscale' }));
    builder.onLoad({ filter: /.*/, namespace: 'poolscale' }, () => ({ contents: SIM_WORKER, loader: 'ts', resolveDir: join(ROOT, 'shared/sim') }));
  },
};

async function bundle(): Promise<void> {
  rmSync(ESM, { recursive: true, force: true });
  await build({
    absWorkingDir: ROOT,
    entryPoints: [...Object.entries(ENTRIES).map(([out, source]) => ({ in: source, out })), { in: 'poolscale:sim-worker', out: 'simWorker' }],
    outdir: ESM,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    external: externals(),
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    chunkNames: 'chunk-[hash]',
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [simWorkerEntry],
  });
  // The worker keeps its `.mjs` name (what parallel.ts asks for); it imports its chunks by
  // relative path, so the rename changes nothing else.
  renameSync(join(ESM, 'simWorker.js'), join(ESM, 'simWorker.mjs'));
}

function declarations(): void {
  rmSync(TYPES, { recursive: true, force: true });
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
  for (const file of walk(TYPES)) {
    if (!file.endsWith('.d.ts')) continue;
    const text = readFileSync(file, 'utf8');
    const fixed = withJsExtensions(text, dirname(file));
    if (fixed !== text) writeFileSync(file, fixed);
  }
}

/**
 * Gives each relative specifier in a declaration file (`from './x'`, `import('./x')`) the
 * `.js` of the file it names (`./x.js`, or `./x/index.js` for a folder).
 */
function withJsExtensions(text: string, dir: string): string {
  return text.replace(/(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]*)\2/g, (whole, lead: string, quote: string, specifier: string) => {
    if (/\.(js|mjs|cjs|json)$/.test(specifier)) return whole;
    const target = join(dir, specifier);
    if (existsSync(`${target}.d.ts`)) return `${lead}${quote}${specifier}.js${quote}`;
    if (existsSync(join(target, 'index.d.ts'))) return `${lead}${quote}${specifier}/index.js${quote}`;
    return whole;
  });
}

function* walk(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}

const started = performance.now();
await bundle();
declarations();
console.log(`built dist/esm and dist/types in ${((performance.now() - started) / 1000).toFixed(1)} s`);
