import type { Policy } from '../../shared/domain/policy';

export const DEFAULT_ALARM_PREFIX = 'poolscale-';

/**
 * The pools an alarm belongs to: every pool that lists the alarm in its `alarms`, plus the
 * pool named by the alarm (`<prefix><poolId>-<anything>` or exactly `<prefix><poolId>`).
 * Pool ids may contain `-`, so the longest id that matches the name wins: with pools `web`
 * and `web-api`, `poolscale-web-api-queue-high` belongs to `web-api`.
 */
export function poolsForAlarm(alarmName: string, policies: readonly Policy[], prefix = DEFAULT_ALARM_PREFIX): string[] {
  const found = new Set<string>();
  for (const policy of policies) {
    if (policy.alarms.includes(alarmName)) found.add(policy.id);
  }
  if (prefix !== '' && alarmName.startsWith(prefix)) {
    const rest = alarmName.slice(prefix.length);
    const named = policies
      .filter((policy) => rest === policy.id || rest.startsWith(`${policy.id}-`))
      .sort((a, b) => b.id.length - a.id.length)[0];
    if (named) found.add(named.id);
  }
  return [...found].sort();
}
