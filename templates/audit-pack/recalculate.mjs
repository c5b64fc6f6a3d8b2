#!/usr/bin/env node
// CarbonPlan audit pack: recompute every figure of this pack from its own files, without trusting CarbonPlan.
//
// Run it from the unzipped pack with plain Node.js 20 or newer (no dependencies, no network):
//
//     node recalculate.mjs            (the pack is the folder this script is in)
//     node recalculate.mjs <folder>   (another unzipped pack)
//
// What it checks, in exact decimal arithmetic (BigInt with a decimal scale, never floating point):
//  1. manifest.json: every listed file exists with the listed size and SHA-256; manifest.sig is a valid Ed25519
//     signature over the 32 raw SHA-256 bytes of manifest.json, by the key the manifest names (public-keys.json or a
//     receipt's public-key.txt). Compare the printed key id with https://<carbonplan>/public/keys.
//  2. calculations.csv, line by line: the tier is the one the factor set's first matching rule gives for the model
//     (after the methodology's model-id normalisation), PUE, grid and tier factors are the factor set's, and
//     energy and CO2e (low, central, high) recompute digit for digit:
//         energyWh = (prefill x prefillWh/1k + decode x decodeWh/1k + cached x cachedWh/1k) / 1000 x PUE
//         co2eG    = energyWh / 1000 x grid gCO2e/kWh      (from the unrounded energy)
//     each rounded once, half to even, to 12 fraction digits; prefill = inputUncached + inputCacheWrite,
//     decode = outputTokens (reasoning included), cached = inputCacheRead.
//  3. every receipt in receipts/<serial>/: its Ed25519 signature (over SHA-256 of payload.json, the canonical JSON
//     exactly as signed) with its public-key.txt; its totals, per-model lines, factor versions, snapshot digest and
//     required credits recomputed from the CSV rows it signed (column signedBy). An adjustment receipt carries the
//     delta: its rows minus (the period receipt + earlier adjustments of that period, by issuedAt).
//  4. the month's current figures (rows with isCurrent and inMonth) against disclosure.json (totals and breakdown
//     sums), and each receipted period's current figures against its period receipt + adjustments. A difference
//     there is reported as "pending restatement": usage moved after the receipts were signed; a later adjustment
//     receipt will carry it. That is information, not a failure.
//
// Output: progress and notes, then either "match" on the last line, or one line per difference and a final
// "mismatch: N differences". Exit code: 0 match, 1 mismatch, 2 the pack could not be read at all (no manifest).

import { createHash, createPublicKey, verify as ed25519Verify } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Buffer } from 'node:buffer';

const PACK = path.resolve(process.argv[2] ?? path.dirname(fileURLToPath(import.meta.url)));
const MAX_PRINTED = 1000;
const PROGRESS_EVERY = 100_000;
const FRACTION_DIGITS = 12;
const CSV_COLUMNS = [
  'eventId', 'revision', 'isCurrent', 'signedBy', 'inMonth', 'connectionId', 'projectId', 'provider', 'model',
  'bucketStart', 'bucketEnd', 'inputUncached', 'inputCacheWrite', 'inputCacheRead', 'outputTokens', 'reasoningTokens',
  'factorVersion', 'tier', 'matchedRule', 'pueLow', 'pueCentral', 'pueHigh', 'gridLow', 'gridCentral', 'gridHigh',
  'prefillWhPer1kLow', 'prefillWhPer1kCentral', 'prefillWhPer1kHigh', 'decodeWhPer1kLow', 'decodeWhPer1kCentral',
  'decodeWhPer1kHigh', 'cachedWhPer1kLow', 'cachedWhPer1kCentral', 'cachedWhPer1kHigh', 'energyWhLow',
  'energyWhCentral', 'energyWhHigh', 'co2eGLow', 'co2eGCentral', 'co2eGHigh',
];
const COL = Object.fromEntries(CSV_COLUMNS.map((name, i) => [name, i]));
const BOUNDS = ['low', 'central', 'high'];
// The factor set writes triples as [central, low, high]; this script works in low, central, high order.
const FROM_TRIPLE = [1, 0, 2];

// ---------------------------------------------------------------------------------------------------------------
// Output

let differences = 0;
let printed = 0;
function difference(message) {
  differences++;
  if (printed < MAX_PRINTED) console.log(message);
  else if (printed === MAX_PRINTED) console.log(`(more than ${MAX_PRINTED} differences: the rest are counted, not printed)`);
  printed++;
}
const say = (message) => console.log(message);
const count = (n) => n.toLocaleString('en-US');

// ---------------------------------------------------------------------------------------------------------------
// Exact decimals: { u: BigInt units, s: scale } is u / 10^s

const POWERS_OF_TEN = [];
const pow10 = (k) => POWERS_OF_TEN[k] ?? (POWERS_OF_TEN[k] = 10n ** BigInt(k));
const PLAIN_DECIMAL = /^-?\d+(?:\.\d+)?$/;
const ANY_DECIMAL = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;
const ZERO = { u: 0n, s: 0 };

/** A decimal from text; exponents only when `allowExponent` (a JSON number's shortest form may use one). */
function decimal(text, allowExponent = false) {
  if (typeof text !== 'string') return null;
  if (PLAIN_DECIMAL.test(text)) {
    const dot = text.indexOf('.');
    return dot < 0 ? { u: BigInt(text), s: 0 } : { u: BigInt(text.slice(0, dot) + text.slice(dot + 1)), s: text.length - dot - 1 };
  }
  if (!allowExponent) return null;
  const m = ANY_DECIMAL.exec(text);
  if (!m || Math.abs(Number(m[4] ?? 0)) > 1000) return null;
  const [, sign, whole, fraction = '', exponent = '0'] = m;
  const s = fraction.length - Number(exponent);
  const u = BigInt(`${sign}${whole}${fraction}`);
  return s >= 0 ? { u, s } : { u: u * pow10(-s), s: 0 };
}

/** A factor (JSON number) as the decimal it was written as: its shortest text, as the engine reads it. */
function factorDecimal(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return null;
  const text = String(n);
  if (text.replace(/e.*$/i, '').replace(/\D/g, '').replace(/^0+/, '').length > 15) return null;
  return decimal(text, true);
}

const integer = (u) => ({ u, s: 0 });
const mul = (a, b) => ({ u: a.u * b.u, s: a.s + b.s });
const shift = (a, k) => ({ u: a.u, s: a.s + k });
const neg = (a) => ({ u: -a.u, s: a.s });
function add(a, b) {
  if (a.s === b.s) return { u: a.u + b.u, s: a.s };
  const s = Math.max(a.s, b.s);
  return { u: a.u * pow10(s - a.s) + b.u * pow10(s - b.s), s };
}
const sub = (a, b) => add(a, neg(b));
const cmp = (a, b) => { const d = sub(a, b).u; return d < 0n ? -1 : d > 0n ? 1 : 0; };
const isZero = (a) => a.u === 0n;

function roundHalfEven(a, digits) {
  if (a.s <= digits) return a;
  const divisor = pow10(a.s - digits);
  const negative = a.u < 0n;
  const abs = negative ? -a.u : a.u;
  let q = abs / divisor;
  const twiceRest = (abs % divisor) * 2n;
  if (twiceRest > divisor || (twiceRest === divisor && q % 2n === 1n)) q += 1n;
  return { u: negative ? -q : q, s: digits };
}

