import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lockDataFolder, secureDataFolder } from '../../shared/local/dataFolder';

describe('Function: secureDataFolder / lockDataFolder', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const folder = () => {
    const dir = mkdtempSync(join(tmpdir(), 'poolscale-datafolder-'));
    dirs.push(dir);
    return dir;
  };
  const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

  it("makes the folder 0700 and the store's files 0600, and leaves other files alone", () => {
    // Prepare
    const dir = folder();
    chmodSync(dir, 0o755);
    for (const name of ['000005.ldb', '000006.log', 'CURRENT', 'MANIFEST-000002', 'LOG', 'token', 'script.sh', 'notes.txt']) {
      writeFileSync(join(dir, name), 'x', { mode: name === 'script.sh' ? 0o755 : 0o644 });
    }

    // Act
    secureDataFolder(dir);

    // Assess
    expect(mode(dir)).toBe('700');
    for (const name of ['000005.ldb', '000006.log', 'CURRENT', 'MANIFEST-000002', 'LOG', 'token']) expect(mode(join(dir, name))).toBe('600');
    expect(mode(join(dir, 'script.sh'))).toBe('755');
    expect(mode(join(dir, 'notes.txt'))).toBe('644');
  });

  it('creates missing folders 0700', () => {
    const dir = join(folder(), 'a', 'b');
    secureDataFolder(dir);
    expect(mode(dir)).toBe('700');
    expect(mode(join(dir, '..'))).toBe('700');
  });

  it('refuses a folder held by a live process and takes over one left by a dead process', () => {
    // Prepare: a live holder (this test's parent process) and a dead one.
    const dir = folder();
    writeFileSync(join(dir, 'up.pid'), `${process.ppid}\n`);

    // Act / Assess
    expect(() => lockDataFolder(dir)).toThrow(`in use by another poolscale up (pid ${process.ppid})`);
    writeFileSync(join(dir, 'up.pid'), '999999999\n');
    const release = lockDataFolder(dir);
    expect(readFileSync(join(dir, 'up.pid'), 'utf8').trim()).toBe(String(process.pid));
    release();
    expect(existsSync(join(dir, 'up.pid'))).toBe(false);
  });
});
