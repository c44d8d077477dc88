// Worker thread for shared/sim/parallel.ts: loads the TypeScript sources through tsx (as
// bin/poolscale.js does), then runs each job posted to it on the trace it was started with.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { runJob } = await import('./parallel.ts');
parentPort.on('message', async (job) => {
  try {
    parentPort.postMessage({ ok: true, run: await runJob(job, workerData.trace) });
  } catch (error) {
    parentPort.postMessage({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});
