import { startAnthropicFake } from '../../fakes/anthropic.fake';
import { startOpenAIFake } from '../../fakes/openai.fake';
import { startOpenRouterFake } from '../../fakes/openrouter.fake';

// The fakes must refuse what the real APIs refuse, or connector tests would pass against a too-lenient server.
const NOW = new Date('2026-01-03T10:30:00Z');
const now = () => NOW;
const get = async (url: string, headers: Record<string, string> = {}) => {
  const res = await fetch(url, { headers });
   
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

describe('provider fakes speak their wire formats', () => {
  it('OpenAI: bearer admin key, unix seconds, bracket arrays, bounded limit, no future end_time', async () => {
    const fake = await startOpenAIFake({ adminKeys: ['sk-admin-good'], now });
    try {
      const url = (q: string) => `${fake.baseUrl}/v1/organization/usage/completions?${q}`;
      const auth = { authorization: 'Bearer sk-admin-good' };
      expect(await get(url('start_time=1767398400'))).toMatchObject({ status: 401, body: { error: { type: 'invalid_request_error', code: null } } });
      expect(await get(url('start_time=1767398400'), { authorization: 'Bearer sk-admin-bad-000000' })).toMatchObject({ status: 401, body: { error: { code: 'invalid_api_key', message: expect.stringContaining('sk-adm*') } } });
      expect((await get(url('start_time=2026-01-03T00:00:00Z'), auth)).status).toBe(400);
      expect((await get(url('start_time=1767398400&group_by=model'), auth)).body.error.param).toBe('group_by');
      expect((await get(url('start_time=1767398400&bucket_width=1h&limit=169'), auth)).status).toBe(400);
      expect((await get(url(`start_time=1767398400&end_time=${NOW.getTime() / 1000 + 3600}`), auth)).status).toBe(400);
      const first = await get(url('start_time=1767398400&end_time=1767436200&bucket_width=1h&limit=4'), auth);
      expect(first.body).toMatchObject({ object: 'page', has_more: true, next_page: expect.stringMatching(/^page_/) });
      expect(first.body.data.map((b: { start_time: number }) => b.start_time)).toEqual([1767398400, 1767402000, 1767405600, 1767409200]);
      const last = await get(url(`start_time=1767398400&end_time=1767436200&bucket_width=1h&limit=4&page=${encodeURIComponent(first.body.next_page)}`), auth);
      expect(last.body.data[0].start_time).toBe(1767412800);
      expect((await get(url('start_time=1767398400&page=garbage'), auth)).status).toBe(400);
    } finally {
      await fake.close();
    }
  });

  it('Anthropic: x-api-key plus anthropic-version, RFC 3339 only, documented error envelope', async () => {
    const fake = await startAnthropicFake({ adminKeys: ['sk-ant-admin01-good'], now });
    try {
      const url = `${fake.baseUrl}/v1/organizations/usage_report/messages?starting_at=2026-01-03T00:00:00Z&bucket_width=1h`;
      expect(await get(url, { authorization: 'Bearer sk-ant-admin01-good', 'anthropic-version': '2023-06-01' })).toMatchObject({ status: 401, body: { type: 'error', error: { type: 'authentication_error' }, request_id: expect.stringMatching(/^req_/) } });
      expect(await get(url, { 'x-api-key': 'sk-ant-admin01-good' })).toMatchObject({ status: 400, body: { error: { type: 'invalid_request_error' } } });
      const ok = await get(url, { 'x-api-key': 'sk-ant-admin01-good', 'anthropic-version': '2023-06-01' });
      expect(ok).toMatchObject({ status: 200, body: { has_more: false, next_page: null } });
      expect(ok.body.data).toHaveLength(10); // 00:00 up to 09:00: the open 10:00 hour has not ended before now
      expect((await get(url.replace('2026-01-03T00:00:00Z', '1767398400'), { 'x-api-key': 'sk-ant-admin01-good', 'anthropic-version': '2023-06-01' })).status).toBe(400);
    } finally {
      await fake.close();
    }
  });

  it('OpenAI: the still-open bucket is cut at end_time (or now), an unaligned start_time opens the first bucket', async () => {
    const fake = await startOpenAIFake({ adminKeys: ['sk-admin-good'], now });
    try {
      const auth = { authorization: 'Bearer sk-admin-good' };
      const bounds = async (q: string) => {
        const { body } = await get(`${fake.baseUrl}/v1/organization/usage/completions?${q}`, auth);
        return (body.data as Array<{ start_time: number; end_time: number }>).map((b) => [b.start_time, b.end_time]);
      };
      const hourly = await bounds('start_time=1767398400&end_time=1767436200&bucket_width=1h&limit=168'); // 00:00 → 10:30
      expect(hourly).toHaveLength(11);
      expect(hourly[10]).toEqual([1767434400, 1767436200]);
      expect((await bounds('start_time=1767430800&bucket_width=1h')).at(-1)).toEqual([1767434400, NOW.getTime() / 1000]);
      // The cookbook's own call: 1d buckets from an unaligned start_time, no end_time.
      const daily = await bounds('start_time=1767225900&bucket_width=1d');
      expect(daily).toEqual([[1767225900, 1767312000], [1767312000, 1767398400], [1767398400, NOW.getTime() / 1000]]);
    } finally {
      await fake.close();
    }
  });

  it('Anthropic: returns only buckets that end by ending_at (or now), starting_at snapped down', async () => {
    const fake = await startAnthropicFake({ adminKeys: ['sk-ant-admin01-good'], now });
    try {
      const headers = { 'x-api-key': 'sk-ant-admin01-good', 'anthropic-version': '2023-06-01' };
      const bounds = async (q: string) => {
        const { body } = await get(`${fake.baseUrl}/v1/organizations/usage_report/messages?bucket_width=1h&${q}`, headers);
        return (body.data as Array<{ starting_at: string; ending_at: string }>).map((b) => [b.starting_at.slice(11, 16), b.ending_at.slice(11, 16)]);
      };
      expect(await bounds('starting_at=2026-01-03T07:20:00Z&ending_at=2026-01-03T10:30:00Z')).toEqual([['07:00', '08:00'], ['08:00', '09:00'], ['09:00', '10:00']]);
      expect(await bounds('starting_at=2026-01-03T08:00:00Z&ending_at=2026-01-03T10:00:00Z')).toEqual([['08:00', '09:00'], ['09:00', '10:00']]);
      expect(await bounds('starting_at=2026-01-03T10:00:00Z&ending_at=2026-01-03T10:30:00Z')).toEqual([]);
    } finally {
      await fake.close();
    }
  });

  it('OpenRouter: /api base path, completed days only, 403 for inference keys on /activity', async () => {
    const fake = await startOpenRouterFake({ managementKeys: ['sk-or-v1-m'], inferenceKeys: ['sk-or-v1-i'], now });
    try {
      const activity = (date: string, key = 'sk-or-v1-m') => get(`${fake.baseUrl}/v1/activity?date=${date}`, { authorization: `Bearer ${key}` });
      expect(await activity('2026-01-03')).toEqual({ status: 400, body: { error: { message: 'Date must be within the last 30 (completed) UTC days', code: 400 } } });
      expect((await activity('2025-12-03')).status).toBe(400);
      expect(await activity('2025-12-04')).toEqual({ status: 200, body: { data: [] } });
      expect(await activity('2026-01-02', 'sk-or-v1-i')).toEqual({ status: 403, body: { error: { code: 403, message: 'Only management keys can perform this operation' } } });
      expect((await get(`${fake.baseUrl}/v1/key`, { authorization: 'Bearer sk-or-v1-i' })).body.data.is_management_key).toBe(false);
      expect((await get(`${fake.baseUrl.replace(/\/api$/, '')}/v1/key`, { authorization: 'Bearer sk-or-v1-m' })).status).toBe(404);
    } finally {
      await fake.close();
    }
  });

  it('OpenRouter: a finished day can still answer the date 400 until it is served; older keys send is_provisioning_key only', async () => {
    const fake = await startOpenRouterFake({ managementKeys: ['sk-or-v1-m'], provisioningKeys: ['sk-or-v1-old'], servedThrough: '2026-01-01', now });
    try {
      const activity = (date: string) => get(`${fake.baseUrl}/v1/activity?date=${date}`, { authorization: 'Bearer sk-or-v1-m' });
      expect(await activity('2026-01-02')).toEqual({ status: 400, body: { error: { message: 'Date must be within the last 30 (completed) UTC days', code: 400 } } });
      expect((await activity('2026-01-01')).status).toBe(200);
      fake.setServedThrough('2026-01-03');
      expect((await activity('2026-01-02')).status).toBe(200);
      expect((await activity('2026-01-03')).status).toBe(400); // today, whatever is served
      const { body } = await get(`${fake.baseUrl}/v1/key`, { authorization: 'Bearer sk-or-v1-old' });
      expect(body.data.is_provisioning_key).toBe(true);
      expect('is_management_key' in body.data).toBe(false);
      expect((await get(`${fake.baseUrl}/v1/activity?date=2026-01-02`, { authorization: 'Bearer sk-or-v1-old' })).status).toBe(200);
    } finally {
      await fake.close();
    }
  });
});
