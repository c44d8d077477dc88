import type { HostReport } from './HostReport';

export type { HostReport } from './HostReport';

/** One registered host. The secret is the HMAC key of the agent's signed requests. */
export interface AgentRecord {
  hostId: string;
  secret: string;
  /** poolscale pool ids this host may report for and receive counts of. */
  poolIds: string[];
  lastSeenAt?: number;
  report?: HostReport;
  /** Desired count per host pool name, set by the evaluator, returned in heartbeats. */
  desired: Record<string, number>;
  version: number;
}

export interface AgentStore {
  get(hostId: string): Promise<AgentRecord | undefined>;
  /** Conditional on `expectedVersion` (0 = new); `record.version` = expected + 1. ConflictError otherwise. */
  put(record: AgentRecord, expectedVersion: number): Promise<void>;
  /**
   * Records a nonce as used until `expiresAt`; false when it was already used (a replay).
   * One conditional write: the first caller wins.
   */
  claimNonce(hostId: string, nonce: string, expiresAt: number): Promise<boolean>;
}
