import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { PoolscaleFunction } from '../../infra/PoolscaleFunction';
import { CDK_JSON_CONTEXT } from './support';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => statSync(path.join(dir, file)).isFile())
    .sort();
}

describe('Class: PoolscaleFunction', () => {
  describe('Bundling (real esbuild, no Docker)', () => {
    // Prepare: no bundling-stacks context, so the asset is built now with the local esbuild.
    const app = new App({ context: CDK_JSON_CONTEXT });
    const stack = new Stack(app, 'Bundle');
    const fn = new PoolscaleFunction(stack, 'Evaluate', {
      entry: path.join(REPO_ROOT, 'functions', 'evaluate.ts'),
      serviceName: 'poolscale-evaluate',
      redisDrivers: ['tcp'],
    });
    const relay = new PoolscaleFunction(stack, 'Relay', {
      entry: path.join(REPO_ROOT, 'functions', 'relay.ts'),
      serviceName: 'poolscale-relay',
      redisDrivers: ['tcp'],
    });
    const assembly = app.synth();
    const template = Template.fromStack(stack);
    const propertiesOf = (construct: PoolscaleFunction) => template.toJSON().Resources[stack.getLogicalId(construct.node.defaultChild as never)].Properties;
    const properties = propertiesOf(fn);
    const assetDir = path.join(assembly.directory, `asset.${(properties.Code.S3Key as string).replace(/\.zip$/, '')}`);
    const code = (file: string) => readFileSync(path.join(assetDir, file), 'utf8');
    const modules = () => filesUnder(assetDir).filter((file) => file.endsWith('.mjs'));

    afterAll(() => rmSync(app.outdir, { recursive: true, force: true }));

    it('writes a minified ES module handler with lazily loaded chunks, each with its source map', () => {
      // Assess
      expect(properties.Handler).toBe('index.handler');
      expect(modules()).toContain('index.mjs');
      expect(modules().filter((file) => file.startsWith('chunks/')).length).toBeGreaterThan(0);
      for (const file of modules()) expect(existsSync(path.join(assetDir, `${file}.map`))).toBe(true);
    });

    it('gives each function of a stack its own bundle (same source directory, different entries)', () => {
      // Assess
      expect(propertiesOf(relay).Code.S3Key).not.toBe(properties.Code.S3Key);
    });

    it('defines require for CommonJS dependencies inside every ES module', () => {
      // Assess
      for (const file of modules()) {
        expect(code(file).startsWith("import { createRequire as __poolscaleCreateRequire } from 'node:module';")).toBe(true);
      }
      expect(code('index.mjs')).toMatch(/export\s*\{[^}]*handler/);
    });

    it('leaves the AWS SDK v3 to the runtime, and loads it only from chunks (not at import of the handler)', () => {
      // Assess: SDK packages stay as imports instead of being inlined.
      const all = modules().map(code).join('\n');
      expect(all).toMatch(/from\s*"@aws-sdk\//);
      expect(code('index.mjs')).not.toMatch(/from\s*"@aws-sdk\//);
      expect(existsSync(path.join(assetDir, 'node_modules'))).toBe(false);
    });

    it('carries the named Redis driver only, and no zod locale but English', () => {
      // Assess
      const all = modules().map(code).join('\n');
      expect(all).toContain('bundled without the Upstash REST Redis client');
      expect(all).not.toContain('bundled without the redis:// and rediss:// (ioredis) Redis client');
      expect(all).not.toMatch(/Ungültige Eingabe|Entrada inválida/);
    });

    it('stays under 500 KiB of code', () => {
      // Assess
      const bytes = modules().reduce((sum, file) => sum + statSync(path.join(assetDir, file)).size, 0);
      expect(bytes).toBeLessThanOrEqual(500 * 1024);
    });
  });
});
