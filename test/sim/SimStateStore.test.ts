import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../shared/domain/errors';
import { initialState } from '../../shared/domain/types';
import { SimStateStore } from '../../shared/sim/SimStateStore';

describe('Class: SimStateStore', () => {
  it.each([
    { case: 'a new pool at version 0', stored: undefined, expected: 0, version: 1, ok: true },
    { case: 'the next version', stored: 1, expected: 1, version: 2, ok: true },
    { case: 'a stale expected version', stored: 2, expected: 1, version: 2, ok: false },
    { case: 'a version that skips one', stored: 1, expected: 1, version: 3, ok: false },
  ])('keeps the conditional-write contract: $case', async ({ stored, expected, version, ok }) => {
    // Prepare
    const store = new SimStateStore();
    if (stored !== undefined) {
      for (let v = 1; v <= stored; v += 1) await store.put({ ...initialState('p'), version: v }, v - 1);
    }

    // Act
    const put = store.put({ ...initialState('p'), version }, expected);

    // Assess
    if (ok) {
      await put;
      expect((await store.get('p'))?.version).toBe(version);
    } else await expect(put).rejects.toBeInstanceOf(ConflictError);
  });
});
