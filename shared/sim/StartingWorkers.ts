/**
 * Workers asked for but not serving yet, in batches by the time their startup ends. Both
 * simulator models use it: scale-up adds a batch, time passing makes batches ready, and a
 * scale-in cancels starting workers first, newest first (they cost nothing to cancel).
 */
export class StartingWorkers {
  private readonly readyAt: number[] = [];
  private readonly counts: number[] = [];
  /** Workers starting now. */
  count = 0;

  add(workers: number, readyAt: number): void {
    this.readyAt.push(readyAt);
    this.counts.push(workers);
    this.count += workers;
  }

  /** When the next batch starts serving (Infinity when none is starting). */
  nextReadyAt(): number {
    return this.readyAt[0] ?? Number.POSITIVE_INFINITY;
  }

  /** Removes and returns the workers whose startup has ended by `now`. */
  takeReady(now: number): number {
    let ready = 0;
    while (this.readyAt.length > 0 && this.readyAt[0]! <= now) {
      ready += this.counts.shift()!;
      this.readyAt.shift();
    }
    this.count -= ready;
    return ready;
  }

  /** Cancels up to `workers` starting workers, newest first; returns how many were cancelled. */
  cancel(workers: number): number {
    let cancelled = 0;
    while (cancelled < workers && this.counts.length > 0) {
      const last = this.counts.length - 1;
      const take = Math.min(workers - cancelled, this.counts[last]!);
      this.counts[last]! -= take;
      cancelled += take;
      if (this.counts[last] === 0) {
        this.counts.pop();
        this.readyAt.pop();
      }
    }
    this.count -= cancelled;
    return cancelled;
  }
}
