import { randomBytes } from 'node:crypto';
import { PreconditionFailedError } from '../domain/errors';
import type { PolicyWriteCondition } from '../ports/PolicyStore';

/** A fresh policy revision: 96 random bits, so a pool deleted and created again never repeats one. */
export const newPolicyRevision = (): string => randomBytes(12).toString('base64url');

/** The error of a failed write condition, worded for the person who sent If-Match. */
export function preconditionFailed(poolId: string, condition: PolicyWriteCondition, current: string | undefined): PreconditionFailedError {
  if (condition.absent) return new PreconditionFailedError(`Pool "${poolId}" already exists`, current);
  if (current === undefined) return new PreconditionFailedError(`Pool "${poolId}" does not exist (it was deleted or never created)`);
  return new PreconditionFailedError(
    `Pool "${poolId}" changed since it was read (expected revision "${condition.revision}", now "${current}"): read it again, re-apply the change and retry`,
    current,
  );
}
