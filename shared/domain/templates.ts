import type { TemplateName } from './policy';

/**
 * Seed 002 policy templates (DSPex `@policy_templates`), values exactly as in the seed.
 * Durations in milliseconds, thresholds as utilization ratios.
 */
export interface TemplateValues {
  scaleUpThreshold: number;
  scaleDownThreshold: number;
  cooldownUp: number;
  cooldownDown: number;
  increment: number;
  predictive: boolean;
  costOptimization: boolean;
  emergency?: { threshold: number; maxEmergencyWorkers: number; timeout: number };
}

export const TEMPLATES: Readonly<Record<TemplateName, TemplateValues>> = {
  conservative: {
    scaleUpThreshold: 0.8,
    scaleDownThreshold: 0.3,
    cooldownUp: 300_000,
    cooldownDown: 600_000,
    increment: 1,
    predictive: false,
    costOptimization: false,
  },
  aggressive: {
    scaleUpThreshold: 0.6,
    scaleDownThreshold: 0.2,
    cooldownUp: 60_000,
    cooldownDown: 180_000,
    increment: 2,
    predictive: true,
    costOptimization: false,
  },
  cost_optimized: {
    scaleUpThreshold: 0.9,
    scaleDownThreshold: 0.1,
    cooldownUp: 180_000,
    cooldownDown: 300_000,
    increment: 1,
    predictive: true,
    costOptimization: true,
  },
  high_performance: {
    scaleUpThreshold: 0.5,
    scaleDownThreshold: 0.4,
    cooldownUp: 30_000,
    cooldownDown: 120_000,
    increment: 3,
    predictive: false,
    costOptimization: false,
    emergency: { threshold: 0.95, maxEmergencyWorkers: 10, timeout: 15_000 },
  },
};
