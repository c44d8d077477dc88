import type { ScheduleRule } from '../../domain/policy';
import { formatDuration } from '../../domain/duration';
import { cronMatches, lastCronFiring } from '../cron';
import type { Proposal } from '../../domain/types';
import type { RuleContext, RuleOutcome } from '../RuleContext';

/**
 * Seed 002 scheduled scaling: each open window sets a floor (`min`) and/or a ceiling (`max`).
 * A window with `duration` is open while the latest cron firing is less than `duration` ago;
 * without it, while the current minute matches. Several open windows: the highest floor and
 * the lowest ceiling (decide() lets a floor win over a conflicting ceiling).
 */
export function scheduleRule(rule: ScheduleRule, ctx: RuleContext): RuleOutcome {
  let floor: number | undefined;
  let ceiling: number | undefined;
  const open: string[] = [];
  const invalid: string[] = [];
  rule.windows.forEach((window, i) => {
    const label = window.name ?? `window ${i + 1} (${window.cron} ${window.timezone})`;
    let isOpen: boolean;
    try {
      if (window.duration !== undefined) {
        const firing = lastCronFiring(window.cron, ctx.now, window.timezone, window.duration);
        isOpen = firing !== undefined && ctx.now - firing < window.duration;
      } else {
        isOpen = cronMatches(window.cron, ctx.now, window.timezone);
      }
    } catch (error) {
      invalid.push(`${label}: ${(error as Error).message.split('\n')[0]}`);
      return;
    }
    if (!isOpen) return;
    const limits = [window.min !== undefined ? `min ${window.min}` : '', window.max !== undefined ? `max ${window.max}` : ''].filter(Boolean).join(', ');
    open.push(`${label}${window.duration !== undefined ? ` for ${formatDuration(window.duration)}` : ''}${limits ? `: ${limits}` : ''}`);
    if (window.min !== undefined) floor = Math.max(floor ?? 0, window.min);
    if (window.max !== undefined) ceiling = Math.min(ceiling ?? Infinity, window.max);
  });
  const bad = invalid.length > 0 ? ` (ignored: ${invalid.join('; ')})` : '';
  if (open.length === 0) {
    return { proposal: { rule: 'schedule', name: rule.name, reason: { code: 'rule.schedule.closed', message: `no schedule window open${bad}` } } };
  }
  const proposal: Proposal = { rule: 'schedule', name: rule.name, reason: { code: 'rule.schedule.open', message: `open: ${open.join('; ')}${bad}` } };
  if (floor !== undefined) proposal.floor = floor;
  if (ceiling !== undefined) proposal.ceiling = ceiling;
  return { proposal };
}
