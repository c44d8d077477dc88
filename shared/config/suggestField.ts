/**
 * "Did you mean" for unknown fields: the closest field name any policy schema knows, when it is
 * a likely typo (case difference, or at most two edits for names longer than four letters).
 */
import * as policy from '../domain/policy';

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
  const lower = name.toLowerCase();
  let best: { field: string; distance: number } | undefined;
  for (const field of knownFields()) {
    if (field === name) continue;
    if (field.toLowerCase() === lower) return field;
    const distance = editDistance(lower, field.toLowerCase());
    if (!best || distance < best.distance) best = { field, distance };
  }
  const limit = name.length > 4 ? 2 : 1;
  return best && best.distance <= limit ? best.field : undefined;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
