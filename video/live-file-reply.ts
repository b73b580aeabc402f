// Sends a relay's playlist or segment: from this instance's directory, or fetched from
// the instance that runs the relay with the caller's own credentials, once (a proxied
// request is never proxied again: during a lease hand-over two instances could bounce it).
import { createReadStream } from 'node:fs';
import type { Request, Response } from 'express';
import { ServiceUnavailable } from '../platform/errors.js';
import type { LiveFile } from './live-video.service.js';

export async function sendLiveFile(found: LiveFile, req: Request, res: Response): Promise<void> {
  if (!found.local) {
    if (req.headers['x-wangge-proxied']) throw new ServiceUnavailable('The relay is changing hands; try again', 1);
    const headers: Record<string, string> = { 'x-wangge-proxied': '1' };
    if (req.headers.authorization) headers['authorization'] = req.headers.authorization;
    const upstream = await fetch(found.url, { headers });
    res.status(upstream.status).type(upstream.headers.get('content-type') ?? 'application/octet-stream');
    res.send(Buffer.from(await upstream.arrayBuffer()));
    return;
  }
  res.status(200).type(found.file.contentType).setHeader('Cache-Control', found.file.cacheControl);
  await new Promise<void>((resolve, reject) => {
    createReadStream(found.file.path).on('error', reject).pipe(res).on('finish', resolve).on('error', reject);
  });
}
