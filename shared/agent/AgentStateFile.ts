import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Policy } from '../domain/policy';
import type { PoolState } from '../domain/types';
import type { SavedPool } from './supervisors/Supervisor';

/** What survives an agent restart: its workers (to adopt), the last counts and policies. */
export interface AgentState {
  version: 1;
  /** The running agent's pid, status port and control token (for `poolscale agent status|stop`). */
  agentPid?: number;
  statusPort?: number;
  controlToken?: string;
  pools: Record<string, SavedPool>;
  desired: Record<string, number>;
  /** The relay's last policies by pool name, for offline evaluation. */
  policies: Record<string, Policy>;
  /** Engine state of offline evaluation, by pool name. */
  localStates: Record<string, PoolState>;
  offlineSince?: number;
  savedAt: number;
}

export const emptyAgentState = (): AgentState => ({ version: 1, pools: {}, desired: {}, policies: {}, localStates: {}, savedAt: 0 });

export function readAgentState(path: string): AgentState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const state = JSON.parse(text) as AgentState;
    return state.version === 1 ? { ...emptyAgentState(), ...state } : undefined;
  } catch {
    return undefined;
  }
}

/** Atomic (write then rename) and private: it holds the control token. */
export function writeAgentState(path: string, state: AgentState): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(state), { mode: 0o600 });
  renameSync(temporary, path);
}