/** Canonical text: no exponent, no leading or trailing zeros, `0` for zero. */
function text(a) {
  const negative = a.u < 0n;
  const digits = (negative ? -a.u : a.u).toString().padStart(a.s + 1, '0');
  const whole = digits.slice(0, digits.length - a.s);
  const fraction = digits.slice(digits.length - a.s).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers: files, hashes, base64, JSON

const sha256 = (data) => createHash('sha256').update(data).digest();
const inPack = (relative) => path.join(PACK, ...relative.split('/'));
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (object, key) => (isObject(object) && Object.hasOwn(object, key) ? object[key] : undefined);

function sha256OfFile(file) {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file).on('data', (chunk) => hash.update(chunk)).on('error', reject).on('end', () => resolve(hash.digest('hex')));
  });
}

/** base64 or base64url, padded or not; null for anything else. */
function base64Bytes(value) {
  if (typeof value !== 'string') return null;
  const t = value.trim();
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(t) || t.replace(/=+$/, '').length % 4 === 1) return null;
  return Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

function readJson(relative) {
  try {
    return { value: JSON.parse(readFileSync(inPack(relative), 'utf8')) };
  } catch (err) {
    return { error: err.code === 'ENOENT' ? 'missing' : `not JSON (${err.message})` };
  }
}

/** RFC 8785 canonical JSON (the receipt signing form) of a parsed JSON value. */
function canonicalJson(value) {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Ed25519 (node:crypto), strict about S < L so a signature has one valid encoding

const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');
const GROUP_ORDER = (1n << 252n) + 27742317777372353535851937790883648493n;

function verifyEd25519(message, signature, publicKey) {
  if (!signature || signature.length !== 64) return 'the signature is not 64 bytes';
  if (!publicKey || publicKey.length !== 32) return 'the public key is not 32 bytes';
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i]);
  if (s >= GROUP_ORDER) return 'S is not below the group order (non-canonical signature)';
  try {
    const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519, publicKey]), format: 'der', type: 'spki' });
    return ed25519Verify(null, message, key, signature) ? null : 'the signature does not match';
  } catch {
    return 'the public key is not a valid Ed25519 point';
  }
}

/** RFC 7638 thumbprint of an Ed25519 JWK: the key id CarbonPlan publishes. */
const thumbprint = (x) => sha256(`{"crv":"Ed25519","kty":"OKP","x":"${x}"}`).toString('base64url');

/**
 * Reads a key file: a JWK ({ kty, crv, x, kid }), a JWK Set ({ keys: [...] }) or text lines `keyId: …` and
 * `publicKey: …`. Returns [{ kid, x (base64url), bytes, purpose }].
 */
function parseKeyFile(content) {
  const keys = [];
  const addKey = (x, kid, purpose) => {
    const bytes = base64Bytes(x);
    if (bytes && bytes.length === 32) keys.push({ kid: kid ?? thumbprint(bytes.toString('base64url')), x: bytes.toString('base64url'), bytes, purpose, kidGiven: kid });
  };
  let parsed;
  try { parsed = JSON.parse(content); } catch { parsed = undefined; }
  if (isObject(parsed)) {
    for (const k of Array.isArray(parsed.keys) ? parsed.keys : [parsed]) {
      if (isObject(k) && typeof k.x === 'string') addKey(k.x, typeof k.kid === 'string' ? k.kid : undefined, k.purpose);
    }
    return keys;
  }
  const field = (names) => {
    const m = new RegExp(`^\\s*(?:${names})\\s*[:=]\\s*(\\S+)\\s*$`, 'im').exec(content);
    return m ? m[1] : undefined;
  };
  const x = field('publicKey|public_key|x|key');
  if (x) addKey(x, field('keyId|key_id|kid'));
  else if (/^\s*[A-Za-z0-9+/_-]{43,44}={0,1}\s*$/.test(content)) addKey(content.trim());
  return keys;
}

// ---------------------------------------------------------------------------------------------------------------
// Model matching (methodology §5): normalisation, then the first rule whose glob matches the whole id

const OPENROUTER_VARIANT = /(?::(?:free|beta|thinking|nitro|floor|online|extended|exacto))+$/;
const BEDROCK_REGION = /^(?:us|eu|apac|global)\./;
const BEDROCK_VERSION = /-v\d+:\d+(?::\d+k)?$/;
const VERTEX_VERSION = /@[a-z0-9._-]*$/;

function normaliseModelId(raw) {
  let id = raw.trim().toLowerCase();
  const slash = id.lastIndexOf('/');
  if (slash >= 0) id = id.slice(slash + 1);
  id = id.replace(OPENROUTER_VARIANT, '').replace(BEDROCK_REGION, '');
  if (id.startsWith('anthropic.')) id = id.slice('anthropic.'.length);
  return id.replace(BEDROCK_VERSION, '').replace(VERTEX_VERSION, '');
}

function compileGlob(pattern) {
  if (!pattern.includes('*')) return (id) => id === pattern;
  const escaped = pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  const regex = new RegExp(`^${escaped.join('.*')}$`, 's');
  return (id) => regex.test(id);
}

// ---------------------------------------------------------------------------------------------------------------
// Factor sets

/** A factor set prepared for checking: exact triples in low, central, high order, compiled rules, a class cache. */
function prepareFactorSet(doc, file) {
  const problems = [];
  const triple = (t, what) => {
    const values = Array.isArray(t) && t.length === 3 ? FROM_TRIPLE.map((i) => factorDecimal(t[i])) : null;
    if (!values || values.some((v) => v === null)) { problems.push(`${what} is not a [central, low, high] triple of decimals`); return null; }
    return values;
  };
  const table = (object, what) => new Map(Object.keys(isObject(object) ? object : {}).map((k) => [k, triple(object[k], `${what}.${k}`)]));
  if (!isObject(doc) || typeof doc.version !== 'string') return { problems: [`${file}: no version`] };
  const tiers = new Map(Object.keys(isObject(doc.tiers) ? doc.tiers : {}).map((tier) => [tier, {
    prefill: triple(own(doc.tiers[tier], 'prefill'), `tiers.${tier}.prefill`),
    decode: triple(own(doc.tiers[tier], 'decode'), `tiers.${tier}.decode`),
    cached: triple(own(doc.tiers[tier], 'cached'), `tiers.${tier}.cached`),
  }]));
  const pue = table(doc.pue, 'pue');
  const grid = table(doc.grid, 'grid');
  if (!pue.get('default')) problems.push('pue.default is missing');
  if (!grid.get('default')) problems.push('grid.default is missing');
  const rules = [];
  for (const [i, rule] of (Array.isArray(doc.rules) ? doc.rules : []).entries()) {
    if (!isObject(rule) || typeof rule.tier !== 'string' || !Array.isArray(rule.patterns)) { problems.push(`rules[${i}] is malformed`); continue; }
    for (const pattern of rule.patterns) rules.push({ tier: rule.tier, pattern, test: compileGlob(String(pattern)) });
  }
  if (rules.length === 0) problems.push('no rules');
  const cache = new Map();
  const classify = (model) => {
    let hit = cache.get(model);
    if (!hit) {
      const id = normaliseModelId(model);
      const rule = rules.find((r) => r.test(id));
      hit = { tier: rule?.tier ?? 'fallback', matchedRule: rule?.pattern ?? '*' };
      if (cache.size > 10_000) cache.clear();
      cache.set(model, hit);
    }
    return hit;
  };
  return { version: doc.version, doc, tiers, pue, grid, classify, problems: problems.map((p) => `${file}: ${p}`) };
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Manifest

async function checkManifest() {
  const manifestBytes = readFileSync(inPack('manifest.json'));
  let manifest;
  try { manifest = JSON.parse(manifestBytes.toString('utf8')); } catch (err) {
    difference(`manifest.json: not JSON (${err.message})`);
    return { manifest: {}, listed: new Map() };
  }
  if (manifest.schema !== 'carbonplan.audit-pack-manifest/v1') difference(`manifest.json: schema expected carbonplan.audit-pack-manifest/v1 found ${manifest.schema}`);
  const listed = new Map();
  const files = Array.isArray(manifest.files) ? manifest.files : [];
  if (!Array.isArray(manifest.files)) difference('manifest.json: no files list');
  say(`checking ${files.length} files listed in manifest.json`);
  for (const entry of files) {
    const p = entry?.path;
    if (typeof p !== 'string' || p === '' || p.startsWith('/') || p.split('/').some((part) => part === '..' || part === '.' || part === '') || p.includes('\\')) {
      difference(`manifest.json: unsafe or malformed path ${JSON.stringify(p)}`);
      continue;
    }
    if (listed.has(p)) difference(`manifest.json: ${p} listed twice`);
    listed.set(p, entry);
    const file = inPack(p);
    if (!existsSync(file) || !statSync(file).isFile()) { difference(`${p}: listed in manifest.json but missing`); continue; }
    const bytes = statSync(file).size;
    if (String(bytes) !== String(entry.bytes)) difference(`${p}: size expected ${entry.bytes} bytes (manifest) found ${bytes}`);
    const hex = await sha256OfFile(file);
    if (hex !== String(entry.sha256).toLowerCase()) difference(`${p}: SHA-256 expected ${entry.sha256} (manifest) found ${hex}`);
  }
  for (const p of walk('')) {
    if (!listed.has(p) && !['manifest.json', 'manifest.sig', 'cover.pdf'].includes(p)) say(`note: ${p} is not covered by the manifest and was not read`);
  }
  return { manifest, listed, digest: sha256(manifestBytes) };
}

function* walk(relative) {
  for (const entry of readdirSync(inPack(relative || '.'), { withFileTypes: true })) {
    const p = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) yield* walk(p);
    else yield p;
  }
}

