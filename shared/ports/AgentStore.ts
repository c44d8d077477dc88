import { StorageError } from '../domain/errors';
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
  /** Epoch ms the host was enrolled and its secret last rotated (hosts API). */
  createdAt?: number;
  secretRotatedAt?: number;
}

/** A host as listed: everything but the secret, which never leaves the store in a listing. */
export type AgentSummary = Omit<AgentRecord, 'secret'>;

export interface AgentStore {
  /** Undefined for an unknown host and for any id that is not a valid host id (never another item). */
  get(hostId: string): Promise<AgentRecord | undefined>;
  /** Conditional on `expectedVersion` (0 = new); `record.version` = expected + 1. ConflictError otherwise. */
  put(record: AgentRecord, expectedVersion: number): Promise<void>;
  /**
   * Sets one pool's desired count, leaving every other field (other pools' counts, the report)
   * as it is: one merging write, so writers of different pools of a host never conflict.
   * NotFoundError when the host is not registered.
   */
  setDesired(hostId: string, pool: string, desired: number): Promise<void>;
  /** Stores the host's latest report and `lastSeenAt` (one merging write). NotFoundError when not registered. */
  recordReport(hostId: string, report: HostReport, at: number): Promise<void>;
  /**
   * Records a nonce as used until `expiresAt`; false when it was already used (a replay).
   * One conditional write: the first caller wins. A nonce whose `expiresAt` is before `now`
   * no longer counts (its request's timestamp is outside the allowed skew anyway).
   */
  claimNonce(hostId: string, nonce: string, expiresAt: number, now: number): Promise<boolean>;
  /** Every registered host, without secrets, ordered by host id. */
  list(): Promise<AgentSummary[]>;
  /** Removes a host; false when it was not registered. */
  delete(hostId: string): Promise<boolean>;
}

/**
 * The store keeps at most a bounded number of unexpired nonces (the in-memory store): a host
 * that signs more requests than that within the replay window is told to slow down (HTTP 429).
 */
export class NonceStoreFullError extends StorageError {}
