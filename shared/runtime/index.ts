export { mapLimit } from './mapLimit';
export * from './operations';
export * from './tick';
export { DEFAULT_HISTORY_HEARTBEAT_MS, decisionSignature, historyHeartbeatMs, isRoutineTrigger, shouldRecord } from './historyPolicy';
