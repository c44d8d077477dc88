import type { CliIo } from '../io';

export const summary = 'not built yet';

export async function run(_argv: string[], io: CliIo): Promise<number> {
  io.err('poolscale: this command is not available in this build yet');
  return 2;
}
