import { ConflictError, NotFoundError } from '../../domain/errors';
import { NonceStoreFullError, type AgentRecord, type AgentStore, type AgentSummary, type HostReport } from '../../ports/AgentStore';
import { isHostId } from '../../relay/hostId';

export interface MemoryAgentStoreOptions {
  /** Most unexpired nonces kept; beyond it claims fail with NonceStoreFullError (default 100,000). */
  maxNonces?: number;
}

/**
 * Agent records and used nonces in memory, with DynamoDB's conditional semantics. Expired
 * nonces are pruned as new ones arrive, so memory stays bounded by the replay window.
 */
export class MemoryAgentStore implements AgentStore {
  private readonly records = new Map<string, AgentRecord>();
  private readonly nonces = new Map<string, number>();
  private readonly maxNonces: number;
  private pruneAt: number;

  constructor(
    private readonly now: () => number = () => 0,
    options: MemoryAgentStoreOptions = {},
  ) {
    this.maxNonces = options.maxNonces ?? 100_000;
    this.pruneAt = Math.min(this.maxNonces, 1024);
  }

  async get(hostId: string): Promise<AgentRecord | undefined> {
    if (!isHostId(hostId)) return undefined;
    const record = this.records.get(hostId);
    return record && structuredClone(record);
  }

  async put(record: AgentRecord, expectedVersion: number): Promise<void> {
    if (!isHostId(record.hostId)) throw new ConflictError(`"${record.hostId}" is not a valid host id`);
    const stored = this.records.get(record.hostId)?.version ?? 0;
    if (stored !== expectedVersion || record.version !== expectedVersion + 1) {
      throw new ConflictError(`Agent record "${record.hostId}" changed concurrently (expected version ${expectedVersion}, found ${stored})`);
    }
    this.records.set(record.hostId, structuredClone(record));
  }

  async setDesired(hostId: string, pool: string, desired: number): Promise<void> {
    const record = this.existing(hostId);
    // A copy with `pool` as an own property: any name ("constructor", "__proto__") is stored as given.
    record.desired = { ...record.desired };
    Object.defineProperty(record.desired, pool, { value: desired, enumerable: true, writable: true, configurable: true });
    record.version += 1;
  }

  async recordReport(hostId: string, report: HostReport, at: number): Promise<void> {
    const record = this.existing(hostId);
    record.report = structuredClone(report);
    record.lastSeenAt = at;
    record.version += 1;
  }

  async claimNonce(hostId: string, nonce: string, expiresAt: number, now: number = this.now()): Promise<boolean> {
    const key = `${hostId}#${nonce}`;
    const existing = this.nonces.get(key);
    if (existing !== undefined && existing >= now) return false;
    if (this.nonces.size >= this.pruneAt) this.prune(now);
    if (this.nonces.size >= this.maxNonces) {
      throw new NonceStoreFullError(`More than ${this.maxNonces} signed requests within the replay window; retry later`);
    }
    this.nonces.delete(key);
    this.nonces.set(key, expiresAt);
    return true;
  }

  /** Removes expired nonces; returns how many are kept. */
  prune(now: number = this.now()): number {
    for (const [key, expiresAt] of this.nonces) if (expiresAt < now) this.nonces.delete(key);
    // Amortised: the next sweep when the map has doubled (or reached the cap).
    this.pruneAt = Math.min(this.maxNonces, Math.max(1024, this.nonces.size * 2));
    return this.nonces.size;
  }

  /** How many nonces are held (for tests and the local status). */
  get nonceCount(): number {
    return this.nonces.size;
  }

  async list(): Promise<AgentSummary[]> {
    return [...this.records.values()]
      .sort((a, b) => (a.hostId < b.hostId ? -1 : a.hostId > b.hostId ? 1 : 0))
      .map(({ secret: _secret, ...rest }) => structuredClone(rest));
  }

  async delete(hostId: string): Promise<boolean> {
    return isHostId(hostId) && this.records.delete(hostId);
  }

  private existing(hostId: string): AgentRecord {
    const record = isHostId(hostId) ? this.records.get(hostId) : undefined;
    if (!record) throw new NotFoundError(`Agent "${hostId}" is not registered`);
    return record;
  }
}
