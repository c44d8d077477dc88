/**
 * The data folder of `poolscale up` (default `.poolscale/data`): the embedded store's files,
 * the API token. Only this user may read it: the folder is 0700 and every file in it 0600
 * (agents' HMAC secrets and the token are in there).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TOKEN_FILE = 'token';
/** The default data folder, relative to the working directory (`up --data`, `POOLSCALE_DATA`). */
export const DEFAULT_DATA_DIR = '.poolscale/data';

/** Creates the folder if needed and makes it and everything in it private to this user. */
export function secureDataFolder(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  restrictTree(dir);
}

/**
 * The files poolscale and the store (LevelDB: `000123.ldb`, `000124.log`, `CURRENT`, `LOCK`,
 * `LOG`, `LOG.old`, `MANIFEST-000002`) keep in the data folder. Only these are touched, so a
 * `--data` pointing at a folder with other files does not change theirs.
 */
const OWN_FILE = /^(\d+\.(ldb|log|sst)|CURRENT|LOCK|LOG|LOG\.old|MANIFEST-\d+|token|up\.pid|seeded-pools\.json(\.tmp)?)$/;

/** The folder 0700 and the store's and poolscale's files in it 0600 (links are never followed). */
export function restrictTree(dir: string): void {
  chmodSync(dir, 0o700);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile() || !OWN_FILE.test(entry.name)) continue;
    const path = join(dir, entry.name);
    try {
      if ((lstatSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    } catch {
      // A file the store removed meanwhile (LevelDB compaction).
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

const LOCK_FILE = 'up.pid';

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Claims the data folder for this process (the store's files allow one writer): the file
 * `up.pid` holds our pid. A folder held by a live process is refused with a clear error
 * instead of a store that never opens; a pid file left by a process that died is taken over.
 * Returns the release function.
 */
export function lockDataFolder(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { mode: 0o600, flag: 'wx' });
      return () => {
        try {
          if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path);
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isRunning(holder)) {
        throw new Error(`The data folder ${dir} is in use by another poolscale up (pid ${holder}); stop it or use --data with another folder`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new Error(`Could not lock the data folder ${dir}`);
}

const SEEDED_FILE = 'seeded-pools.json';

/**
 * Ids of the pools a config file has written into this data folder's store. A pool listed here
 * but missing from the store was deleted through the API, and a restart must not bring it back.
 */
export function readSeededPools(dir: string): Set<string> {
  try {
    const ids = JSON.parse(readFileSync(join(dir, SEEDED_FILE), 'utf8')) as unknown;
    return new Set(Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : []);
  } catch {
    return new Set();
  }
}

export function writeSeededPools(dir: string, ids: Iterable<string>): void {
  const path = join(dir, SEEDED_FILE);
  writeFileSync(`${path}.tmp`, `${JSON.stringify([...new Set(ids)].sort())}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}
