/**
 * Stand-alone entry of the agent (`poolscale agent` without the rest of the CLI), for a
 * bundled deployment on hosts: `npx esbuild shared/agent/main.ts --bundle --platform=node
 * --format=esm --outfile=dist/poolscale-agent.mjs` then `node dist/poolscale-agent.mjs --config
 * agent.yaml` (no TypeScript loader in memory: about half the RSS of `npx poolscale agent`).
 */
import { processIo } from '../cli/io';
import { run } from '../cli/commands/agent';

process.exitCode = await run(process.argv.slice(2), processIo());
