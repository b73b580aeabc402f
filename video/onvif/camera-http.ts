// The one place the driver's own SOAP client opens a connection to a camera.
// Kept to a single function on purpose: a network allow-list or a connection
// budget guards every camera request by wrapping this function alone.
import http from 'node:http';

/** Largest answer read from a camera: GetProfiles of a 24-profile camera is ~600 kB. */
export const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

export interface CameraHttpRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** Aborting cuts the socket; the promise rejects with the signal's reason. */
  signal: AbortSignal;
}

export interface CameraHttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export class AnswerTooLarge extends Error {
  constructor() {
    super(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`);
  }
}

/** One HTTP exchange with a camera (no keep-alive: cameras close idle sockets early). */
export function cameraHttp(url: URL, request: CameraHttpRequest): Promise<CameraHttpAnswer> {
  return new Promise((resolve, reject) => {
    if (request.signal.aborted) return reject(request.signal.reason);
    const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
    const req = http.request(url, {
      method: request.method,
      agent: false,
      headers: { ...request.headers, ...(body ? { 'Content-Length': String(body.length) } : {}), Connection: 'close' },
      signal: request.signal,
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) {
          req.destroy(new AnswerTooLarge());
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
