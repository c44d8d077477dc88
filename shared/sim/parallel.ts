/**
 * Independent simulation runs (the policy, each baseline, each oracle, each sweep point) as
 * jobs, run in this thread or, when asked, in worker threads. Results are the same either way:
 * every job is deterministic and runs on its own model.
 *
 * A thread runs `./simWorker.mjs` beside this module: in the sources that file loads them
 * through tsx; in the built package (dist/esm/, scripts/build.ts) it is the compiled entry.
 * Both call `serveJobs`.
 */
import { parentPort, Worker, workerData } from 'node:worker_threads';
import type { Policy } from '../domain/policy';
import { hpaController, oracle, staticController, targetTrackingController } from './baselines';
import type { HpaSettings, OracleOptions, TargetTrackingSettings } from './baselines';
import { runController, simulate } from './simulate';
import type { PoolRun, SimulateOptions } from './simulate';
import type { Trace } from './trace';

export type SimJob =
  | { kind: 'policy'; pool: Policy; options: SimulateOptions }
  | { kind: 'hpa'; settings: HpaSettings; options: SimulateOptions }
  | { kind: 'target-tracking'; settings: TargetTrackingSettings; options: SimulateOptions }
  | { kind: 'static'; count: number; interval: number; options: SimulateOptions }
  | { kind: 'oracle'; options: OracleOptions };

/** Runs one job in this thread. */
export async function runJob(job: SimJob, trace: Trace): Promise<PoolRun> {
  switch (job.kind) {
    case 'policy':
      return (await simulate({ version: 1, pools: [job.pool] }, trace, { ...job.options, poolIds: [job.pool.id] })).pools[0]!;
    case 'hpa':
      return runController(hpaController(job.settings), trace, job.options);
    case 'target-tracking':
      return runController(targetTrackingController(job.settings), trace, job.options);
    case 'static':
      return runController(staticController(job.count, job.interval), trace, job.options);
    case 'oracle':
      return oracle(trace, job.options);
  }
}

type JobReply = { ok: true; run: PoolRun } | { ok: false; error: string };

/**
 * The worker thread's side: runs each job posted to it on the trace it was started with
 * (`workerData.trace`) and posts back the run or the error.
 */
export function serveJobs(): void {
  const port = parentPort;
  if (!port) throw new Error('serveJobs runs in a worker thread started by runJobs');
  const { trace } = workerData as { trace: Trace };
  port.on('message', async (job: SimJob) => {
    let reply: JobReply;
    try {
      reply = { ok: true, run: await runJob(job, trace) };
    } catch (error) {
      reply = { ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    }
    port.postMessage(reply);
  });
}

export interface ParallelOptions {
  /**
   * Worker threads (at most one per job). Default 0: this thread. Each thread first loads the
   * simulator (1.5-2.5 s of CPU from the TypeScript sources through tsx); measured on a busy
   * 2-core machine, threads made a month's sweep slower (bench/RESULTS.md), so they are opt-in
   * (`--threads N`).
   */
  threads?: number;
  onProgress?: (fraction: number) => void;
}

/** Runs every job (in worker threads when asked); results in job order. */
export async function runJobs(jobs: SimJob[], trace: Trace, options: ParallelOptions = {}): Promise<PoolRun[]> {
  const threads = Math.min(jobs.length, Math.max(0, Math.floor(options.threads ?? 0)));
  const results = new Array<PoolRun>(jobs.length);
  let done = 0;
  if (threads <= 1) {
    for (let i = 0; i < jobs.length; i += 1) {
      results[i] = await runJob(jobs[i]!, trace);
      options.onProgress?.(++done / jobs.length);
    }
    return results;
  }
  let next = 0;
  const workers: Worker[] = [];
  try {
    await Promise.all(
      Array.from({ length: threads }, async () => {
        const worker = new Worker(new URL('./simWorker.mjs', import.meta.url), { workerData: { trace } });
        workers.push(worker);
        while (next < jobs.length) {
          const index = next++;
          results[index] = await new Promise<PoolRun>((resolve, reject) => {
            const onMessage = (message: JobReply) => {
              worker.off('error', reject);
              if (message.ok) resolve(message.run);
              else reject(new Error(message.error));
            };
            worker.once('message', onMessage);
            worker.once('error', reject);
            worker.postMessage(jobs[index]);
          });
          options.onProgress?.(++done / jobs.length);
        }
      }),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
