import type { Clock } from '../ports/Clock';

/** A clock the simulator moves by hand: epoch ms of the trace start plus simulated seconds. */
export class SimClock implements Clock {
  private current: number;
  constructor(readonly startMs: number) {
    this.current = startMs;
  }
  now(): number {
    return this.current;
  }
  /** Sets the time to `seconds` after the trace start. */
  setSeconds(seconds: number): void {
    this.current = this.startMs + Math.round(seconds * 1000);
  }
}
