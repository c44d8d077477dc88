// Issue 9 item 1 with task_acks_late on: see drainScenario.ts.
import { drainScenario } from './drainScenario';

drainScenario(true);
