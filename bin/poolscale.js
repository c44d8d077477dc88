#!/usr/bin/env node
// Launcher of the `poolscale` command. One CLI, two ways to load it, chosen by what is here:
// - A clone (shared/cli/main.ts beside this folder, and tsx, a devDependency, installed): the
//   TypeScript sources through tsx. Tests and `npm start` spawn this file, so they always run
//   the sources as edited, never a dist/ left by an older `npm run build`.
// - The installed package (`npm pack` ships dist/ but not the .ts sources, and tsx is not a
//   dependency): the compiled CLI, dist/esm/main.js (`npm run build`). No loader: --help starts
//   in about the time of Node itself. A clone installed without devDependencies (no tsx) runs
//   its dist/ too, as built last.
import { existsSync } from 'node:fs';

// The AWS SDK warns on every start that its future releases will need Node 22; poolscale pins
// its SDK versions, so in a CLI's output that notice is noise. Its own switch turns it off.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const source = new URL('../shared/cli/main.ts', import.meta.url);
const compiled = new URL('../dist/esm/main.js', import.meta.url);

function tsxInstalled() {
  try {
    import.meta.resolve('tsx/esm/api');
    return true;
  } catch {
    return false;
  }
}

let entry;
if (existsSync(source) && tsxInstalled()) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = source;
} else if (existsSync(compiled)) {
  entry = compiled;
} else {
  console.error('poolscale: neither the TypeScript sources with tsx (run `npm ci`) nor a build (run `npm run build`) is here.');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
