import { randomUUID } from 'node:crypto';
import { FIRST_POLL_SECOND, pollOffsetSeconds } from '../../../src/services/connections/poll-offset';

describe('pollOffsetSeconds', () => {
  test('the same connection always gets the same second, within :05 to :55', () => {
    const id = randomUUID();
    const offset = pollOffsetSeconds(id, 50);
    expect(pollOffsetSeconds(id, 50)).toBe(offset);
    expect(offset).toBeGreaterThanOrEqual(FIRST_POLL_SECOND);
    expect(offset).toBeLessThan(FIRST_POLL_SECOND + 50 * 60);
  });

  test('a spread of 0 puts every connection at :05', () => {
    expect(pollOffsetSeconds(randomUUID(), 0)).toBe(300);
  });

  test('10,000 connections arrive a few per second, evenly over the spread, instead of all at once', () => {
    const perSecond = new Map<number, number>();
    const perMinute = new Map<number, number>();
    // Fixed ids (sequential, as ids of one import could be), so the figures below are the same on every run.
    for (let i = 0; i < 10_000; i++) {
      const offset = pollOffsetSeconds(`00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`, 50);
      perSecond.set(offset, (perSecond.get(offset) ?? 0) + 1);
      perMinute.set(Math.floor(offset / 60), (perMinute.get(Math.floor(offset / 60)) ?? 0) + 1);
    }
    // 10,000 over 3,000 seconds is 3.3 per second on average; the busiest second holds 11 of these ids (all at :05: 10,000).
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(12);
    // Every one of the 50 minutes is used, none more than 1.3 times its fair share of 200 (these ids: 169 to 229).
    expect(perMinute.size).toBe(50);
    expect(Math.max(...perMinute.values())).toBeLessThan(260);
    expect(Math.min(...perMinute.values())).toBeGreaterThan(140);
  });
});
