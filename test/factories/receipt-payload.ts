import type { ReceiptPayload } from '../../contracts/receipts';

/** A valid version-1 period receipt payload; override any field. */
export function buildReceiptPayload(overrides: Partial<ReceiptPayload> = {}): ReceiptPayload {
  return {
    version: 1,
    serial: 'CL-202611-7K3QZ',
    kind: 'period',
    adjusts: null,
    organization: { id: '2d0c6d1e-5b8a-4c61-9a3e-0f6b1c2d3e4f', name: 'Acme Research' },
    period: { start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' },
    totals: {
      tokens: { inputUncached: '120000000', inputCacheWrite: '5000000', inputCacheRead: '80000000', output: '30000000', reasoning: '4000000' },
      energyKwh: { low: '12.5', central: '18.75', high: '31.2' },
      co2eKg: { low: '3.1', central: '5.625', high: '10.4004' },
    },
    models: [
      {
        provider: 'openai', model: 'gpt-5', factorVersion: '2026.1',
        tokens: { inputUncached: '120000000', inputCacheWrite: '5000000', inputCacheRead: '80000000', output: '30000000', reasoning: '4000000' },
        energyKwh: { low: '12.5', central: '18.75', high: '31.2' },
        co2eKg: { low: '3.1', central: '5.625', high: '10.4004' },
      },
    ],
    factorVersions: ['2026.1'],
    credits: {
      requiredTonnes: '0.010401',
      retirements: [{
        registry: 'Verra', project: 'VCS-1234', vintage: 2021, serialStart: '1234-56789-0001', serialEnd: '1234-56789-0001',
        tonnes: '0.010401', retiredOn: '2026-10-15', retirementReference: 'VCS-RET-998877',
      }],
      shortfallTonnes: '0',
    },
    snapshot: { format: 'event-revisions-jcs-sha256', events: '2', sha256: 'a'.repeat(64) },
    issuedAt: '2026-12-03T00:00:05.123Z',
    keyId: 'x'.repeat(43),
    ...overrides,
  };
}
