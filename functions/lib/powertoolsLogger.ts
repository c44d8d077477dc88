import type { Logger } from '@aws-lambda-powertools/logger';
import type { FunctionLogger } from './FunctionLogger';

type Level = 'debug' | 'info' | 'warn' | 'error';
type Attributes = Exclude<Parameters<Logger['info']>[1], string | Error | undefined>;

/** Powertools' Logger as a FunctionLogger: structured extra keys go in as log attributes. */
export function powertoolsLogger(logger: Logger): FunctionLogger {
  const at = (level: Level) => (message: string, extra?: Record<string, unknown>) => {
    if (extra) logger[level](message, extra as Attributes);
    else logger[level](message);
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), addContext: (context) => logger.addContext(context) };
}
