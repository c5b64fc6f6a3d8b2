import { z } from 'zod';

// Public: up or down only. Why a dependency is down (addresses, driver messages) goes to the API's log.
export const DependencyStatus = z.object({ status: z.enum(['up', 'down']) });
export const HealthResponse = z.object({
  status: z.enum(['ok', 'degraded']),
  checks: z.object({ database: DependencyStatus, temporal: DependencyStatus }),
});
export type HealthResponse = z.infer<typeof HealthResponse>;
