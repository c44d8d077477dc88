export type { Clock } from './Clock';
export type { DecisionLog, HistoryQuery } from './DecisionLog';
export type { MetricRequest, MetricSource } from './MetricSource';
export type { PolicyStore } from './PolicyStore';
export type { ScaleRequest, ScaleTarget } from './ScaleTarget';
export type { StateStore } from './StateStore';
export type { AgentRecord, AgentStore, HostReport } from './AgentStore';
