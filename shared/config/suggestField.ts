/**
 * "Did you mean" for unknown fields: the closest field name any policy schema knows, when it is
 * a likely typo (case difference, or at most two edits for names longer than four letters).
 */
import * as policy from '../domain/policy';
import { closest } from './closest';

let known: string[] | undefined;

/** Every field name of every object schema in the policy model. */
function knownFields(): string[] {
  if (known) return known;
  const names = new Set<string>();
  for (const value of Object.values(policy)) {
    const shape = (value as { shape?: Record<string, unknown> } | undefined)?.shape;
    if (shape && typeof shape === 'object') for (const key of Object.keys(shape)) names.add(key);
  }
  known = [...names];
  return known;
}

export function suggestField(name: string): string | undefined {
  return closest(name, knownFields());
}
