/**
 * Elasticity metrics, as defined by the SPEC Research Group's cloud working group:
 * N. Herbst, A. van Hoorn, A. Iosup et al., "Ready for Rain? A View from SPEC Research on the
 * Future of Cloud Metrics", SPEC RG Tech. Report SPEC-RG-2016-01 (and the BUNGEE benchmark,
 * Herbst et al., SEAMS 2015). With demand d_t and supply s_t sampled per trace row of length
 * Δt, T the total time:
 *  - θ_U, θ_O (time share under/over-provisioned, %): 100/T · Σ [d_t > s_t] Δt (resp. s_t > d_t)
 *  - a_U, a_O (under/over-provisioning accuracy, %): 100/T · Σ max(d_t - s_t, 0)/d_t Δt (resp.
 *    max(s_t - d_t, 0)/d_t); where d_t = 0 we divide by 1 worker so idle excess still counts
 *  - υ instability (%): 100/(T - Δt_1) · Σ_{t≥2} min(|sgn Δs_t - sgn Δd_t|, 1) Δt: the share of
 *    time supply and demand do not move in the same direction
 *  - j jitter (adaptations per hour): (E_S - E_D)/T, supply adaptations minus demand changes;
 *    negative: the supply reacts to fewer changes than the demand makes (too inert)
 * plus cost (worker-hours), scale events per hour, and the job waits of the queue model.
 */
import type { WaitStats } from './SimModel';

export interface SeriesInput {
  /** Demand in workers per row; NaN where unknown (such rows are left out). */
  demand: ArrayLike<number>;
  /** Serving workers per row (mean over the row). */
  supply: ArrayLike<number>;
  /** Duration of each row in seconds, or one duration for all rows. */
  rowSeconds: ArrayLike<number> | number;
}

export interface Summary {
  hours: number;
  workerHours: number;
  /** workerHours divided by the fair oracle's (min respected, startup paid; set by the comparison; 1 for that oracle). */
  xOracle?: number;
  /** workerHours divided by the unconstrained oracle's (no min, no startup paid). */
  xOracleNoStartup?: number;
  underTimePct: number;
  overTimePct: number;
  underAccuracyPct: number;
  overAccuracyPct: number;
  instabilityPct: number;
  jitterPerHour: number;
  scaleEvents: number;
  eventsPerHour: number;
  maxSupply: number;
  maxDemand: number;
  /** Closed loop only. */
  waitP95Seconds?: number;
  waitMeanSeconds?: number;
  overSloPct?: number;
  jobs?: number;
  unfinishedJobs?: number;
}

/** Small tolerance: supply is a time mean, so 2.9999999 workers is 3. */
const EPSILON = 1e-6;

const sign = (x: number) => (x > EPSILON ? 1 : x < -EPSILON ? -1 : 0);

export function elasticity(input: SeriesInput) {
  const { demand, supply } = input;
  const n = Math.min(demand.length, supply.length);
  const dt = (i: number) => (typeof input.rowSeconds === 'number' ? input.rowSeconds : input.rowSeconds[i]!);
  let total = 0;
  let under = 0;
  let over = 0;
  let underAmount = 0;
  let overAmount = 0;
  let unstable = 0;
  let unstableTotal = 0;
  let supplyChanges = 0;
  let demandChanges = 0;
  let previous = -1;
  let maxSupply = 0;
  let maxDemand = 0;
  for (let i = 0; i < n; i += 1) {
    const d = demand[i]!;
    const s = supply[i]!;
    if (s > maxSupply) maxSupply = s;
    if (Number.isNaN(d)) continue;
    if (d > maxDemand) maxDemand = d;
    const span = dt(i);
    total += span;
    const base = Math.max(d, 1);
    if (d - s > EPSILON) {
      under += span;
      underAmount += ((d - s) / base) * span;
    } else if (s - d > EPSILON) {
      over += span;
      overAmount += ((s - d) / base) * span;
    }
    if (previous >= 0) {
      const ds = sign(s - supply[previous]!);
      const dd = sign(d - demand[previous]!);
      if (ds !== 0) supplyChanges += 1;
      if (dd !== 0) demandChanges += 1;
      if (ds !== dd) unstable += span;
      unstableTotal += span;
    }
    previous = i;
  }
  const pct = (x: number, of: number) => (of > 0 ? (100 * x) / of : 0);
  return {
    seconds: total,
    underTimePct: pct(under, total),
    overTimePct: pct(over, total),
    underAccuracyPct: pct(underAmount, total),
    overAccuracyPct: pct(overAmount, total),
    instabilityPct: pct(unstable, unstableTotal),
    jitterPerHour: total > 0 ? ((supplyChanges - demandChanges) * 3600) / total : 0,
    maxSupply,
    maxDemand,
  };
}

export interface SummaryInput extends SeriesInput {
  /** Workers paid for, integrated over time (seconds). */
  workerSeconds: number;
  /** Length of the run in seconds (for rates). */
  seconds: number;
  scaleEvents: number;
  waits?: WaitStats;
}

export function summarize(input: SummaryInput): Summary {
  const e = elasticity(input);
  const hours = input.seconds / 3600;
  const summary: Summary = {
    hours,
    workerHours: input.workerSeconds / 3600,
    underTimePct: e.underTimePct,
    overTimePct: e.overTimePct,
    underAccuracyPct: e.underAccuracyPct,
    overAccuracyPct: e.overAccuracyPct,
    instabilityPct: e.instabilityPct,
    jitterPerHour: e.jitterPerHour,
    scaleEvents: input.scaleEvents,
    eventsPerHour: hours > 0 ? input.scaleEvents / hours : 0,
    maxSupply: e.maxSupply,
    maxDemand: e.maxDemand,
  };
  if (input.waits) {
    summary.waitP95Seconds = input.waits.p95;
    summary.waitMeanSeconds = input.waits.mean;
    summary.overSloPct = input.waits.overSlo * 100;
    summary.jobs = input.waits.jobs;
    summary.unfinishedJobs = input.waits.unfinished;
  }
  return summary;
}
