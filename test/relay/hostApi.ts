import { MemoryDecisionLog, MemoryPolicyStore, MemoryStateStore } from '../../shared/adapters/memory';
import { createApi, type ApiDeps } from '../../shared/api';
import { hostRoutes } from '../../shared/api/hostRoutes';
import type { AgentStore } from '../../shared/ports/AgentStore';

/** The API router as deployed, with the host routes and an agent store in its deps. */
export function hostApi(agents: AgentStore | undefined, reportError: ApiDeps['reportError'] = () => {}) {
  const deps: ApiDeps = {
    policies: new MemoryPolicyStore(),
    states: new MemoryStateStore(),
    log: new MemoryDecisionLog(),
    metrics: [],
    targets: [],
    clock: { now: () => 1_000 },
    reportError,
  };
  return createApi(Object.assign(deps, agents ? { agents } : {}), { routes: hostRoutes });
}