function checkManifestSignature(manifest, digest, keys) {
  if (!existsSync(inPack('manifest.sig'))) { difference('manifest.sig: missing'); return; }
  const signature = base64Bytes(readFileSync(inPack('manifest.sig'), 'utf8'));
  const key = keys.get(manifest.keyId);
  if (!key) { difference(`manifest.sig: no public key with id ${manifest.keyId} in public-keys.json or receipts/*/public-key.txt`); return; }
  const problem = verifyEd25519(digest, signature, key.bytes);
  if (problem) difference(`manifest.sig: not a valid signature of manifest.json by key ${manifest.keyId}: ${problem}`);
  else say(`manifest.sig: valid Ed25519 signature of manifest.json (SHA-256 ${digest.toString('hex')}) by key ${manifest.keyId}`);
}

/** Keys from public-keys.json and every receipts/<serial>/public-key.txt the manifest lists, by kid. */
function collectKeys(listed) {
  const keys = new Map();
  const files = [...listed.keys()].filter((p) => p === 'public-keys.json' || /^receipts\/[^/]+\/public-key\.txt$/.test(p));
  for (const p of files) {
    for (const key of parseKeyFile(readFileSync(inPack(p), 'utf8'))) {
      if (key.kidGiven && key.kidGiven !== thumbprint(key.x)) difference(`${p}: key id ${key.kidGiven} is not the RFC 7638 thumbprint of its key`);
      else if (!keys.has(key.kid)) keys.set(key.kid, key);
    }
  }
  return keys;
}

// ---------------------------------------------------------------------------------------------------------------
// 3a. Receipts: signatures (figures are compared after the CSV is read)

function loadReceipts(listed) {
  const receipts = new Map();
  const serials = [...listed.keys()].map((p) => /^receipts\/([^/]+)\/payload\.json$/.exec(p)?.[1]).filter(Boolean);
  for (const serial of serials.sort()) {
    const where = `receipt ${serial}`;
    const canonical = readFileSync(inPack(`receipts/${serial}/payload.json`), 'utf8');
    let payload;
    try { payload = JSON.parse(canonical); } catch (err) { difference(`${where}: payload.json is not JSON (${err.message})`); continue; }
    if (canonicalJson(payload) !== canonical) difference(`${where}: payload.json is not the RFC 8785 canonical form of its content`);
    if (payload.serial !== serial) difference(`${where}: payload serial is ${payload.serial}`);
    const digest = sha256(Buffer.from(canonical, 'utf8'));
    const sigFile = `receipts/${serial}/signature.txt`;
    const keyFile = `receipts/${serial}/public-key.txt`;
    if (!listed.has(sigFile)) difference(`${where}: signature.txt is not in the pack`);
    else if (!listed.has(keyFile)) difference(`${where}: public-key.txt is not in the pack`);
    else {
      const [key] = parseKeyFile(readFileSync(inPack(keyFile), 'utf8'));
      const signature = base64Bytes(readFileSync(inPack(sigFile), 'utf8'));
      if (!key) difference(`${where}: public-key.txt holds no Ed25519 public key`);
      else if (key.kid !== payload.keyId) difference(`${where}: signed keyId ${payload.keyId} but public-key.txt holds key ${key.kid}`);
      else {
        const problem = verifyEd25519(digest, signature, key.bytes);
        if (problem) difference(`${where}: signature not valid: ${problem}`);
      }
    }
    receipts.set(serial, { serial, payload, digestHex: digest.toString('hex'), lines: new Map(), entries: new SignedEntries() });
  }
  return receipts;
}

// ---------------------------------------------------------------------------------------------------------------
// Figures: token sums and [low, central, high] energy and CO2e sums

const newFigures = () => ({ iu: 0n, icw: 0n, icr: 0n, out: 0n, rsn: 0n, energy: [ZERO, ZERO, ZERO], co2e: [ZERO, ZERO, ZERO], rows: 0 });
function addFigures(into, f, sign = 1) {
  const t = (a, b) => (sign === 1 ? a + b : a - b);
  into.iu = t(into.iu, f.iu); into.icw = t(into.icw, f.icw); into.icr = t(into.icr, f.icr); into.out = t(into.out, f.out); into.rsn = t(into.rsn, f.rsn);
  for (let i = 0; i < 3; i++) {
    into.energy[i] = sign === 1 ? add(into.energy[i], f.energy[i]) : sub(into.energy[i], f.energy[i]);
    into.co2e[i] = sign === 1 ? add(into.co2e[i], f.co2e[i]) : sub(into.co2e[i], f.co2e[i]);
  }
  into.rows += sign * (f.rows ?? 0);
}
const figuresAreZero = (f) => [f.iu, f.icw, f.icr, f.out, f.rsn].every((v) => v === 0n) && [...f.energy, ...f.co2e].every(isZero);

