/**
 * Agent secrets at rest. The relay needs each host's HMAC key in clear to check signatures, so
 * a one-way hash cannot serve; instead the stores may keep the secret sealed with AES-256-GCM
 * under a key that is NOT in the table (an environment variable or a 0600 key file). The host
 * id is the additional authenticated data, so a sealed secret copied onto another host's
 * record does not open.
 *
 * Sealed form: `sealed:v1:<base64 iv(12) | tag(16) | ciphertext>`.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { PoolscaleError } from '../domain/errors';

export const SEALED_PREFIX = 'sealed:v1:';

/** Environment variable holding the sealing key: 32 random bytes, base64 (`openssl rand -base64 32`). */
export const SECRET_KEY_ENV = 'AGENT_SECRET_KEY';

/**
 * Environment variable naming a Secrets Manager secret that holds the sealing key (what the CDK
 * stack sets: it generates the secret, so the key never appears in the function configuration).
 */
export const SECRET_KEY_SECRET_ENV = 'AGENT_SECRET_KEY_SECRET_ARN';

/** Shortest generated passphrase accepted as key material (the stack generates 64 characters). */
const MIN_PASSPHRASE = 32;

export class SecretKeyError extends PoolscaleError {}

export const isSealed = (value: string): boolean => value.startsWith(SEALED_PREFIX);

export interface SecretBox {
  seal(secret: string, hostId: string): string;
  /** Throws SecretKeyError when the value was sealed with another key or for another host. */
  open(sealed: string, hostId: string): string;
}

/** A sealing key from its base64 text (32 bytes). `field` names where it came from in errors. */
export function parseSecretKey(text: string, field = SECRET_KEY_ENV): Buffer {
  const trimmed = text.trim();
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : Buffer.alloc(0);
  if (key.length !== 32) {
    throw new SecretKeyError(`${field} must be 32 random bytes in base64 (e.g. \`openssl rand -base64 32\`); got ${key.length === 0 ? 'no valid base64' : `${key.length} bytes`}`);
  }
  return key;
}

/**
 * The sealing key from the value of a Secrets Manager secret: either the JSON the stack generates,
 * `{"key": "<64 random characters>"}` (the key is SHA-256 of that text: a generated secret cannot
 * be raw bytes), or a plain 32-byte base64 key (`openssl rand -base64 32`) an operator stored.
 * `where` names the secret in errors; the value itself never appears in them.
 */
export function keyFromSecretValue(value: string, where: string): Buffer {
  const trimmed = value.trim();
  if (!trimmed.startsWith('{')) return parseSecretKey(trimmed, where);
  let key: unknown;
  try {
    key = (JSON.parse(trimmed) as { key?: unknown }).key;
  } catch {
    throw new SecretKeyError(`${where} is not valid JSON (expected {"key": "..."} or a base64 key)`);
  }
  if (typeof key !== 'string' || key.length < MIN_PASSPHRASE) {
    throw new SecretKeyError(`${where} must hold {"key": "<at least ${MIN_PASSPHRASE} random characters>"}; its "key" is ${typeof key === 'string' ? `${key.length} characters` : 'missing'}`);
  }
  return createHash('sha256').update(key, 'utf8').digest();
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new SecretKeyError(`sealing key must be 32 bytes (got ${key.length})`);
  return {
    seal(secret, hostId) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(hostId, 'utf8'));
      const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      return `${SEALED_PREFIX}${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
    },
    open(sealed, hostId) {
      if (!isSealed(sealed)) throw new SecretKeyError(`secret of host "${hostId}" is not sealed`);
      const raw = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64');
      if (raw.length < 29) throw new SecretKeyError(`sealed secret of host "${hostId}" is truncated`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        decipher.setAAD(Buffer.from(hostId, 'utf8'));
        decipher.setAuthTag(raw.subarray(12, 28));
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      } catch (error) {
        throw new SecretKeyError(`sealed secret of host "${hostId}" does not open with this key (another ${SECRET_KEY_ENV}, or moved from another host)`, { cause: error });
      }
    },
  };
}

/** The box from `AGENT_SECRET_KEY`, or undefined when it is not set (secrets then stored as given). */
export function secretBoxFromEnv(env: Record<string, string | undefined>): SecretBox | undefined {
  const text = env[SECRET_KEY_ENV];
  return text ? createSecretBox(parseSecretKey(text)) : undefined;
}
