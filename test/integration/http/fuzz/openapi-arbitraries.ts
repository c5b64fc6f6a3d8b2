import fc from 'fast-check';

/** The subset of JSON Schema (OpenAPI 3.1) the generated document uses. */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
}

/** Ids and values of the seeded organization, so valid requests reach past the 404s. */
export interface Seeded { projectIds: string[]; connectionIds: string[]; apiKeyIds: string[]; goodProviderKeys: string[] }

const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const RECENT = { min: new Date('2024-01-01T00:00:00Z'), max: new Date('2027-12-31T00:00:00Z'), noInvalidDate: true };
const randomUuid = fc.uuid({ version: 4 });

/** Values for fields whose validity depends on more than their schema (ids, keys, dates, slugs). */
function knownField(name: string, seeded: Seeded): fc.Arbitrary<unknown> | undefined {
  switch (name) {
    case 'id':
      return fc.oneof(fc.constantFrom(...seeded.projectIds, ...seeded.connectionIds, ...seeded.apiKeyIds), randomUuid);
    case 'projectId':
      return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...seeded.projectIds) }, { weight: 1, arbitrary: randomUuid });
    case 'connectionId':
      return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...seeded.connectionIds) }, { weight: 1, arbitrary: randomUuid });
    case 'apiKey':
      return fc.oneof(fc.constantFrom(...seeded.goodProviderKeys), fc.stringMatching(/^sk-[a-z0-9-]{8,40}$/));
    // Always from < to, at most 366 days apart, so most valid ranges pass.
    case 'from':
      return fc.date({ min: new Date('2025-01-01T00:00:00Z'), max: new Date('2025-06-30T00:00:00Z'), noInvalidDate: true }).map(isoDay);
    case 'to':
      return fc.date({ min: new Date('2025-07-01T00:00:00Z'), max: new Date('2025-12-31T00:00:00Z'), noInvalidDate: true }).map(isoDay);
    case 'expiresAt':
      return fc.date({ min: new Date('2030-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
    case 'slug':
      return fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?$/);
    case 'cursor': // the list endpoints' (created_at, uuid) and the events' (bucket_start, bigint)
      return fc.tuple(fc.date(RECENT), fc.oneof(randomUuid, fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }).map(String)))
        .map(([d, id]) => Buffer.from(`${d.toISOString()}|${id}`).toString('base64url'));
    case 'model':
      return fc.oneof(fc.constantFrom('gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4-5', 'o3', 'llama-3.1-70b'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }));
    default:
      return undefined;
  }
}

/** A value the schema accepts (most of the time: refinements are not in the document). */
export function validValue(schema: JsonSchema, seeded: Seeded, resolve: (s: JsonSchema) => JsonSchema, field?: string): fc.Arbitrary<unknown> {
  const s = resolve(schema);
  const known = field ? knownField(field, seeded) : undefined;
  if (known) return known;
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((a) => validValue(a, seeded, resolve, field)));
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'string': {
      if (s.format === 'uuid') return randomUuid;
      if (s.format === 'date-time') return fc.date(RECENT).map((d) => d.toISOString());
      if (s.pattern) {
        try { return fc.stringMatching(new RegExp(s.pattern)).filter((v) => v.length >= (s.minLength ?? 0) && v.length <= (s.maxLength ?? Infinity)); } catch { /* fall through */ }
      }
      return fc.string({ unit: 'grapheme', minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 40, 40) });
    }
    case 'integer': case 'number': {
      const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : 0);
      const max = Math.min(s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : 1_000_000), min + 1_000_000);
      return fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
    }
    case 'boolean': return fc.boolean();
    case 'array': return fc.array(s.items ? validValue(s.items, seeded, resolve) : fc.jsonValue(), { maxLength: 3 });
    case 'object': return validObject(s, seeded, resolve);
    default: return fc.jsonValue();
  }
}

/** Required properties always, optional ones sometimes. */
export function validObject(schema: JsonSchema, seeded: Seeded, resolve: (s: JsonSchema) => JsonSchema): fc.Arbitrary<Record<string, unknown>> {
  const s = resolve(schema);
  const entries = Object.entries(s.properties ?? {});
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, prop] of entries) record[name] = validValue(prop, seeded, resolve, name);
  return fc.record(record, { requiredKeys: (s.required ?? []).filter((k) => k in record) }) as fc.Arbitrary<Record<string, unknown>>;
}

/** Strings a careless or hostile client sends: control characters, broken Unicode, huge, numeric-looking, injection-looking. */
export const hostileString = ({ maxHuge = 300_000 }: { maxHuge?: number } = {}) => fc.oneof(
  fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '\u0007\u001b[2J', '\ud800', 'x\udc00y', '\ufffe', '\u202eevil', '𝕏'.repeat(100),
    "'; DROP TABLE projects; --", '../../etc/passwd', '%00', '${jndi:ldap://x}', '<script>', '1e309', '-0', 'NaN', 'null', 'true', '99999999999999999999'),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.integer({ min: Math.min(1_000, maxHuge), max: maxHuge }).map((n) => 'x'.repeat(n)),
);

/** A value of another type than the field's: numbers at the edges, nested objects, arrays, null. */
export const wrongValue = fc.oneof(
  hostileString(),
  fc.constantFrom(-1, 0, -0, 1.5, -1e308, 1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 63, -(2 ** 63), 1e21, null, true, false, [], {}, [null], { $gt: '' }),
  fc.integer(), fc.double({ noNaN: true }), fc.jsonValue({ maxDepth: 3 }),
);

/** Percent-encodes every UTF-8 byte (encodeURIComponent throws on a lone surrogate; Buffer writes U+FFFD for it). */
export const percentEncode = (v: string) => [...Buffer.from(v)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

/** Path segments that are not the id a route expects. */
export const craftedPathParam = fc.oneof(
  fc.constantFrom('not-a-uuid', '00000000-0000-0000-0000-000000000000', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', '7b0e7f3c5a394f2e9d7e3f1d2a9b8c70',
    '99999999999999999999', '-1', '0', '%00', '%ZZ', '%', '..', '%2e%2e%2f', 'a%2Fb', '%F0%9F%92%A9', '%ED%A0%80', "'", '{id}', 'x'.repeat(5000)),
  fc.string({ unit: 'binary', maxLength: 40 }).map(percentEncode),
);

/** Raw query strings appended as-is (percent-encoding mistakes included). */
export const craftedQuery = (names: string[]) => fc.oneof(
  fc.constantFrom('limit=-1', 'limit=0', 'limit=1e400', 'limit=1.5', 'limit=NaN', 'limit=99999999999999999999', 'limit=1&limit=2', 'limit[]=1',
    'cursor=', 'cursor=%00', 'cursor=zzz', `cursor=${Buffer.from('1|x').toString('base64url')}`, `cursor=${Buffer.from('0000-01-01T00:00:00.000Z|1').toString('base64url')}`,
    'from=0000-01-01&to=0000-02-01', 'from=2024-02-30', 'from=2025-01-01&to=2024-01-01', 'from=2000-01-01&to=2030-01-01', 'to=99999-01-01',
    'provider=nope', 'format=xml', 'model=%00', 'model=%ED%A0%80', 'projectId=not-a-uuid', 'unknown=1', '%', '%%', '&&&', '=', 'a=%ZZ', '__proto__=1', 'constructor[prototype]=1'),
  fc.tuple(fc.constantFrom(...names, 'unknown'), hostileString({ maxHuge: 2_000 })).map(([k, v]) => `${k}=${percentEncode(v)}`),
);