/** A receipt's figure object ({ tokens, energyKwh, co2eKg }) as sums in Wh and g. */
function fromReceiptFigures(r) {
  const f = newFigures();
  const int = (v) => (typeof v === 'string' && /^-?\d+$/.test(v) ? BigInt(v) : null);
  const tokens = own(r, 'tokens');
  const values = [int(own(tokens, 'inputUncached')), int(own(tokens, 'inputCacheWrite')), int(own(tokens, 'inputCacheRead')), int(own(tokens, 'output')), int(own(tokens, 'reasoning'))];
  const kilo = (b) => BOUNDS.map((k) => decimal(own(b, k)));
  const energy = kilo(own(r, 'energyKwh'));
  const co2e = kilo(own(r, 'co2eKg'));
  if (values.some((v) => v === null) || [...energy, ...co2e].some((v) => v === null)) return null;
  [f.iu, f.icw, f.icr, f.out, f.rsn] = values;
  // kWh and kg back to Wh and g: exact, the units gain three zeros.
  f.energy = energy.map((d) => ({ u: d.u * 1000n, s: d.s }));
  f.co2e = co2e.map((d) => ({ u: d.u * 1000n, s: d.s }));
  return f;
}

/** Compares sums (Wh, g) with a receipt figure object (kWh, kg), one difference per field that differs. */
function compareReceiptFigures(where, expected, found) {
  const tokens = own(found, 'tokens');
  const names = [['inputUncached', 'iu'], ['inputCacheWrite', 'icw'], ['inputCacheRead', 'icr'], ['output', 'out'], ['reasoning', 'rsn']];
  for (const [name, key] of names) {
    const value = own(tokens, name);
    if (value !== expected[key].toString()) difference(`${where}.tokens.${name}: expected ${expected[key]} found ${value}`);
  }
  for (const [name, values] of [['energyKwh', expected.energy], ['co2eKg', expected.co2e]]) {
    for (const [i, bound] of BOUNDS.entries()) {
      const value = own(own(found, name), bound);
      const exact = shift(values[i], 3);
      const parsed = decimal(value);
      if (!parsed || cmp(parsed, exact) !== 0) difference(`${where}.${name}.${bound}: expected ${text(exact)} found ${value}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 2. calculations.csv

/** Splits one CSV record; returns null while a quoted field is still open (the record continues on the next line). */
function splitRecord(line) {
  const fields = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"') {
        if (line[i + 1] === '"') { field += '"'; i++; } else quoted = false;
      } else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') { fields.push(field); field = ''; } else field += c;
  }
  if (quoted) return null;
  fields.push(field);
  return fields;
}

function monthRange(month) {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month ?? '');
  if (!m) return null;
  const year = Number(m[1]);
  const index = Number(m[2]) - 1;
  return { from: Date.UTC(year, index, 1), to: Date.UTC(year, index + 1, 1) };
}

const DAY_MS = 86_400_000;
/** The usage days [from, to) a receipt of this period counted (the issuer's snapshotDays). */
function periodDays(period) {
  const start = Date.parse(own(period, 'start'));
  const end = Date.parse(own(period, 'end'));
  if (Number.isNaN(start) || Number.isNaN(end)) return null;
  const from = Math.floor(start / DAY_MS) * DAY_MS;
  return { from, to: Math.max(Math.ceil(end / DAY_MS) * DAY_MS, from + DAY_MS) };
}

async function readCalculations({ factorSets, receipts, month, periods }) {
  const current = { totals: newFigures(), groups: new Map(GROUPINGS.filter((g) => g.rowKey).map((g) => [g.name, new Map()])) };
  const unknownSerials = new Map();
  const csvFile = inPack('calculations.csv');
  const lines = createInterface({ input: createReadStream(csvFile, 'utf8'), crlfDelay: Infinity });
  let lineNo = 0;
  let startLine = 0;
  let pending = null;
  let rows = 0;
  let isHeaderRead = false;
  const factorCache = new Map();

  for await (const raw of lines) {
    lineNo++;
    const line = pending === null ? raw : `${pending}\n${raw}`;
    if (pending === null) startLine = lineNo;
    const fields = splitRecord(line);
    if (fields === null) { pending = line; continue; }
    pending = null;
    if (!isHeaderRead) {
      isHeaderRead = true;
      const header = fields.map((f, i) => (i === 0 ? f.replace(/^\uFEFF/, '') : f));
      if (header.join(',') !== CSV_COLUMNS.join(',')) {
        difference(`calculations.csv line 1: header expected ${CSV_COLUMNS.join(',')} found ${header.join(',')}`);
        return { rows, current, unknownSerials, isReadable: false };
      }
      continue;
    }
    if (line === '') continue;
    rows++;
    if (rows % PROGRESS_EVERY === 0) say(`calculations.csv: ${count(rows)} rows checked`);
    checkRow(fields, startLine, { factorSets, receipts, month, periods, current, unknownSerials, factorCache });
  }
  if (pending !== null) difference(`calculations.csv line ${startLine}: a quoted field is never closed`);
  if (!isHeaderRead) difference('calculations.csv: empty (not even a header)');
  return { rows, current, unknownSerials, isReadable: isHeaderRead };
}

/** Exact factors of (version, tier, provider) in low, central, high order, or a reason they are unavailable. */
function factorsFor(set, tier, provider, factorCache) {
  const key = `${set.version}\u0000${tier}\u0000${provider}`;
  let hit = factorCache.get(key);
  if (!hit) {
    const t = set.tiers.get(tier);
    hit = t && t.prefill && t.decode && t.cached
      ? { prefill: t.prefill, decode: t.decode, cached: t.cached, pue: set.pue.get(provider) ?? set.pue.get('default'), grid: set.grid.get('default') }
      : { problem: `tier ${tier} is not in factor set ${set.version}` };
    factorCache.set(key, hit);
  }
  return hit;
}

function checkRow(fields, lineNo, ctx) {
  const get = (name) => fields[COL[name]];
  // Built only when there is something to say: most rows have no difference.
  const at = () => `calculations.csv line ${lineNo} (event ${get('eventId')} revision ${get('revision')})`;
  if (fields.length !== CSV_COLUMNS.length) { difference(`${at()}: expected ${CSV_COLUMNS.length} fields found ${fields.length}`); return; }
  let isRowBroken = false;
  const bad = (field, expected, found) => { difference(`${at()}: ${field} expected ${expected} found ${found}`); };

  const tokens = {};
  for (const [name, key] of [['inputUncached', 'iu'], ['inputCacheWrite', 'icw'], ['inputCacheRead', 'icr'], ['outputTokens', 'out'], ['reasoningTokens', 'rsn']]) {
    const v = get(name);
    if (!/^\d+$/.test(v)) { bad(name, 'a non-negative integer', JSON.stringify(v)); isRowBroken = true; } else tokens[key] = BigInt(v);
  }
  if (!/^\d+$/.test(get('revision'))) { bad('revision', 'a non-negative integer', JSON.stringify(get('revision'))); isRowBroken = true; }
  const flag = (name) => {
    const v = get(name);
    if (v !== 'true' && v !== 'false') { bad(name, 'true or false', JSON.stringify(v)); isRowBroken = true; }
    return v === 'true';
  };
  const isCurrent = flag('isCurrent');
  const inMonth = flag('inMonth');
  const bucketStart = Date.parse(get('bucketStart'));
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/.test(get('bucketStart')) || Number.isNaN(bucketStart)) {
    bad('bucketStart', 'an ISO 8601 UTC instant', JSON.stringify(get('bucketStart')));
    isRowBroken = true;
  } else if (ctx.month && (bucketStart >= ctx.month.from && bucketStart < ctx.month.to) !== inMonth) {
    bad('inMonth', String(!inMonth), String(inMonth));
  }

  const stated = {};
  for (const name of ['energyWhLow', 'energyWhCentral', 'energyWhHigh', 'co2eGLow', 'co2eGCentral', 'co2eGHigh']) {
    stated[name] = decimal(get(name));
    if (!stated[name]) { bad(name, 'a decimal', JSON.stringify(get(name))); isRowBroken = true; }
  }
  if (isRowBroken) return;

  // The tier the factor set's rules give, then its factors; figures are recomputed from those, not from the row.
  const set = ctx.factorSets.get(get('factorVersion'));
  let energy = null;
  let co2e = null;
  if (!set) difference(`${at()}: factor version ${get('factorVersion')} has no factor-sets/<version>.json in the pack`);
  else {
    const expected = set.classify(get('model'));
    if (expected.tier !== get('tier')) bad('tier', expected.tier, get('tier'));
    if (expected.matchedRule !== get('matchedRule')) bad('matchedRule', expected.matchedRule, get('matchedRule'));
    const provider = get('provider');
    // Factor columns describe the tier the row names (so a wrong tier is one difference, not ten); figures use the right one.
    const named = factorsFor(set, set.tiers.has(get('tier')) ? get('tier') : expected.tier, provider, ctx.factorCache);
    const right = factorsFor(set, expected.tier, provider, ctx.factorCache);
    if (named.problem) difference(`${at()}: ${named.problem}`);
    else {
      const columns = [['pue', named.pue], ['grid', named.grid], ['prefillWhPer1k', named.prefill], ['decodeWhPer1k', named.decode], ['cachedWhPer1k', named.cached]];
      for (const [prefix, values] of columns) {
        for (const [i, bound] of ['Low', 'Central', 'High'].entries()) {
          const found = decimal(get(prefix + bound));
          if (!found || !values?.[i] || cmp(found, values[i]) !== 0) bad(prefix + bound, values?.[i] ? text(values[i]) : '(missing in factor set)', get(prefix + bound));
        }
      }
    }
    if (right.problem) difference(`${at()}: ${right.problem}`);
    else if (right.pue && right.grid) {
      const prefill = integer(tokens.iu + tokens.icw);
      const decode = integer(tokens.out);
      const cached = integer(tokens.icr);
      const exact = [0, 1, 2].map((i) => {
        const itMilliWh = add(add(mul(prefill, right.prefill[i]), mul(decode, right.decode[i])), mul(cached, right.cached[i]));
        return shift(mul(itMilliWh, right.pue[i]), 3);
      });
      energy = exact.map((e) => roundHalfEven(e, FRACTION_DIGITS));
      co2e = exact.map((e, i) => roundHalfEven(shift(mul(e, right.grid[i]), 3), FRACTION_DIGITS));
      for (const [i, bound] of ['Low', 'Central', 'High'].entries()) {
        if (cmp(stated[`energyWh${bound}`], energy[i]) !== 0) bad(`energyWh${bound}`, text(energy[i]), get(`energyWh${bound}`));
        if (cmp(stated[`co2eG${bound}`], co2e[i]) !== 0) bad(`co2eG${bound}`, text(co2e[i]), get(`co2eG${bound}`));
      }
    }
  }

  // Sums use the figures as written (what was stored and signed); a wrong figure was reported above.
  const figures = {
    ...tokens, rows: 1,
    energy: [stated.energyWhLow, stated.energyWhCentral, stated.energyWhHigh],
    co2e: [stated.co2eGLow, stated.co2eGCentral, stated.co2eGHigh],
  };
  const lineKey = `${get('provider')}\u0000${get('model')}\u0000${get('factorVersion')}`;
  for (const serial of get('signedBy') === '' ? [] : get('signedBy').split(';')) {
    const receipt = ctx.receipts.get(serial);
    if (!receipt) { ctx.unknownSerials.set(serial, (ctx.unknownSerials.get(serial) ?? 0) + 1); continue; }
    let line = receipt.lines.get(lineKey);
    if (!line) receipt.lines.set(lineKey, (line = newFigures()));
    addFigures(line, figures);
    receipt.entries.add(get('eventId'), Number(get('revision')));
  }
  if (isCurrent) {
    for (const period of ctx.periods) if (bucketStart >= period.days.from && bucketStart < period.days.to) addFigures(period.current, figures);
    if (inMonth) {
      const c = ctx.current;
      addFigures(c.totals, figures);
      for (const grouping of GROUPINGS) {
        if (!grouping.rowKey) continue;
        const map = c.groups.get(grouping.name);
        const key = grouping.rowKey(get);
        let f = map.get(key);
        if (!f) map.set(key, (f = newFigures()));
        addFigures(f, figures);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 3b. Receipt figures against the rows each signed

function checkReceiptFigures(receipts) {
  const byIssue = [...receipts.values()].sort((a, b) => (String(a.payload.issuedAt) < String(b.payload.issuedAt) ? -1 : String(a.payload.issuedAt) > String(b.payload.issuedAt) ? 1 : a.serial < b.serial ? -1 : 1));
  for (const receipt of byIssue) {
    const { payload, serial } = receipt;
    const where = `receipt ${serial}`;
    const snapshotLines = receipt.lines;
    let expectedLines = snapshotLines;
    let expectedTotals = newFigures();
    for (const f of snapshotLines.values()) addFigures(expectedTotals, f);
    if (payload.kind === 'adjustment') {
      // The delta: this snapshot minus what was signed for the period before (period receipt + earlier adjustments).
      const original = receipts.get(payload.adjusts);
      if (!original) { difference(`${where}: adjusts ${payload.adjusts}, which is not in the pack; its delta cannot be recomputed`); continue; }
      const earlier = [original, ...byIssue.filter((r) => r !== receipt && r.payload.kind === 'adjustment' && r.payload.adjusts === payload.adjusts
        && (String(r.payload.issuedAt) < String(payload.issuedAt) || (r.payload.issuedAt === payload.issuedAt && r.serial < serial)))];
      expectedLines = new Map([...snapshotLines].map(([k, f]) => { const c = newFigures(); addFigures(c, f); return [k, c]; }));
      for (const r of earlier) {
        const signedTotals = fromReceiptFigures(r.payload.totals);
        if (!signedTotals) { difference(`${where}: receipt ${r.serial} it builds on has malformed totals`); continue; }
        addFigures(expectedTotals, signedTotals, -1);
        for (const m of Array.isArray(r.payload.models) ? r.payload.models : []) {
          const f = fromReceiptFigures(m);
          if (!f) continue;
          const k = `${m.provider}\u0000${m.model}\u0000${m.factorVersion}`;
          if (!expectedLines.has(k)) expectedLines.set(k, newFigures());
          addFigures(expectedLines.get(k), f, -1);
        }
      }
      for (const [k, f] of expectedLines) if (figuresAreZero(f)) expectedLines.delete(k);
    } else if (payload.kind !== 'period') difference(`${where}: kind expected period or adjustment found ${payload.kind}`);

    compareReceiptFigures(`${where}: totals`, expectedTotals, payload.totals);
    const signedLines = new Map((Array.isArray(payload.models) ? payload.models : []).map((m) => [`${m.provider}\u0000${m.model}\u0000${m.factorVersion}`, m]));
    for (const [k, f] of expectedLines) {
      const [provider, model, version] = k.split('\u0000');
      const label = `${where}: model ${provider}/${model} (factors ${version})`;
      if (!signedLines.has(k)) difference(`${label}: expected a line (CO2e central ${text(shift(f.co2e[1], 3))} kg) found none`);
      else compareReceiptFigures(label, f, signedLines.get(k));
    }
    for (const k of signedLines.keys()) {
      if (!expectedLines.has(k)) difference(`${where}: model ${k.split('\u0000').slice(0, 2).join('/')} (factors ${k.split('\u0000')[2]}): signed a line the rows do not give`);
    }
    const versions = [...new Set([...snapshotLines.keys()].map((k) => k.split('\u0000')[2]))].sort();
    if (JSON.stringify(versions) !== JSON.stringify(payload.factorVersions)) difference(`${where}: factorVersions expected ${JSON.stringify(versions)} found ${JSON.stringify(payload.factorVersions)}`);
    checkSnapshot(where, receipt);
    checkCredits(where, payload, expectedTotals);
  }
}

/**
 * The (event id, revision) pairs a receipt signed, kept compact for a month of millions of rows: numeric ids of up to
 * 14 digits as one float key each (the id right-padded with zeros to 14 digits, times 16, plus its length), which
 * sorts numerically exactly as the ids sort as text (the order the snapshot digest uses), and revisions beside them.
 * Any other id switches this receipt to plain strings.
 */
class SignedEntries {
  constructor() { this.n = 0; this.keys = new Float64Array(4096); this.revisions = new Uint32Array(4096); this.strings = null; }

  add(id, revision) {
    if (this.strings === null && (!/^[1-9]\d{0,13}$/.test(id) || revision > 0xffffffff)) this.toStrings();
    if (this.strings !== null) { this.strings.push(`${id}\u0000${revision}`); return; }
    if (this.n === this.keys.length) {
      const keys = new Float64Array(this.n * 2); keys.set(this.keys); this.keys = keys;
      const revisions = new Uint32Array(this.n * 2); revisions.set(this.revisions); this.revisions = revisions;
    }
    this.keys[this.n] = Number(id.padEnd(14, '0')) * 16 + id.length;
    this.revisions[this.n++] = revision;
  }

  static idOf(key) {
    const length = key % 16;
    return String((key - length) / 16).slice(0, length);
  }

  toStrings() {
    this.strings = [];
    for (let i = 0; i < this.n; i++) this.strings.push(`${SignedEntries.idOf(this.keys[i])}\u0000${this.revisions[i]}`);
    this.keys = null; this.revisions = null;
  }

  get size() { return this.strings?.length ?? this.n; }

  /** [id, revision] pairs sorted by id as text (UTF-16 code units). */
  *sorted() {
    if (this.strings !== null) {
      for (const entry of this.strings.sort()) yield entry.split('\u0000');
      return;
    }
    const { keys, revisions } = this;
    const order = new Uint32Array(this.n).map((_, i) => i).sort((a, b) => keys[a] - keys[b]);
    for (const i of order) yield [SignedEntries.idOf(keys[i]), revisions[i]];
  }
}

/** The signed snapshot reference: SHA-256 of the canonical [{ id, revision }] list, sorted by id, of the rows signed. */
function checkSnapshot(where, receipt) {
  const hash = createHash('sha256');
  hash.update('[');
  let previous = null;
  let i = 0;
  for (const [id, revision] of receipt.entries.sorted()) {
    if (id === previous) difference(`${where}: event ${id} is signed twice (two rows name this receipt)`);
    hash.update(`${i++ > 0 ? ',' : ''}{"id":${JSON.stringify(id)},"revision":${revision}}`);
    previous = id;
  }
  hash.update(']');
  const count = receipt.entries.size;
  const snapshot = own(receipt.payload, 'snapshot');
  if (own(snapshot, 'events') !== String(count)) difference(`${where}: snapshot.events expected ${count} (rows signed by it) found ${own(snapshot, 'events')}`);
  const hex = hash.digest('hex');
  if (own(snapshot, 'sha256') !== hex) difference(`${where}: snapshot.sha256 expected ${hex} (of the rows signed by it) found ${own(snapshot, 'sha256')}`);
  receipt.entries = null;
}

/** Credits are owed at the high CO2e bound rounded up to the gram (nothing for a negative adjustment). */
function checkCredits(where, payload, totals) {
  const high = totals.co2e[2];
  let grams = 0n;
  if (high.u > 0n) {
    const divisor = pow10(high.s);
    grams = high.u / divisor + (high.u % divisor === 0n ? 0n : 1n);
  }
  const required = text({ u: grams, s: 6 });
  const found = own(own(payload, 'credits'), 'requiredTonnes');
  if (found !== required) difference(`${where}: credits.requiredTonnes expected ${required} (high CO2e rounded up to the gram) found ${found}`);
}

// ---------------------------------------------------------------------------------------------------------------
// 4. Disclosure and pending restatements

const pick = (object, name) => own(object, name);

// Groupings of the disclosure, each with how an entry and a CSV row name their group (null: only the sum is checked).
const SEP = '\u0000';
const GROUPINGS = [
  { name: 'breakdown.byProvider', entries: (d) => pick(pick(d, 'breakdown'), 'byProvider'), entryKey: (e) => pick(e, 'provider'), rowKey: (g) => g('provider') },
  { name: 'breakdown.byModel', entries: (d) => pick(pick(d, 'breakdown'), 'byModel'), entryKey: (e) => [pick(e, 'provider'), pick(e, 'model')].join(SEP), rowKey: (g) => [g('provider'), g('model')].join(SEP) },
  { name: 'breakdown.byProject', entries: (d) => pick(pick(d, 'breakdown'), 'byProject'), entryKey: (e) => pick(e, 'projectId') ?? '', rowKey: (g) => g('projectId') },
  { name: 'breakdown.byRegion', entries: (d) => pick(pick(d, 'breakdown'), 'byRegion'), entryKey: null, rowKey: null },
  {
    name: 'lines', entries: (d) => pick(d, 'lines'),
    entryKey: (e) => [pick(e, 'provider'), pick(e, 'model'), pick(e, 'projectId') ?? '', pick(e, 'factorVersion'), pick(e, 'tier')].join(SEP),
    rowKey: (g) => [g('provider'), g('model'), g('projectId'), g('factorVersion'), g('tier')].join(SEP),
  },
];

/** A disclosure figure object ({ tokens: { prefill, decode, cached, reasoning }, energyKwh, co2eKg }) against sums in Wh and g. */
function compareDisclosureFigures(label, f, found) {
  const tokens = pick(found, 'tokens');
  const expected = { prefill: f.iu + f.icw, decode: f.out, cached: f.icr, reasoning: f.rsn };
  for (const [name, value] of Object.entries(expected)) {
    if (pick(tokens, name) !== value.toString()) difference(`disclosure.json: ${label}.tokens.${name} expected ${value} found ${pick(tokens, name)}`);
  }
  compareDisclosureBounds(`${label}.energyKwh`, f.energy.map((e) => shift(e, 3)), pick(found, 'energyKwh'));
  compareDisclosureBounds(`${label}.co2eKg`, f.co2e.map((c) => shift(c, 3)), pick(found, 'co2eKg'));
}

function compareDisclosureBounds(label, values, found) {
  for (const [i, bound] of BOUNDS.entries()) {
    const parsed = decimal(pick(found, bound));
    if (!parsed || cmp(parsed, values[i]) !== 0) difference(`disclosure.json: ${label}.${bound} expected ${text(values[i])} found ${pick(found, bound)}`);
  }
}

/** A disclosure figure object as sums in Wh and g (null when malformed). */
function fromDisclosureFigures(e) {
  const f = newFigures();
  const tokens = pick(e, 'tokens');
  const ints = ['prefill', 'decode', 'cached', 'reasoning'].map((k) => pick(tokens, k));
  const energy = BOUNDS.map((b) => decimal(pick(pick(e, 'energyKwh'), b)));
  const co2e = BOUNDS.map((b) => decimal(pick(pick(e, 'co2eKg'), b)));
  if (ints.some((v) => typeof v !== 'string' || !/^\d+$/.test(v)) || [...energy, ...co2e].some((v) => v === null)) return null;
  // Prefill is one class in the disclosure: carried as inputUncached so that sums compare field by field.
  [f.iu, f.out, f.icr, f.rsn] = ints.map(BigInt);
  f.energy = energy.map((d) => ({ u: d.u * 1000n, s: d.s }));
  f.co2e = co2e.map((d) => ({ u: d.u * 1000n, s: d.s }));
  return f;
}

function checkDisclosure(disclosure, current, receipts, factorSets, month) {
  if (pick(disclosure, 'schema') !== 'carbonplan.disclosure/v1') difference(`disclosure.json: schema expected carbonplan.disclosure/v1 found ${pick(disclosure, 'schema')}`);
  const period = pick(disclosure, 'period');
  if (month && pick(period, 'start') !== `${month}-01`) difference(`disclosure.json: period.start expected ${month}-01 found ${pick(period, 'start')}`);
  const totals = pick(disclosure, 'totals');
  compareDisclosureFigures('totals', current.totals, totals);
  compareDisclosureBounds('totals.co2eT', current.totals.co2e.map((c) => shift(c, 6)), pick(totals, 'co2eT'));

  // Every breakdown sums to the totals; where its entries name a group, each group matches the rows too.
  for (const grouping of GROUPINGS) {
    const entries = grouping.entries(disclosure);
    if (!Array.isArray(entries)) { difference(`disclosure.json: ${grouping.name} is missing`); continue; }
    const sum = newFigures();
    const byKey = new Map();
    for (const e of entries) {
      const f = fromDisclosureFigures(e);
      if (!f) { difference(`disclosure.json: ${grouping.name} has an entry without exact figures`); continue; }
      addFigures(sum, f);
      if (grouping.entryKey) {
        const key = grouping.entryKey(e);
        if (!byKey.has(key)) byKey.set(key, newFigures());
        addFigures(byKey.get(key), f);
      }
    }
    compareDisclosureFigures(`sum of ${grouping.name}`, current.totals, { tokens: tokensOf(sum), energyKwh: boundsOf(sum.energy), co2eKg: boundsOf(sum.co2e) });
    if (!grouping.entryKey) continue;
    const rows = current.groups.get(grouping.name);
    for (const [key, f] of rows) {
      const label = `${grouping.name} ${key.split(SEP).join('/')}`;
      const found = byKey.get(key);
      if (!found) difference(`disclosure.json: ${label} expected an entry (CO2e central ${text(shift(f.co2e[1], 3))} kg) found none`);
      else compareDisclosureFigures(label, f, { tokens: tokensOf(found), energyKwh: boundsOf(found.energy), co2eKg: boundsOf(found.co2e) });
    }
    for (const key of byKey.keys()) if (!rows.has(key)) difference(`disclosure.json: ${grouping.name} names ${key.split(SEP).join('/')}, which has no current row this month`);
  }

  const versions = [...new Set([...current.groups.get('lines').keys()].map((k) => k.split(SEP)[3]))].sort();
  const used = pick(disclosure, 'factorVersionsUsed');
  if (JSON.stringify(used) !== JSON.stringify(versions)) difference(`disclosure.json: factorVersionsUsed expected ${JSON.stringify(versions)} found ${JSON.stringify(used)}`);
  const factorSet = pick(disclosure, 'factorSet');
  const set = factorSets.get(pick(factorSet, 'version'));
  if (set) {
    const hex = sha256(canonicalJson(set.doc)).toString('hex');
    if (pick(factorSet, 'sha256') !== hex) difference(`disclosure.json: factorSet.sha256 expected ${hex} (canonical JSON of factor-sets/${set.version}.json) found ${pick(factorSet, 'sha256')}`);
  } else if (versions.length > 0) difference(`disclosure.json: factorSet.version ${pick(factorSet, 'version')} has no factor-sets/<version>.json in the pack`);

  const listed = pick(disclosure, 'receipts');
  if (!Array.isArray(listed)) { difference('disclosure.json: receipts is missing'); return; }
  const named = new Set();
  for (const r of listed) {
    const serial = pick(r, 'serial');
    named.add(serial);
    const receipt = receipts.get(serial);
    if (!receipt) { difference(`disclosure.json: names receipt ${serial}, which is not in the pack`); continue; }
    if (pick(r, 'payloadSha256') !== receipt.digestHex) difference(`disclosure.json: receipts ${serial} payloadSha256 expected ${receipt.digestHex} found ${pick(r, 'payloadSha256')}`);
    for (const field of ['kind', 'adjusts', 'issuedAt']) {
      if (pick(r, field) !== pick(receipt.payload, field)) difference(`disclosure.json: receipts ${serial} ${field} expected ${pick(receipt.payload, field)} found ${pick(r, field)}`);
    }
  }
  for (const serial of receipts.keys()) if (!named.has(serial)) difference(`disclosure.json: receipts does not list ${serial}, a receipt of the month in this pack`);
}

const tokensOf = (f) => ({ prefill: String(f.iu + f.icw), decode: String(f.out), cached: String(f.icr), reasoning: String(f.rsn) });
const boundsOf = (values) => Object.fromEntries(BOUNDS.map((b, i) => [b, text(shift(values[i], 3))]));

function reportRestatements(periods, receipts, month) {
  for (const period of periods) {
    const signed = newFigures();
    for (const r of [period.receipt, ...[...receipts.values()].filter((x) => x.payload.kind === 'adjustment' && x.payload.adjusts === period.receipt.serial)]) {
      const f = fromReceiptFigures(r.payload.totals);
      if (f) addFigures(signed, f);
    }
    const partial = month && (period.days.from < month.from || period.days.to > month.to)
      ? ' (the period reaches outside the month: only its events in this pack are counted)' : '';
    const delta = newFigures();
    addFigures(delta, period.current);
    addFigures(delta, signed, -1);
    if (figuresAreZero(delta)) {
      say(`period of ${period.receipt.serial}: current usage equals the period receipt plus its adjustments${partial}`);
      continue;
    }
    const kg = (values) => BOUNDS.map((b, i) => `${b} ${text(shift(values[i], 3))}`).join(', ');
    say(`pending restatement: period of ${period.receipt.serial} now ${kg(period.current.co2e)} kg CO2e, receipts signed ${kg(signed.co2e)}; `
      + `difference ${kg(delta.co2e)} kg, tokens in ${delta.iu + delta.icw + delta.icr}, out ${delta.out}${partial}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Public log: each receipt's leaf hash, index within the checkpoint, and (when the pack carries a log key) the
// checkpoint's signature and any inclusion proofs

function hashChildren(left, right) { return createHash('sha256').update(Buffer.from([1])).update(left).update(right).digest(); }

function verifyInclusion(leaf, index, size, proof, root) {
  if (index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else r = hashChildren(r, p);
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

// A receipt missing from the log is a note, not a difference: its signature and figures stand on their own, and a
// receipt whose log append is still pending is checked at /public/receipts/verify/<serial>.
function checkLog(listed, receipts, keys) {
  if (receipts.size === 0 && !listed.has('transparency-log/entries.json')) return;
  if (!listed.has('transparency-log/checkpoint.txt') || !listed.has('transparency-log/entries.json')) {
    say('note: the pack has no public log checkpoint; check each receipt\'s log inclusion at /public/receipts/verify/<serial>');
    return;
  }
  const note = readFileSync(inPack('transparency-log/checkpoint.txt'), 'utf8');
  const split = note.lastIndexOf('\n\n');
  const body = split >= 0 ? note.slice(0, split + 1) : note;
  const [origin, sizeLine, rootLine] = body.split('\n');
  const size = /^\d+$/.test(sizeLine ?? '') ? Number(sizeLine) : NaN;
  const root = base64Bytes(rootLine ?? '');
  if (Number.isNaN(size) || !root || root.length !== 32) { difference('transparency-log/checkpoint.txt: not a checkpoint (origin, size, root)'); return; }
  const logKeys = [...keys.values()].filter((k) => k.purpose === 'log');
  if (logKeys.length > 0 && split >= 0) {
    const verified = note.slice(split + 2).split('\n').filter(Boolean).some((line) => {
      const m = /^\u2014 (\S+) (\S+)$/u.exec(line);
      const sig = m && base64Bytes(m[2]);
      if (!sig || sig.length !== 68) return false;
      return logKeys.some((k) => {
        const id = createHash('sha256').update(m[1], 'utf8').update(Buffer.from([0x0a, 0x01])).update(k.bytes).digest().subarray(0, 4);
        return id.equals(sig.subarray(0, 4)) && verifyEd25519(Buffer.from(body, 'utf8'), sig.subarray(4), k.bytes) === null;
      });
    });
    if (!verified) difference('transparency-log/checkpoint.txt: not signed by the log key in public-keys.json');
    else say(`transparency-log: checkpoint of ${origin} (size ${size}) signed by the log key`);
  } else say(`note: transparency-log checkpoint of ${origin} (size ${size}): no log key in public-keys.json, its signature is not checked here`);

  const { value: entries, error } = readJson('transparency-log/entries.json');
  if (error || !Array.isArray(entries)) { difference(`transparency-log/entries.json: ${error ?? 'not a list'}`); return; }
  const bySerial = new Map(entries.map((e) => [pick(e, 'serial'), e]));
  let proofs = 0;
  let logged = 0;
  for (const receipt of receipts.values()) {
    const entry = bySerial.get(receipt.serial);
    const where = `transparency-log/entries.json ${receipt.serial}`;
    if (!entry) { say(`note: receipt ${receipt.serial} is not in this pack's log checkpoint; check it at /public/receipts/verify/${receipt.serial}`); continue; }
    logged++;
    const entrySize = pick(entry, 'treeSize');
    if (entrySize !== undefined && entrySize !== size) difference(`${where}: treeSize expected ${size} (the checkpoint's) found ${entrySize}`);
    const leaf = createHash('sha256').update(Buffer.from([0])).update(Buffer.from(receipt.digestHex, 'hex')).digest();
    const stated = pick(entry, 'leafHash');
    const statedBytes = typeof stated === 'string' && /^[0-9a-f]{64}$/i.test(stated) ? Buffer.from(stated, 'hex') : base64Bytes(stated);
    if (!statedBytes || !statedBytes.equals(leaf)) difference(`${where}: leafHash expected ${leaf.toString('hex')} (SHA-256 of 0x00 and the payload digest) found ${stated}`);
    const index = pick(entry, 'index');
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) difference(`${where}: index ${index} is not within the checkpoint's ${size} entries`);
    const proof = pick(entry, 'inclusionProof', 'proof');
    if (Array.isArray(proof) && Number.isSafeInteger(index)) {
      proofs++;
      const hashes = proof.map(base64Bytes);
      if (hashes.some((h) => !h || h.length !== 32) || !verifyInclusion(leaf, index, size, hashes, root)) difference(`${where}: inclusion proof does not place the receipt at index ${index} of the checkpoint`);
    }
  }
  say(`transparency-log: ${logged} of ${receipts.size} receipts have log entries${proofs ? `, ${proofs} inclusion proofs verified` : ''}`);
}

// ---------------------------------------------------------------------------------------------------------------

async function main() {
  if (!existsSync(inPack('manifest.json'))) {
    console.log(`cannot read the pack: no manifest.json in ${PACK}`);
    return 2;
  }
  say(`audit pack: ${PACK}`);
  const { manifest, listed, digest } = await checkManifest();
  say(`pack of ${manifest.orgId ?? '?'} for ${manifest.month ?? '?'}, version ${manifest.version ?? '?'}, generated ${manifest.generatedAt ?? '?'}`);
  const keys = collectKeys(listed);
  if (digest) checkManifestSignature(manifest, digest, keys);
  const month = monthRange(manifest.month);
  if (!month) difference(`manifest.json: month expected YYYY-MM found ${manifest.month}`);

  const factorSets = new Map();
  for (const p of [...listed.keys()].filter((f) => /^factor-sets\/[^/]+\.json$/.test(f))) {
    const { value, error } = readJson(p);
    if (error) { difference(`${p}: ${error}`); continue; }
    const set = prepareFactorSet(value, p);
    set.problems.forEach(difference);
    if (set.version) factorSets.set(set.version, set);
  }
  say(`factor sets: ${[...factorSets.keys()].join(', ') || 'none'}`);

  const receipts = loadReceipts(listed);
  const periods = [];
  for (const r of receipts.values()) {
    if (month && typeof r.serial === 'string' && r.serial.slice(3, 9) !== manifest.month.replace('-', '')) difference(`receipt ${r.serial}: not a receipt of ${manifest.month}`);
    if (r.payload.kind === 'period') {
      const days = periodDays(r.payload.period);
      if (!days) difference(`receipt ${r.serial}: period is not a pair of instants`);
      else periods.push({ receipt: r, days, current: newFigures() });
    }
  }
  const kinds = [...receipts.values()].map((r) => r.payload.kind);
  say(`receipts: ${receipts.size} (${kinds.filter((k) => k === 'period').length} period, ${kinds.filter((k) => k === 'adjustment').length} adjustment), signatures checked`);

  if (!listed.has('calculations.csv')) {
    difference('calculations.csv: not in the pack');
  } else {
    const { rows, current, unknownSerials, isReadable } = await readCalculations({ factorSets, receipts, month, periods });
    say(`calculations.csv: ${count(rows)} rows checked, ${count(current.totals.rows)} current in ${manifest.month}`);
    if (rows === 0 && isReadable) say(`no usage: calculations.csv has no rows for ${manifest.month}`);
    for (const [serial, n] of unknownSerials) say(`note: ${count(n)} rows name receipt ${serial}, which is not in this pack; its figures are not checked here`);
    if (isReadable) {
      checkReceiptFigures(receipts);
      say(`receipts: figures recomputed from the rows each signed`);
      if (!listed.has('disclosure.json')) difference('disclosure.json: not in the pack');
      else {
        const { value, error } = readJson('disclosure.json');
        if (error) difference(`disclosure.json: ${error}`);
        else checkDisclosure(value, current, receipts, factorSets, manifest.month);
        say('disclosure.json: totals and breakdowns compared with the current rows');
      }
      reportRestatements(periods, receipts, month);
    }
  }
  checkLog(listed, receipts, keys);

  if (differences === 0) {
    say('match');
    return 0;
  }
  say(`mismatch: ${differences} difference${differences === 1 ? '' : 's'}`);
  return 1;
}

main().then((code) => { process.exitCode = code; }, (err) => {
  console.log(`cannot check the pack: ${err?.stack ?? err}`);
  process.exitCode = 2;
});
