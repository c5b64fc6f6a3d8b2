import { parseResumeArgs, UsageError } from '../../../src/ops/resume-connections';

describe('connections:resume flags', () => {
  it.each([
    ['2026-03-01', '2026-03-01T00:00:00.000Z'],
    ['2026-03-01T08:00Z', '2026-03-01T08:00:00.000Z'],
    ['2026-03-01T08:00:00+01:00', '2026-03-01T07:00:00.000Z'],
    ['2026-03-01T08:00:00.250-02:30', '2026-03-01T10:30:00.250Z'],
    ['2024-02-29T23:59:59Z', '2024-02-29T23:59:59.000Z'],
  ])('reads --failed-since %s as %s', (value, iso) => {
    expect(parseResumeArgs(['--failed-since', value]).failedSince?.toISOString()).toBe(iso);
  });

  it.each([
    'yesterday', '1700000000', '2026-3-1', '2026-03-01 08:00Z', '2026-03-01T08:00', '2025-02-29', '2026-13-01', '2026-03-01T24:00Z', '2026-03-01T08:60Z',
  ])('refuses --failed-since %s', (value) => {
    expect(() => parseResumeArgs(['--failed-since', value])).toThrow(UsageError);
  });

  it('takes --org in both spellings and keeps it as given', () => {
    expect(parseResumeArgs(['--org', 'org_2abc'])).toEqual({ help: false, org: 'org_2abc', failedSince: undefined });
    expect(parseResumeArgs(['--org=0b7f6a52-8a57-4f3e-9d43-3f1f0e6b2c11']).org).toBe('0b7f6a52-8a57-4f3e-9d43-3f1f0e6b2c11');
    expect(parseResumeArgs([])).toEqual({ help: false, org: undefined, failedSince: undefined });
    expect(parseResumeArgs(['--help']).help).toBe(true);
  });

  it.each([[['--orgs', 'x']], [['--org']], [['--org', '  ']], [['extra']], [['--org', '--failed-since', '2026-03-01']]])('refuses %j', (argv) => {
    expect(() => parseResumeArgs(argv)).toThrow(UsageError);
  });
});
