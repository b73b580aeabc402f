// Reads a request body that is not JSON (a photo, a video) into memory, refusing it
// as soon as it passes the limit rather than after.
import type { Request } from 'express';
import { AppError } from '../errors.js';

export async function readRawBody(req: Request, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > maxBytes)
    throw new AppError(413, 'too_large', `The body is ${declared} bytes; at most ${maxBytes} are accepted`, {
      bytes: declared,
      maxBytes,
    });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      req.unpipe();
      req.resume();
      throw new AppError(413, 'too_large', `The body passes ${maxBytes} bytes`, { maxBytes });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
