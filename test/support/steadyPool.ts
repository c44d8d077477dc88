import { PoolSchema } from '../../shared/domain/policy';

/**
 * The bystander of the fault tests: a pool on a static metric (9 busy, keep 2 free, add 3)
 * that must keep deciding normally while another pool's metric source or target fails.
 */
export const steadyPool = PoolSchema.parse({
  id: 'steady',
  target: { kind: 'none' },
  min: 0,
  max: 50,
  interval: '1m',
  metrics: { busy: { source: 'static', value: 9 } },
  rules: [{ type: 'buffer', minFree: 2, batch: 3 }],
  behaviour: { cooldownUp: 0 },
});
