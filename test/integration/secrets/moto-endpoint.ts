import { findFreePort, isPortOpen, startProcess, waitFor } from '../../../src/dev/processes';
import { toolPath } from '../../setup/tools';

export interface MotoEndpoint {
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * The moto server started by the Jest global setup (AWS_ENDPOINT_URL), or, when the run skips shared services
 * (TEST_SERVICES=none), a private one for this file. Tests never reset moto: they use unique names instead.
 */
export async function useMoto(): Promise<MotoEndpoint> {
  const shared = process.env.AWS_ENDPOINT_URL;
  if (shared) return { endpoint: shared, stop: async () => undefined };
  const port = await findFreePort();
  const proc = startProcess('moto', toolPath('MOTO_SERVER_PATH', 'moto_server'), ['-H', '127.0.0.1', '-p', String(port)]);
  await waitFor(`moto server\n${proc.output()}`, () => isPortOpen('127.0.0.1', port), 30_000, proc.child);
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => proc.stop() };
}

export const MOTO_CLIENT = { region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } } as const;
