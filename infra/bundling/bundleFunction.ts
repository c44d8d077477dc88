/**
 * The one set of esbuild settings for the Lambda functions, used by the stack (through
 * PoolscaleFunction, in a child process because CDK bundles synchronously) and by
 * bench/functions.bench.ts, so the bench measures exactly what is deployed.
 *
 * - ESM for Node.js 24, minified, with source maps; `@aws-sdk/*` stays external (the runtime
 *   ships SDK v3).
 * - Code splitting: what an entry imports dynamically (the composition root, each SDK-backed
 *   adapter, each Redis driver) is a chunk of its own, loaded when a path first needs it, so a
 *   cold start evaluates only the handler and its logger.
 * - Left out because no path needs them: zod's locales other than English (`z.locales` is on
 *   the namespace every schema file imports, so tree shaking cannot drop them, ~250 KiB), the
 *   Redis drivers the deployment does not use, and yaml's CommonJS build (its ES build lets
 *   the API drop the YAML writer it never calls).
 *
 * Run as a script: `node --import tsx infra/bundling/bundleFunction.ts '<BundleOptions as JSON>'`.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type BuildOptions, type BuildResult, type Plugin } from 'esbuild';

/** `tcp`: redis:// and rediss:// (ioredis); `rest`: Upstash REST (@upstash/redis). */
export type RedisDriver = 'tcp' | 'rest';
export const REDIS_DRIVERS: readonly RedisDriver[] = ['tcp', 'rest'];

export interface BundleOptions {
  /** The handler file, e.g. functions/evaluate.ts. */
  entry: string;
  /** Receives index.mjs (the handler), chunks/*.mjs and their source maps. */
  outdir: string;
  /** The Redis drivers this deployment can use (default both; [] without Redis). */
  redisDrivers?: readonly RedisDriver[];
  /** Write a metafile (bench analysis). */
  metafile?: boolean;
  sourcemap?: boolean;
}

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Esbuild banner for ESM output: CommonJS dependencies bundled into an ES module still call
 * `require` (for Node built-ins), which does not exist in ESM scope. Each chunk is a module of
 * its own, so each gets the banner.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __poolscaleCreateRequire } from 'node:module'; const require = __poolscaleCreateRequire(import.meta.url);";

/** zod's locale index replaced by English alone (the only messages poolscale shows). */
export const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(builder) {
    builder.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}node_modules${path.sep}zod${path.sep}`)
        ? { path: args.importer, namespace: 'zod-english-only' }
        : undefined,
    );
    builder.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path.replace(/(classic|mini|core)[/\\][a-z-]+\.js$/, 'locales/en.js'))};`,
      resolveDir: REPO_ROOT,
    }));
  },
};

/**
 * yaml's ES build instead of its CommonJS one (the `node` condition), its modules marked free of
 * side effects (they are: classes and functions), so what a function never calls shakes out.
 */
