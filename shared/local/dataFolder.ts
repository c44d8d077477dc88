/**
 * The data folder of `poolscale up` (default `.poolscale/data`): the embedded store's files,
 * the API token. Only this user may read it: the folder is 0700 and every file in it 0600
 * (agents' HMAC secrets and the token are in there).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TOKEN_FILE = 'token';
/** The default data folder, relative to the working directory (`up --data`, `POOLSCALE_DATA`). */
export const DEFAULT_DATA_DIR = '.poolscale/data';

/** Creates the folder if needed and makes it and everything in it private to this user. */
export function secureDataFolder(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  restrictTree(dir);
}

/** Folders 0700, files 0600, below `dir` (symbolic links are left alone, never followed). */
export function restrictTree(dir: string): void {
  chmodSync(dir, 0o700);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    try {
      if (entry.isDirectory()) restrictTree(path);
      else if (entry.isFile() && (lstatSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    } catch {
      // A file the store removed meanwhile (leveldb compaction).
    }
  }
}

/** The API token of this data folder, created (mode 0600) at first start. */
export function loadOrCreateToken(dir: string): string {
  secureDataFolder(dir);
  const existing = readToken(dir);
  if (existing) return existing;
  const token = randomBytes(32).toString('base64url');
  writeFileSync(join(dir, TOKEN_FILE), `${token}\n`, { mode: 0o600, flag: 'w' });
  chmodSync(join(dir, TOKEN_FILE), 0o600);
  return token;
}

/** The token stored in `dir`, or undefined when there is none (or it cannot be read). */
export function readToken(dir: string): string | undefined {
  try {
    const token = readFileSync(join(dir, TOKEN_FILE), 'utf8').trim();
    return token.length > 0 ? token : undefined;
  } catch {
    return undefined;
  }
}
