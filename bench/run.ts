/**
 * `npm run bench [-- name ...]`: runs every `bench/*.bench.ts` (or the named ones) in turn.
 * Each bench module default-exports `{ name, description, run(log) }` and prints its own
 * figures; bench/RESULTS.md records them with the command, date and machine.
 */
import { readdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface Bench {
  name: string;
  description: string;
  run(log: (line: string) => void): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort()
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)));

console.log(`# poolscale bench — ${new Date().toISOString()}`);
console.log(`# node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`);
if (files.length === 0) {
  console.error(`no bench matches ${wanted.join(' ')}`);
  process.exitCode = 2;
}
for (const file of files) {
  const bench = ((await import(pathToFileURL(join(here, file)).href)) as { default: Bench }).default;
  console.log(`\n## ${bench.name}: ${bench.description}`);
  const started = performance.now();
  await bench.run((line) => console.log(line));
  console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
