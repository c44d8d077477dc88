/**
 * Every policy file under examples/ (one per use case, issue 13) passes `poolscale validate`
 * as a user runs it, with no warning: an example is what people copy. Agent configs are not
 * policy files and are left out by name.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'bin/poolscale.js');
const exec = promisify(execFile);

/** Configs of the on-host agent, not pool policies (`poolscale agent --config`). */
const AGENT_CONFIGS = new Set(['agent.yaml']);
const POLICIES = readdirSync(join(ROOT, 'examples'))
  .filter((name) => /\.ya?ml$/.test(name) && !AGENT_CONFIGS.has(name))
  .sort();

/** The use cases issue 13 asks for: each must have its file. */
const USE_CASES = ['ecs-bots.yaml', 'celery-memory.yaml', 'gunicorn-cpu.yaml', 'sqs-workers.yaml', 'business-hours.yaml'];

describe('examples/*.yaml', () => {
  it('has a policy file per use case', () => {
    expect(POLICIES).toEqual(expect.arrayContaining(USE_CASES));
  });

  it('validates all of them in one process each, exit 0 and no warning', async () => {
    // All at once: each is a separate `node bin/poolscale.js validate FILE`, as users run it.
    const results = await Promise.all(
      POLICIES.map(async (name) => {
        const { stdout, stderr } = await exec(process.execPath, [CLI, 'validate', join('examples', name)], { cwd: ROOT, timeout: 90_000 }).catch(
          (error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: `${error.stderr ?? ''} (failed)` }),
        );
        return { name, out: `${stdout}${stderr}`.trim() };
      }),
    );
    for (const { name, out } of results) expect({ name, out }).toEqual({ name, out: expect.stringMatching(new RegExp(`^OK: \\d+ pool\\(s\\) in examples/${name.replace('.', '\\.')} \\(poolscale\\)$`)) });
  }, 120_000);
});
