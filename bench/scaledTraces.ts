/**
 * Larger traffic built from ../shared/traces, for checking that a policy generalises beyond the
 * pool sizes of the recorded traces (10-100 workers of load on nasa, a few hundred on diurnal).
 * None of these are recordings; they are deterministic (seeded) transformations:
 *  - `sum10-nasa`: nasa's whole days (the last partial day dropped, so a rotated copy keeps its
 *    daily phase) summed with 9 copies of themselves, each rotated by a different number of
 *    whole days (1-26), so ten sources with the same daily cycle add up (bursts of one source
 *    stay bursts);
 *  - `sum10-flash`: the flash-crowd trace summed with 9 copies shifted by different amounts of
 *    1-30 minutes either way;
 *  - `smooth10-diurnal`: Poisson arrivals at 10x the 31-minute moving mean of the diurnal trace
 *    (a large, smooth pool: its spikes become 31-minute ramps);
 *  - `x5-nasa`: Poisson arrivals at 5x nasa's per-minute count times a log-normal factor
 *    (sigma 0.2): larger web traffic whose noise grows in proportion to the load, not as its
 *    square root.
 * Used by `npx tsx bench/acceptance.ts --scaled`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTrace } from '../shared/sim/trace';
import { prng } from './prng';

function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** A Poisson sample: Knuth's product method up to mean 60, the normal approximation above. */
export function poisson(mean: number, random: () => number): number {
  if (!(mean > 0)) return 0;
  if (mean > 60) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(random)));
  const limit = Math.exp(-mean);
  let k = 0;
  let p = random();
  while (p > limit) {
    k += 1;
    p *= random();
  }
  return k;
}

function arrivals(dir: string, file: string): number[] {
  return Array.from(parseTrace(readFileSync(join(dir, file), 'utf8')).columns.arrivals!);
}

function csv(counts: number[]): string {
  return `t_seconds,arrivals\n${counts.map((n, i) => `${i * 60},${n}`).join('\n')}\n`;
}

/** `base` plus one copy rotated by each of `shifts` rows. */
function sumRotated(base: number[], shifts: number[]): number[] {
  const out = base.slice();
  for (const by of shifts) {
    for (let i = 0; i < out.length; i += 1) out[i]! += base[(((i + by) % base.length) + base.length) % base.length]!;
  }
  return out;
}

/** `count` different integers drawn from [from, to]. */
function distinct(count: number, from: number, to: number, random: () => number): number[] {
  const picked = new Set<number>();
  while (picked.size < count) picked.add(from + Math.floor(random() * (to - from + 1)));
  return [...picked];
}

/** The scaled traces as CSV text, by name; `dir` holds the recorded traces. */
export function scaledTraces(dir: string): { name: string; csv: string }[] {
  const nasa = arrivals(dir, 'nasa_http_1995_07.csv');
  const flash = arrivals(dir, 'synthetic-flash-crowd-2d.csv');
  const diurnal = arrivals(dir, 'synthetic-diurnal-4w.csv');
  const days = nasa.slice(0, Math.floor(nasa.length / 1440) * 1440);
  const sum10Nasa = sumRotated(days, distinct(9, 1, days.length / 1440 - 1, prng(7)).map((d) => d * 1440));
  // Shifts 1..30 minutes either way: 31..60 stand for -1..-30.
  const sum10Flash = sumRotated(flash, distinct(9, 1, 60, prng(8)).map((x) => (x <= 30 ? x : 30 - x)));
  const random = prng(9);
  const smooth = diurnal.map((_, i) => {
    const from = Math.max(0, i - 15);
    const to = Math.min(diurnal.length, i + 16);
    let sum = 0;
    for (let j = from; j < to; j += 1) sum += diurnal[j]!;
    return poisson((10 * sum) / (to - from), random);
  });
  const noisy = prng(3);
  const x5Nasa = nasa.map((n) => poisson(5 * n * Math.exp(0.2 * gaussian(noisy)), noisy));
  return [
    { name: 'sum10-nasa', csv: csv(sum10Nasa) },
    { name: 'sum10-flash', csv: csv(sum10Flash) },
    { name: 'smooth10-diurnal', csv: csv(smooth) },
    { name: 'x5-nasa', csv: csv(x5Nasa) },
  ];
}
