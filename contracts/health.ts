import { z } from 'zod';

export const DependencyStatus = z.object({ status: z.enum(['up', 'down']), latencyMs: z.number(), error: z.string().optional() });
export const HealthResponse = z.object({
  status: z.enum(['ok', 'degraded']),
  checks: z.object({ database: DependencyStatus, temporal: DependencyStatus }),
});
export type HealthResponse = z.infer<typeof HealthResponse>;
