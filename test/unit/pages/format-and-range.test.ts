// Figures for people and the range picker of the dashboard: pure functions, no services.
import { dailyCo2eChart } from '../../../src/pages/daily-chart-svg';
import { co2eKgParts, co2eWithBounds, energyWithBounds, formatCompact, formatCount, formatRelative, formatShare } from '../../../src/pages/format';
import { parsePageFilters } from '../../../src/pages/range';

describe('figures for people', () => {
  it('CO2e with bounds in one unit chosen by the central value: g, kg or t', () => {
    expect(co2eWithBounds({ central: '1234567.8', low: '412000', high: '3100000' })).toBe('1.2 t (0.41–3.1 t)');
    expect(co2eWithBounds({ central: '340123', low: '120000', high: '912345' })).toBe('340 kg (120–912 kg)');
    expect(co2eWithBounds({ central: '12.5', low: '3', high: '40' })).toBe('12.5 g (3.0–40.0 g)');
    expect(co2eWithBounds({ central: '1234567890', low: '1', high: '2345678901' })).toBe('1,235 t (0.000001–2,346 t)');
    expect(co2eWithBounds({ central: '0', low: '0', high: '0' })).toBe('0 g (0–0 g)');
  });

  it('receipt figures in kg read the same, and keep the exact kg beside', () => {
    const parts = co2eKgParts({ central: '1234.567891', low: '400', high: '3100.5' });
    expect(parts.text).toBe('1.2 t (0.4–3.1 t)');
    expect(parts.exact).toEqual({ central: '1234.567891', low: '400', high: '3100.5' });
  });

  it('energy from Wh to GWh, counts of any size with separators, compact counts and shares', () => {
    expect(energyWithBounds({ central: '4100000', low: '1200000', high: '16300000' })).toBe('4.1 MWh (1.2–16.3 MWh)');
    expect(formatCount('12345678901234567890')).toBe('12,345,678,901,234,567,890');
    expect(formatCount('999')).toBe('999');
    expect(formatCompact('37200000000')).toBe('37.2 B');
    expect(formatCompact('535123')).toBe('535 k');
    expect(formatCompact('812')).toBe('812');
    expect(formatShare('0.401234')).toBe('40.1 %');
    const now = new Date('2026-12-06T12:00:00Z');
    expect(formatRelative('2026-12-06T11:40:00Z', now)).toBe('20 min ago');
    expect(formatRelative('2026-12-04T12:00:00Z', now)).toBe('2 days ago');
    expect(formatRelative('2026-12-07T12:00:00Z', now)).toBe('in 1 day');
  });
});

describe('range picker', () => {
  const now = new Date('2026-03-15T18:30:00Z');

  it('presets include today: last 30 days (the API default), this month, this year', () => {
    expect(parsePageFilters({}, now).telemetry).toEqual({ from: '2026-02-14', to: '2026-03-16' });
    expect(parsePageFilters({ range: 'month' }, now).telemetry).toEqual({ from: '2026-03-01', to: '2026-03-16' });
    expect(parsePageFilters({ range: 'year' }, now)).toMatchObject({ telemetry: { from: '2026-01-01', to: '2026-03-16' }, from: '2026-01-01', to: '2026-03-15', query: '?range=year' });
  });

  it('a custom range includes both days; the API\'s `to` is the day after', () => {
    const f = parsePageFilters({ range: 'custom', from: '2026-01-10', to: '2026-01-10', project: '1b4e28ba-2fa1-4d3b-9a3e-1f2b3c4d5e6f' }, now);
    expect(f.telemetry).toEqual({ from: '2026-01-10', to: '2026-01-11', projectId: '1b4e28ba-2fa1-4d3b-9a3e-1f2b3c4d5e6f' });
    expect(f.query).toBe('?range=custom&from=2026-01-10&to=2026-01-10&project=1b4e28ba-2fa1-4d3b-9a3e-1f2b3c4d5e6f');
  });

  it('a bad custom range or project id is said in words and the defaults are shown', () => {
    for (const [query, problem] of [
      [{ range: 'custom', from: '2026-02-30', to: '2026-03-01' }, /two dates/],
      [{ range: 'custom', from: '2026-03-02', to: '2026-03-01' }, /ends before it starts/],
      [{ range: 'custom', from: '2024-01-01', to: '2026-03-01' }, /at most 366 days/],
      [{ project: "' OR 1=1 --" }, /That project does not exist/],
    ] as const) {
      const f = parsePageFilters(query, now);
      expect(f.problem).toMatch(problem);
      expect(f.telemetry).toEqual({ from: '2026-02-14', to: '2026-03-16' });
    }
  });
});

describe('daily chart', () => {
  it('draws the band and the central line without inline style or script, escaping its caption', () => {
    const svg = dailyCo2eChart([
      { day: '2026-03-01', central: '2000', low: '500', high: '9000' },
      { day: '2026-03-02', central: '4000', low: '1000', high: '15000' },
    ], '<script>alert(1)</script>');
    expect(svg).toContain('<polygon class="band"');
    expect(svg).toContain('<polyline class="central"');
    expect(svg).toContain('kg CO2e per day');
    expect(svg).not.toMatch(/style=|<script|on\w+=/);
    expect(svg).toContain('&#60;script&#62;');
  });
});
