#!/usr/bin/env node
// Thin launcher: registers the TypeScript loader (tsx) and runs the CLI, so `npx poolscale`
// works right after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

// The AWS SDK warns on every start that its future releases will need Node 22; poolscale pins
// its SDK versions, so in a CLI's output that notice is noise. Its own switch turns it off.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
const { main } = await import('../shared/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
