// Worker thread for shared/sim/parallel.ts when it runs from the TypeScript sources: loads them
// through tsx (as bin/poolscale.js does in a clone), then serves the jobs posted to it. The
// built package has its own compiled worker of the same name (dist/esm/simWorker.mjs, made by
// scripts/build.ts), which calls the same `serveJobs` without tsx.
import { register } from 'tsx/esm/api';

register();
const { serveJobs } = await import('./parallel.ts');
serveJobs();
