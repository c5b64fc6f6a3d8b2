import { startTestServices } from './services';

/**
 * Starts the real services once for the whole run and hands their addresses to test files through
 * process.env (the only channel Jest offers). TEST_SERVICES=none skips them for pure unit runs.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_SERVICES === 'none') return;
  await startTestServices();
}
