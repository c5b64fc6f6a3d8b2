// carbonplan-verify: offline verification of a receipt (the JSON of GET /public/receipts/verify/{serial}?code=…).
// Exit 0 valid, 1 not valid (each reason printed), 2 usage or input error.
import { readFile } from 'node:fs/promises';
import { readPinnedKeys, verifyReceiptFile, type PinnedKey } from './verify-receipt';

export const VERIFY_USAGE = 'usage: carbonplan-verify RECEIPT.json (--keys KEYS.json | --base-url https://api.example) [--skip-log] [--json]';

export interface VerifyIo {
  out(line: string): void;
  err(line: string): void;
  /** Injected in tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

interface VerifyArgs { receipt?: string; keys?: string; baseUrl?: string; isLogSkipped: boolean; isJson: boolean; isHelp: boolean }

function parseArgs(argv: string[]): VerifyArgs | string {
  const args: VerifyArgs = { isLogSkipped: false, isJson: false, isHelp: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') args.isHelp = true;
    else if (a === '--skip-log') args.isLogSkipped = true;
    else if (a === '--json') args.isJson = true;
    else if (a === '--keys' || a === '--base-url') {
      const value = argv[++i];
      if (value === undefined) return `${a} needs a value`;
      if (a === '--keys') args.keys = value; else args.baseUrl = value;
    } else if (a.startsWith('-')) return `unknown option ${a}`;
    else if (args.receipt === undefined) args.receipt = a;
    else return `unexpected argument ${a}`;
  }
  if (args.isHelp) return args;
  if (!args.receipt) return 'name the receipt file';
  if ((args.keys === undefined) === (args.baseUrl === undefined)) return 'pin the keys with exactly one of --keys or --base-url (a key inside the receipt is never trusted)';
  return args;
}

async function readJson(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`the ${what} ${file} is not JSON`);
  }
}

async function fetchKeys(baseUrl: string, doFetch: typeof fetch): Promise<unknown> {
  let url: URL;
  try {
    url = new URL('/public/keys', baseUrl);
  } catch {
    throw new Error(`--base-url ${baseUrl} is not a URL`);
  }
  const res = await doFetch(url, { headers: { accept: 'application/jwk-set+json, application/json' }, signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET ${url.href} answered ${res.status}`);
  return res.json() as Promise<unknown>;
}

export async function runVerify(argv: string[], io: VerifyIo): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    io.err(`error: ${args}`);
    io.err(VERIFY_USAGE);
    return 2;
  }
  if (args.isHelp) {
    io.out(VERIFY_USAGE);
    return 0;
  }
  let receipt: unknown;
  let pinned: PinnedKey[];
  try {
    receipt = await readJson(args.receipt!, 'receipt');
    const set = args.keys !== undefined ? await readJson(args.keys, 'key file') : await fetchKeys(args.baseUrl!, io.fetch ?? fetch);
    const read = readPinnedKeys(set);
    for (const problem of read.problems) io.err(`warning: ${problem} (ignored)`);
    if (read.keys.length === 0) throw new Error('no usable pinned key');
    pinned = read.keys;
  } catch (err) {
    io.err(`error: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  const result = verifyReceiptFile(receipt, pinned, { isLogSkipped: args.isLogSkipped });
  if (args.isJson) {
    io.out(JSON.stringify(result));
  } else {
    io.out(`${result.isValid ? 'VALID' : 'NOT VALID'}: receipt ${result.serial ?? '(no serial)'} signed by key ${result.keyId ?? '(none)'}`);
    if (result.payloadSha256) io.out(`payloadSha256 ${result.payloadSha256}`);
    io.out(`log: ${result.log === 'verified' ? 'inclusion proof and checkpoint signature verified' : result.log === 'absent' ? 'no log section in the file' : result.log === 'skipped' ? 'not verified (--skip-log)' : 'not verified'}`);
    for (const w of result.warnings) io.out(`warning: ${w}`);
    for (const f of result.failures) io.err(`reason: ${f}`);
  }
  return result.isValid ? 0 : 1;
}

if (require.main === module) {
  runVerify(process.argv.slice(2), { out: (l) => console.log(l), err: (l) => console.error(l) }).then(
    (code) => { process.exitCode = code; },
    (err: unknown) => { console.error(`error: ${err instanceof Error ? err.message : String(err)}`); process.exitCode = 2; },
  );
}
