import { ConflictError } from '../../domain/errors';
import type { AgentRecord, AgentStore } from '../../ports/AgentStore';

/** Agent records and used nonces in memory, with DynamoDB's conditional semantics. */
export class MemoryAgentStore implements AgentStore {
  private readonly records = new Map<string, AgentRecord>();
  private readonly nonces = new Map<string, number>();

  constructor(private readonly now: () => number = () => 0) {}

  async get(hostId: string): Promise<AgentRecord | undefined> {
    const record = this.records.get(hostId);
    return record && structuredClone(record);
  }

  async put(record: AgentRecord, expectedVersion: number): Promise<void> {
    const stored = this.records.get(record.hostId)?.version ?? 0;
    if (stored !== expectedVersion || record.version !== expectedVersion + 1) {
      throw new ConflictError(`Agent record "${record.hostId}" changed concurrently (expected version ${expectedVersion}, found ${stored})`);
    }
    this.records.set(record.hostId, structuredClone(record));
  }

  async claimNonce(hostId: string, nonce: string, expiresAt: number): Promise<boolean> {
    const key = `${hostId}#${nonce}`;
    const existing = this.nonces.get(key);
    if (existing !== undefined && existing > this.now()) return false;
    this.nonces.set(key, expiresAt);
    return true;
  }
}
