import vectors from '../../fixtures/transparency-log/vectors.json';
import {
  CheckpointError, formatVerifierKey, noteKeyId, parseAndVerifyCheckpoint, parseVerifierKey, signCheckpoint,
} from '../../../src/transparency-log/checkpoint';
import { rfc8032LogSigner } from '../../helpers/log-signer';

const cp = vectors.carbonplan.checkpoint;
const root3 = Buffer.from(vectors.carbonplan.roots['3'], 'hex');

describe('C2SP signed-note checkpoints', () => {
  const signer = rfc8032LogSigner('TEST 1');

  it('derives the reference key ID and verifier key from the RFC 8032 TEST 1 key', () => {
    expect(Buffer.from(signer.publicKey).toString('hex')).toBe(cp.logPublicKey);
    expect(noteKeyId(cp.origin, signer.publicKey).toString('hex')).toBe(cp.keyId);
    expect(formatVerifierKey(cp.origin, signer.publicKey)).toBe(cp.verifierKey);
    expect(parseVerifierKey(cp.verifierKey).publicKey.toString('hex')).toBe(cp.logPublicKey);
  });

  it('signs the reference checkpoint byte for byte (Ed25519 is deterministic)', async () => {
    const note = await signCheckpoint({ origin: cp.origin, treeSize: 3, root: root3 }, cp.origin, signer);
    const [logLine] = cp.note.split('\n\n')[1].split('\n');
    expect(note).toBe(`${cp.note.split('\n\n')[0]}\n\n${logLine}\n`);
  });

  it('verifies the reference note, ignoring the time cosignature by an unknown key', () => {
    const parsed = parseAndVerifyCheckpoint(cp.note, cp.verifierKey, cp.origin);
    expect(parsed).toMatchObject({ origin: cp.origin, treeSize: 3, extensions: [] });
    expect(parsed.root.equals(root3)).toBe(true);
  });

  const reject = (note: string, vkey = cp.verifierKey, origin?: string) => expect(() => parseAndVerifyCheckpoint(note, vkey, origin)).toThrow(CheckpointError);

  it('rejects tampered bodies, signatures and framing', () => {
    reject(cp.note.replace('\n3\n', '\n4\n'));
    reject(cp.note.replace('npRg', 'npRh'));
    reject(cp.note.replace('jtl+IE5U', 'jtl+IE5V'));
    reject(cp.note.slice(0, -1));
    reject(cp.note.replace('\n\n', '\n'));
    reject(cp.note.replace('\u2014 ', '- '));
    reject(cp.note.replace('\n\n', '\n\t\n\n'));
    reject(cp.note, cp.verifierKey, 'carbonplan.example/other-log');
  });

  it('rejects a note with no signature by the trusted key', () => {
    const other = rfc8032LogSigner('TEST 2');
    reject(cp.note, formatVerifierKey(cp.origin, other.publicKey));
    const onlyTime = cp.note.replace(/\n\u2014 carbonplan\.example\/receipts-log [^\n]+/, '');
    reject(onlyTime);
  });

  it('rejects malformed verifier keys', () => {
    for (const vkey of ['', 'name+8ed97e20', 'na me+8ed97e20+AddamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea', cp.verifierKey.replace('8ed97e20', '8ed97e21'), cp.verifierKey.replace('+Add', '+Bdd')]) {
      expect(() => parseVerifierKey(vkey)).toThrow(CheckpointError);
    }
  });

  it('rejects checkpoint bodies that break tlog-checkpoint', async () => {
    const sign = async (body: string) => {
      const { signature } = await signer.sign(Buffer.from(body));
      return `${body}\n\u2014 ${cp.origin} ${Buffer.concat([noteKeyId(cp.origin, signer.publicKey), signature]).toString('base64')}\n`;
    };
    const b64 = root3.toString('base64');
    reject(await sign(`${cp.origin}\n03\n${b64}\n`));
    reject(await sign(`${cp.origin}\n3\n${root3.subarray(1).toString('base64')}\n`));
    reject(await sign(`\n3\n${b64}\n`));
    reject(await sign(`${cp.origin}\n3\n`));
    expect(parseAndVerifyCheckpoint(await sign(`${cp.origin}\n3\n${b64}\nextension\n`), cp.verifierKey).extensions).toEqual(['extension']);
  });

  it('refuses to publish a note the signer signed with another key than it announced', async () => {
    const other = rfc8032LogSigner('TEST 2');
    await expect(signCheckpoint({ origin: cp.origin, treeSize: 3, root: root3 }, cp.origin, { publicKey: signer.publicKey, sign: other.sign })).rejects.toThrow(CheckpointError);
  });
});
