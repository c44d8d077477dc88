import type { Budget, Policy } from '../domain/policy';
import type { DecideResult } from '../domain/types';

export interface BudgetEntry {
  policy: Policy;
  result: DecideResult;
}

/**
 * Global budget across pools (seed 002 resource limits): total workers, memory
 * (`resources.memoryGb` per worker) and CPU (`resources.cpu` per worker).
 *
 * Only scale-ups are trimmed. Every pool first keeps what it has (max of its current count and
 * its min: the budget never takes running capacity away); the remaining headroom is then
 * granted to scale-ups in order of priority (higher first), then smaller increase first (more
 * pools get some capacity), then pool id (deterministic). Each trimmed pool gets a reason per
 * limit (`budget.workers`, `budget.memory`, `budget.cpu`) saying how many workers less.
 * Returns results in the input order.
 */
export function applyBudget(entries: BudgetEntry[], budget: Budget | undefined): DecideResult[] {
  if (!budget || (budget.maxWorkers === undefined && budget.maxMemoryGb === undefined && budget.maxCpu === undefined)) {
    return entries.map((e) => e.result);
  }
  const kept = entries.map((e) => Math.max(Math.min(e.result.decision.current, e.result.decision.desired), Math.min(e.policy.min, e.result.decision.desired)));
  let workers = 0;
  let memory = 0;
  let cpu = 0;
  entries.forEach((e, i) => {
    workers += kept[i]!;
    memory += kept[i]! * e.policy.resources.memoryGb;
    cpu += kept[i]! * e.policy.resources.cpu;
  });
  const order = entries
    .map((e, i) => ({ e, i, increase: e.result.decision.desired - kept[i]! }))
    .filter((x) => x.increase > 0)
    .sort((a, b) => b.e.policy.priority - a.e.policy.priority || a.increase - b.increase || a.e.policy.id.localeCompare(b.e.policy.id));
  const out = entries.map((e) => e.result);
  for (const { e, i, increase } of order) {
    const { memoryGb, cpu: cpuPer } = e.policy.resources;
    const limits: { code: string; name: string; fits: number }[] = [];
    if (budget.maxWorkers !== undefined) limits.push({ code: 'budget.workers', name: `maxWorkers ${budget.maxWorkers}`, fits: Math.floor(budget.maxWorkers - workers) });
    if (budget.maxMemoryGb !== undefined && memoryGb > 0) {
      limits.push({ code: 'budget.memory', name: `maxMemoryGb ${budget.maxMemoryGb}`, fits: Math.floor((budget.maxMemoryGb - memory) / memoryGb + 1e-9) });
    }
    if (budget.maxCpu !== undefined && cpuPer > 0) limits.push({ code: 'budget.cpu', name: `maxCpu ${budget.maxCpu}`, fits: Math.floor((budget.maxCpu - cpu) / cpuPer + 1e-9) });
    let granted = increase;
    for (const limit of limits) granted = Math.min(granted, Math.max(0, limit.fits));
    workers += granted;
    memory += granted * memoryGb;
    cpu += granted * cpuPer;
    if (granted === increase) continue;
    const result = e.result;
    const desired = kept[i]! + granted;
    const current = result.decision.current;
    const reasons = result.decision.reasons.filter((r) => r.code !== 'scale.up' && r.code !== 'scale.down' && r.code !== 'hold');
    for (const limit of limits) {
      if (Math.max(0, limit.fits) < increase) {
        reasons.push({
          code: limit.code,
          message: `global budget ${limit.name}: ${result.decision.desired} -> ${desired} (${result.decision.desired - desired} fewer)`,
        });
      }
    }
    const action = desired > current ? 'scale_up' : desired < current ? 'scale_down' : 'none';
    const note = e.policy.dryRun && action !== 'none' ? ' (dry run: not applied)' : '';
    reasons.push(
      action === 'scale_up'
        ? { code: 'scale.up', message: `scale up ${current} -> ${desired}${note}` }
        : action === 'scale_down'
          ? { code: 'scale.down', message: `scale down ${current} -> ${desired}${note}` }
          : { code: 'hold', message: `no change: ${current} worker(s)` },
    );
    const decision = { ...result.decision, desired, action, reasons } as const;
    // A cancelled scale-up keeps the engine's lastScaleUpAt stamp: the previous value is not
    // known here, and a cooldown that starts early errs on the calm side.
    const state = { ...result.state, desired, lastDecision: decision };
    out[i] = { decision, state };
  }
  return out;
}
