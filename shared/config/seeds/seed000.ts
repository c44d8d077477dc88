/**
 * Seed 000 (Russian bot pool monitor): keep MIN_FREE_BOTS bots in WAITING, start SCALE_BATCH
 * more when fewer are free, never above MAX_TOTAL_BOTS, check every CHECK_INTERVAL seconds.
 * Bot states live in Redis as `bot_status:<id>` = WAITING | ACTIVE.
 */
import type { EnvEntry } from '../envText';
import { readNumber, seconds, warning, type SeedConversion } from './seedConversion';

export const SEED000_KEYS = ['MIN_FREE_BOTS', 'MAX_TOTAL_BOTS', 'SCALE_BATCH', 'CHECK_INTERVAL'] as const;
/** The seed's "standard (recommended)" configuration, used for variables that are not set. */
const DEFAULTS = { MIN_FREE_BOTS: 3, MAX_TOTAL_BOTS: 100, SCALE_BATCH: 5, CHECK_INTERVAL: 30 };

export function fromSeed000(env: Map<string, EnvEntry>): SeedConversion {
  const problems: SeedConversion['problems'] = [];
  const vars = Object.fromEntries([...env].map(([k, v]) => [k, v.value]));
  const minFree = readNumber(vars, 'MIN_FREE_BOTS', DEFAULTS.MIN_FREE_BOTS, problems, { integer: true });
  const maxTotal = readNumber(vars, 'MAX_TOTAL_BOTS', DEFAULTS.MAX_TOTAL_BOTS, problems, { integer: true });
  const batch = readNumber(vars, 'SCALE_BATCH', DEFAULTS.SCALE_BATCH, problems, { integer: true });
  const interval = readNumber(vars, 'CHECK_INTERVAL', DEFAULTS.CHECK_INTERVAL, problems);

  const ignored = [...env.keys()].filter((k) => !(SEED000_KEYS as readonly string[]).includes(k));
  if (ignored.length > 0) problems.push(warning('(file)', `Ignored variables that are not seed 000 settings: ${ignored.join(', ')}`));
  problems.push(
    warning(
      'pools[0].target',
      'The seed starts Docker containers itself; the imported pool has target `none` and only records decisions (dry run) until you set an ECS target ({kind: ecs, cluster, service})',
    ),
  );

  return {
    problems,
    raw: {
      version: 1,
      pools: [
        {
          id: 'bot-pool',
          description: `Bot pool (seed 000): keep ${minFree} free bot(s), add ${batch} at a time, at most ${maxTotal}`,
          target: { kind: 'none' },
          // The seed never stops bots, so it has no floor of its own; MAX_TOTAL_BOTS is the ceiling.
          min: 0,
          max: maxTotal,
          interval: seconds(interval),
          metrics: {
            // Busy = ACTIVE bots; free = running - busy, with "running" from the target.
            busy: { source: 'redis', type: 'count_keys', pattern: 'bot_status:*', equals: 'ACTIVE' },
          },
          rules: [{ type: 'buffer', minFree, batch }],
          // The seed has no cooldown: one batch per check.
          behaviour: { cooldownUp: 0 },
        },
      ],
    },
  };
}
