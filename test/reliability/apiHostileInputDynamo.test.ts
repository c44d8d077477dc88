/**
 * The hostile-input suite (apiHostileInputSuite.ts) on the DynamoDB stores, on dynalite: the
 * stores as deployed, where a `constructor` key or a number beyond the safe integers used to
 * answer 500. Fewer runs per property than in memory (each case resets real tables);
 * POOLSCALE_FUZZ_RUNS raises them for a long run.
 */
import { afterAll, beforeAll } from 'vitest';
import { createDocumentClient, DynamoDecisionLog, DynamoPolicyStore, DynamoStateStore } from '../../shared/adapters/dynamodb';
import { NoneTarget, StaticMetricSource } from '../../shared/adapters/memory';
import type { ApiDeps } from '../../shared/api';
import { NOW, policy } from '../api/support';
import { createTables, startDynalite, TEST_CREDENTIALS, TEST_REGION, uniqueTableNames, type Dynalite } from '../support/dynalite';
import { hostileApiSuite, type HostileBackend } from './apiHostileInputSuite';

const RUNS = Number(process.env.POOLSCALE_FUZZ_RUNS ?? 80);

let dynalite: Dynalite;
let stores: Pick<ApiDeps, 'policies' | 'states' | 'log'> | undefined;

beforeAll(async () => {
  dynalite = await startDynalite();
  const names = uniqueTableNames('hostile');
  await createTables(dynalite.client, names);
  const client = createDocumentClient({ endpoint: dynalite.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
  stores = {
    policies: new DynamoPolicyStore(client, names.policies),
    states: new DynamoStateStore(client, names.state),
    log: new DynamoDecisionLog(client, names.history),
  };
});

afterAll(async () => {
  if (process.env.POOLSCALE_FUZZ_REPORT) console.info(`hostile API input, ${backend.name}: ${backend.tally.requests} requests, ${backend.tally.serverErrors} x 5xx`);
  await dynalite.stop();
});

const backend: HostileBackend = {
  name: 'DynamoDB (dynalite)',
  runs: RUNS,
  timeoutMs: Math.max(120_000, RUNS * 1_000),
  tally: { requests: 0, serverErrors: 0 },
  deps: async (policies = [policy({ id: 'bots' })]) => {
    const { policies: policyStore, states, log } = stores!;
    // Reset what the properties look at: the given pools as given, without state. A pool a
    // generated request managed to create under another id stays; no assertion reads it.
    await Promise.all([...policies.map((given) => policyStore.put(given)), ...policies.map((given) => states.delete(given.id))]);
    const errors: unknown[] = [];
    const clock = { at: NOW, now() { return this.at; } };
    const deps: ApiDeps = { policies: policyStore, states, log, metrics: [new StaticMetricSource()], targets: [new NoneTarget()], clock, reportError: (error) => errors.push(error) };
    return { deps, errors };
  },
};

hostileApiSuite(backend);
