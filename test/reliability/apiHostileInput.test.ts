/**
 * The hostile-input suite (apiHostileInputSuite.ts) on the in-memory stores: 1000 generated
 * requests per property.
 */
import { afterAll } from 'vitest';
import { memoryDeps } from '../api/support';
import { hostileApiSuite, type HostileBackend } from './apiHostileInputSuite';

const backend: HostileBackend = {
  name: 'in-memory',
  runs: 1000,
  timeoutMs: 120_000,
  tally: { requests: 0, serverErrors: 0 },
  deps: async (policies) => memoryDeps(policies),
};

hostileApiSuite(backend);

afterAll(() => {
  if (process.env.POOLSCALE_FUZZ_REPORT) console.info(`hostile API input, ${backend.name}: ${backend.tally.requests} requests, ${backend.tally.serverErrors} x 5xx`);
});
