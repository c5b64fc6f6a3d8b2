import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';

// The worker evaluates every module of this bundle once per cached workflow: a schema library in it costs megabytes
// per connection (3.4 GiB of worker RSS at 1,000 connections with zod, 0.7 GiB without; bench/polling).
describe('workflow bundle', () => {
  it('carries no zod: workflows import plain constants and types only', async () => {
    const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../../workflows'), logger: new DefaultLogger('WARN') });
    const zodModules = code.match(/node_modules\/zod\/[^\s"']+/g) ?? [];
    expect(zodModules.slice(0, 3)).toEqual([]);
    expect(code).toContain('connectionPollingWorkflow');
  }, 120_000);
});