export const yamlEsm: Plugin = {
  name: 'yaml-esm',
  setup(builder) {
    const dist = path.join(REPO_ROOT, 'node_modules', 'yaml', 'browser', 'dist');
    builder.onResolve({ filter: /^yaml$/ }, () => ({ path: path.join(dist, 'index.js'), sideEffects: false }));
    builder.onResolve({ filter: /^\.\.?\// }, (args) =>
      args.importer.startsWith(dist) ? { path: path.resolve(args.resolveDir, args.path), sideEffects: false } : undefined,
    );
  },
};

/** A module no Lambda path calls, replaced by a stub that throws if it ever is. */
interface LeftOut {
  /** The importing file, relative to node_modules. */
  importer: string;
  /** The import path as written there. */
  path: string;
  /** The stub's source (ESM or CommonJS, as the importer expects). */
  contents: string;
}

const thrower = (what: string) =>
  `() => { throw new Error(${JSON.stringify(`${what} is left out of the poolscale Lambda bundles (infra/bundling)`)}); }`;

/**
 * Parts of pinned dependencies (zod 4.6.7, ioredis 5.11.1) that no poolscale function reaches:
 * zod's schema compiler and JSON Schema importer (on the `z` namespace, so never tree-shaken),
 * ioredis's Cluster client and its `debug` logging (off unless DEBUG=ioredis:*).
 */
export const LEFT_OUT: readonly LeftOut[] = [
  {
    importer: 'zod/v4/core/index.js',
    path: './compile.js',
    contents: [
      'export const INVALID = Symbol.for("zod.compile.invalid");',
      'export class ZodCompileAsyncError extends Error {}',
      'export class ZodCompileUnsupportedError extends Error {}',
      `export const compile = ${thrower('zod compile()')};`,
      `export const withParser = ${thrower('zod withParser()')};`,
      `export const compileFn = ${thrower('zod compileFn()')};`,
    ].join('\n'),
  },
  { importer: 'zod/v4/classic/external.js', path: './from-json-schema.js', contents: `export const fromJSONSchema = ${thrower('zod fromJSONSchema()')};` },
  { importer: 'ioredis/built/index.js', path: './cluster', contents: `exports.default = class Cluster { constructor() { (${thrower('ioredis Cluster')})(); } };` },
  { importer: 'ioredis/built/Redis.js', path: './cluster', contents: `exports.default = class Cluster { constructor() { (${thrower('ioredis Cluster')})(); } };` },
  {
    importer: 'ioredis/built/utils/debug.js',
    path: 'debug',
    contents: [
      'function createDebug(namespace) {',
      '  const debug = () => {};',
      '  debug.enabled = false; debug.namespace = namespace; debug.destroy = () => true;',
      '  debug.extend = (sub) => createDebug(namespace + ":" + sub);',
      '  return debug;',
      '}',
      'module.exports = createDebug; module.exports.default = createDebug;',
    ].join('\n'),
  },
];

export const leaveOut: Plugin = {
  name: 'leave-out',
  setup(builder) {
    const byPath = new Map<string, LeftOut[]>();
    for (const entry of LEFT_OUT) byPath.set(entry.path, [...(byPath.get(entry.path) ?? []), entry]);
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    const filter = new RegExp(`^(${[...byPath.keys()].map(escape).join('|')})$`);
    builder.onResolve({ filter }, (args) => {
      const importer = args.importer.split(path.sep).join('/');
      const index = (byPath.get(args.path) ?? []).findIndex((entry) => importer.endsWith(`/node_modules/${entry.importer}`));
      if (index < 0) return undefined;
      return { path: `${args.path}#${LEFT_OUT.indexOf(byPath.get(args.path)![index]!)}`, namespace: 'left-out' };
    });
    builder.onLoad({ filter: /.*/, namespace: 'left-out' }, (args) => ({
      contents: LEFT_OUT[Number(args.path.slice(args.path.lastIndexOf('#') + 1))]!.contents,
      loader: 'js',
    }));
  },
};

const DRIVER_MODULES: Record<RedisDriver, { file: string; exported: string; what: string }> = {
  tcp: { file: 'ioredisRunner', exported: 'ioredisRunner', what: 'redis:// and rediss:// (ioredis)' },
  rest: { file: 'upstashRunner', exported: 'upstashRunner', what: 'Upstash REST' },
};

/**
 * Drivers the deployment does not use become a stub that says so, instead of their code. The
 * stub is reached only if the Redis secret names the other kind of endpoint.
 */
export function redisDriversOnly(drivers: readonly RedisDriver[]): Plugin {
  const left = REDIS_DRIVERS.filter((driver) => !drivers.includes(driver));
  return {
    name: 'redis-drivers-only',
    setup(builder) {
      if (left.length === 0) return;
      const files = left.map((driver) => DRIVER_MODULES[driver].file).join('|');
      builder.onResolve({ filter: new RegExp(`^\\./(${files})$`) }, (args) =>
        args.importer.endsWith(path.join('shared', 'adapters', 'redis', 'fromEnv.ts'))
          ? { path: args.path.slice(2), namespace: 'redis-driver-left-out' }
          : undefined,
      );
      builder.onLoad({ filter: /.*/, namespace: 'redis-driver-left-out' }, (args) => {
        const driver = left.find((candidate) => DRIVER_MODULES[candidate].file === args.path)!;
        const { exported, what } = DRIVER_MODULES[driver];
        const message = `This function was bundled without the ${what} Redis client: deploy with a redis setting that names it (Poolscale props redis.drivers, or cdk -c redisDrivers=tcp,rest)`;
        return { contents: `export function ${exported}() { throw new Error(${JSON.stringify(message)}); }`, loader: 'js' };
      });
    },
  };
}

/** The esbuild settings of a function bundle. */
export function esbuildOptions(options: BundleOptions): BuildOptions {
  return {
    entryPoints: { index: options.entry },
    outdir: options.outdir,
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: options.sourcemap ?? true,
    external: ['@aws-sdk/*'],
    banner: { js: ESM_REQUIRE_BANNER },
    plugins: [zodEnglishOnly, yamlEsm, leaveOut, redisDriversOnly(options.redisDrivers ?? REDIS_DRIVERS)],
    metafile: options.metafile ?? false,
    logLevel: 'warning',
    absWorkingDir: REPO_ROOT,
  };
}

export function bundleFunction(options: BundleOptions): Promise<BuildResult> {
  return build(esbuildOptions(options));
}

/**
 * The same bundle, built synchronously for CDK's local bundling: esbuild plugins need the async
 * API, so a child process runs this file.
 */
export function bundleFunctionSync(options: BundleOptions): void {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  execFileSync(process.execPath, ['--import', tsx, fileURLToPath(import.meta.url), JSON.stringify(options)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await bundleFunction(JSON.parse(process.argv[2] ?? '{}') as BundleOptions);
}
