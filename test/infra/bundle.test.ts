import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { PoolscaleFunction } from '../../infra/PoolscaleFunction';
import { CDK_JSON_CONTEXT } from './support';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

describe('Class: PoolscaleFunction', () => {
  describe('Bundling (real esbuild, no Docker)', () => {
    // Prepare: no bundling-stacks context, so the asset is built now with the local esbuild.
    const app = new App({ context: CDK_JSON_CONTEXT });
    const stack = new Stack(app, 'Bundle');
    const fn = new PoolscaleFunction(stack, 'Relay', {
      entry: path.join(REPO_ROOT, 'functions', 'relay.ts'),
      serviceName: 'poolscale-relay',
    });
    const assembly = app.synth();
    const template = Template.fromStack(stack);
    const codeKey = template.toJSON().Resources[stack.getLogicalId(fn.node.defaultChild as never)].Properties.Code.S3Key as string;
    const assetDir = path.join(assembly.directory, `asset.${codeKey.replace(/\.zip$/, '')}`);

    afterAll(() => rmSync(app.outdir, { recursive: true, force: true }));

    it('writes a minified ES module with its source map', () => {
      // Assess
      expect(readdirSync(assetDir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    });

    it('defines require for CommonJS dependencies inside the ES module', () => {
      // Act
      const code = readFileSync(path.join(assetDir, 'index.mjs'), 'utf8');

      // Assess
      expect(code.startsWith("import { createRequire as __poolscaleCreateRequire } from 'node:module';")).toBe(true);
      expect(code).toMatch(/export\s*\{[^}]*handler/);
    });

    it('leaves the AWS SDK v3 to the runtime', () => {
      // Act
      const code = readFileSync(path.join(assetDir, 'index.mjs'), 'utf8');

      // Assess: SDK packages stay as imports instead of being inlined.
      expect(code).toMatch(/from\s*"@aws-sdk\//);
      expect(existsSync(path.join(assetDir, 'node_modules'))).toBe(false);
    });
  });
});
