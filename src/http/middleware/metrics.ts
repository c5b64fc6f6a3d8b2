import type { NextFunction, Request, Response } from 'express';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

function metric<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

/**
 * A request is in flight while its response is open or its handler still runs: an export whose client left
 * keeps counting until its handler has let go of the database, which is what the gauge is for.
 */
interface InFlight { hold(): () => void }

const IN_FLIGHT = Symbol('inFlight');

/** Keeps the request counted as in flight until the returned release runs (route handlers hold it while they run). */
export function holdInFlight(res: Response): () => void {
  const tracker = (res.locals as Record<symbol, InFlight | undefined>)[IN_FLIGHT];
  return tracker ? tracker.hold() : () => undefined;
}

/** HTTP latency by method, matched route (not raw URL: ids would explode cardinality) and status; requests in flight. */
export function httpMetrics(registry: Registry) {
  const histogram = metric(registry, 'http_request_duration_seconds', () => new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  }));
  const inFlight = metric(registry, 'http_requests_in_flight', () => new Gauge({
    name: 'http_requests_in_flight',
    help: 'Requests whose response is still open or whose handler is still running',
    registers: [registry],
  }));
  return (req: Request, res: Response, next: NextFunction) => {
    const end = histogram.startTimer();
    let holds = 0;
    const tracker: InFlight = {
      hold: () => {
        if (holds++ === 0) inFlight.inc();
        let isReleased = false;
        return () => {
          if (isReleased) return;
          isReleased = true;
          if (--holds === 0) inFlight.dec();
        };
      },
    };
    (res.locals as Record<symbol, InFlight>)[IN_FLIGHT] = tracker;
    // The response holds until 'close', which fires for finished and aborted responses alike ('finish' does not).
    res.once('close', tracker.hold());
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}
