import { ConfigSchema, type Config, type PolicyInput } from '../../shared/domain/policy';

/**
 * A one-pool config for the local control plane tests: seed 000's bot buffer on a `none`
 * target with 2 busy of 2 at start, so the first tick scales 2 -> 7.
 */
export const botsConfig = (overrides: Partial<PolicyInput> = {}): Config =>
  ConfigSchema.parse({
    pools: [
      {
        id: 'bots',
        target: { kind: 'none' },
        min: 2,
        max: 20,
        metrics: { busy: { source: 'static', value: 2 } },
        rules: [{ type: 'buffer', minFree: 3, batch: 5 }],
        ...overrides,
      },
    ],
  });
