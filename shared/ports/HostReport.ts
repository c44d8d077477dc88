/** What an on-host agent reports in each heartbeat. Memory in GiB, CPU in percent. */
export interface HostReport {
  at: number;
  memAvailableGb: number;
  memTotalGb: number;
  cpu: number;
  load1: number;
  /** Per worker pool on the host (the pool names of the agent's config). */
  pools: Record<string, { running: number; busy: number; rssGb: number; queueLength?: number }>;
  /** The agent evaluated on its own while the relay was unreachable. */
  offlineSince?: number;
}
