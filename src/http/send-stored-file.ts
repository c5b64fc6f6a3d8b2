import type { Response } from 'express';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A stored object as a download route gets it: a short-lived link (S3) or the bytes themselves (local folder). */
export type StoredFile = { url: string } | { stream: Readable; filename: string };

/**
 * Answers with a private file: a 302 to its presigned link, or the bytes streamed under `filename`. Never cached by
 * a shared cache: the file belongs to one organization.
 */
export async function sendStoredFile(res: Response, file: StoredFile, type: { contentType: string; disposition: 'inline' | 'attachment' }): Promise<undefined> {
  res.setHeader('Cache-Control', 'private, no-store');
  if ('url' in file) {
    res.redirect(302, file.url);
    return undefined;
  }
  res.status(200);
  res.setHeader('Content-Type', type.contentType);
  res.setHeader('Content-Disposition', `${type.disposition}; filename="${file.filename}"`);
  await pipeline(file.stream, res);
  return undefined;
}
