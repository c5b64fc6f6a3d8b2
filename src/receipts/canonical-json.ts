import { createHash } from 'node:crypto';

/**
 * RFC 8785 JSON Canonicalization Scheme (JCS) for signed receipt payloads.
 *
 * Only plain JSON values are accepted (null, booleans, finite numbers, strings, arrays, plain objects): a Date, a
 * BigInt, a Map or a class instance would serialize differently after a JSON round trip, so the bytes we sign could
 * not be recomputed from the stored JSON. Object properties whose value is `undefined` are left out, as JSON.stringify
 * and every JSON round trip do; `undefined` inside an array is refused (a round trip would turn it into null).
 */
export class CanonicalizationError extends Error {
  override readonly name = 'CanonicalizationError';
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one: not valid Unicode, so it has
// no UTF-8 encoding and RFC 8785 (which hashes UTF-8 bytes) requires refusing it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function serializeString(value: string, path: string): string {
  if (LONE_SURROGATE.test(value)) throw new CanonicalizationError(`${path}: string holds a lone surrogate`);
  // ECMAScript's JSON.stringify escapes exactly what RFC 8785 section 3.2.2.2 asks: ", \, \b \f \n \r \t, other
  // control characters as lowercase \u00xx, and nothing else (no escaping of "/" or non-ASCII).
  return JSON.stringify(value);
}

function serializeNumber(value: number, path: string): string {
  if (!Number.isFinite(value)) throw new CanonicalizationError(`${path}: ${value} is not a JSON number`);
  // RFC 8785 section 3.2.2.3 is ECMAScript's Number::toString; -0 becomes "0" (JSON.stringify already does so).
  return JSON.stringify(value);
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function serialize(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return serializeNumber(value, path);
    case 'string':
      return serializeString(value, path);
    case 'object':
      break;
    default:
      throw new CanonicalizationError(`${path}: a ${typeof value} is not a JSON value`);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item, i) => {
      if (item === undefined) throw new CanonicalizationError(`${path}[${i}]: undefined is not a JSON value`);
      return serialize(item, `${path}[${i}]`);
    }).join(',')}]`;
  }
  if (!isPlainObject(value)) throw new CanonicalizationError(`${path}: only plain objects are JSON objects (got ${value.constructor?.name ?? 'an exotic object'})`);
  // Array.prototype.sort without a comparator orders strings by UTF-16 code units, which is RFC 8785 section 3.2.3.
  const keys = Object.keys(value).filter((key) => value[key] !== undefined).sort();
  return `{${keys.map((key) => `${serializeString(key, `${path}.${key}`)}:${serialize(value[key], `${path}.${key}`)}`).join(',')}}`;
}

/** The RFC 8785 canonical form of a JSON value; throws CanonicalizationError for anything JCS cannot represent. */
export function canonicalize(value: unknown): string {
  return serialize(value, '$');
}

/** The bytes that get hashed: UTF-8 of the canonical form. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalize(value), 'utf8');
}

/** SHA-256 of the canonical form's UTF-8 bytes (32 raw bytes). */
export function canonicalSha256(value: unknown): Buffer {
  return createHash('sha256').update(canonicalBytes(value)).digest();
}
