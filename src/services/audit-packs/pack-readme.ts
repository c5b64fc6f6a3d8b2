export interface ReadmeFacts {
  orgName: string;
  month: string;
  version: number;
  events: number;
  factorVersions: string[];
  receipts: Array<{ serial: string; kind: string; hasPdf: boolean; pdfStatus: string }>;
  hasCover: boolean;
}

/** README.txt: what each file is and how to check the pack, with what this pack in particular lacks. */
export function packReadme(f: ReadmeFacts): string {
  const missingPdfs = f.receipts.filter((r) => !r.hasPdf);
  const lines = [
    `CarbonPlan audit pack: ${f.orgName}, ${f.month} (UTC), version ${f.version}`,
    '',
    f.events === 0
      ? `No usage was recorded for ${f.month}: calculations.csv holds only its header (plus any earlier revision a receipt signed) and the disclosure totals are zero.`
      : `${f.events.toLocaleString('en-US')} usage events of ${f.month}.`,
    f.receipts.length === 0
      ? 'No receipt was issued for this month (receipts/ is absent).'
      : `${f.receipts.length} receipt(s) of this month: ${f.receipts.map((r) => `${r.serial} (${r.kind})`).join(', ')}.`,
    '',
    'How to check it (Node.js 20 or newer, no dependencies, no network):',
    '  node recalculate.mjs',
    'run in this folder. It checks every file against manifest.json, the manifest signature and every receipt',
    'signature, recomputes every figure in exact decimal arithmetic and prints "match" on its last line, or each',
    'difference and "mismatch: N differences".',
    '',
    'Files',
    '  manifest.json        path, size and SHA-256 of every other file (except manifest.sig and cover.pdf); its own',
    '                       SHA-256 is printed on cover.pdf and returned by the API as manifestSha256',
    '  manifest.sig         Ed25519 signature (base64) over the 32 raw bytes of SHA-256(manifest.json), by the receipt',
    '                       key named in manifest.json (keyId)',
    '  cover.pdf            organization, month, version, totals and the manifest SHA-256 (not in the manifest)',
    '  public-keys.json     the public keys this pack uses (receipt keys, the manifest key, the public log key) as',
    '                       published at /public/keys',
    '  calculations.csv     one row per usage event of the month (its current revision) and per earlier revision a',
    '                       receipt of the month signed: token classes, tier and matched rule, factor values, PUE,',
    '                       grid intensity, energy (Wh) and CO2e (g) with low/central/high bounds; signedBy names the',
    '                       receipts that signed that revision',
    `  factor-sets/         the factor set document(s) used: ${f.factorVersions.map((v) => `${v}.json`).join(', ') || 'none'}`,
    '  methodology.md       the formula, factors, sources, limitations and how bounds are built',
    '  disclosure.json      the month\'s Scope 3 category 1 disclosure (same figures as GET /api/v1/disclosure)',
    '  disclosure.csv       the same, one row per month x provider x model x project x region',
    '  receipts/<serial>/   payload.json (the canonical JSON exactly as signed), signature.txt (as stored, base64url),',
    '                       public-key.txt (the signing key as published), receipt.pdf (when rendered)',
    '  transparency-log/    checkpoint.txt (the public log\'s signed checkpoint covering these receipts) and',
    '                       entries.json (each receipt\'s log index, leaf hash and inclusion proof)',
    '  recalculate.mjs      the checking script',
  ];
  if (missingPdfs.length > 0) {
    lines.push('', 'Receipts without a PDF in this pack (the signed payload is the receipt; the PDF is a rendering of it):');
    for (const r of missingPdfs) lines.push(`  ${r.serial}: PDF ${r.pdfStatus}`);
  }
  if (!f.hasCover) lines.push('', 'cover.pdf is absent: no PDF renderer was available when this pack was built.');
  return `${lines.join('\n')}\n`;
}
