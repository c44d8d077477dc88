export { MemoryAgentStore } from './MemoryAgentStore';
export { MemoryDecisionLog } from './MemoryDecisionLog';
export { MemoryPolicyStore } from './MemoryPolicyStore';
export { MemoryStateStore } from './MemoryStateStore';
export { NoneTarget } from './NoneTarget';
export { StaticMetricSource } from './StaticMetricSource';
