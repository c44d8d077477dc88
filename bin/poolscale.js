#!/usr/bin/env node
// Thin launcher: registers the TypeScript loader (tsx) and runs the CLI, so `npx poolscale`
// works right after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../shared/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
