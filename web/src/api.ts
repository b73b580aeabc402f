// The server's REST API with the session's bearer token; errors carry the server's
// `{error: {code, message}}` so pages can show what went wrong in plain words.
// `api.get('/api/cameras/{id}', { path: { id } })` is typed from the OpenAPI document:
// the path must exist, the body and answer are the server's own types.
import { tr } from './i18n';
import type { Answer, ErrorBody, Method, PathWith, RequestOptions } from './api/types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

let token: string | null = localStorage.getItem('wg.token');
let onUnauthorized: () => void = () => undefined;

export function setToken(next: string | null): void {
  token = next;
  if (next) localStorage.setItem('wg.token', next);
  else localStorage.removeItem('wg.token');
}

export function getToken(): string | null {
  return token;
}

export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

async function send<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
  idempotencyKey?: string,
): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const data: unknown = text ? safeJson(text) : undefined;
  if (!res.ok) throw failure(path, res.status, res.statusText, data);
  return data as T;
}

/** The server's `{error}` as an ApiError; a 401 (but the login's own) shows the login again. */
function failure(path: string, status: number, statusText: string, data: unknown): ApiError {
  const err = (data as Partial<ErrorBody> | undefined)?.error;
  if (status === 401 && path !== '/api/auth/login') onUnauthorized();
  return new ApiError(status, err?.code ?? `http_${status}`, err?.message ?? statusText, err?.details);
}

/**
 * Sends a file as the raw body of a POST with the session's token, reporting upload
 * progress (fetch cannot). Errors are ApiErrors as for `api`, a 401 handled the same way.
 */
export function uploadRaw<T>(path: string, file: Blob, onProgress: (fraction: number) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      const data: unknown = xhr.responseText ? safeJson(xhr.responseText) : undefined;
      if (xhr.status >= 200 && xhr.status < 300) return resolve(data as T);
      reject(failure(path, xhr.status, xhr.statusText, data));
    };
    // The server may refuse a file that is too large before it has read it all and
    // close the connection: the browser then sees no answer at all.
    xhr.onerror = () =>
      reject(
        new ApiError(0, 'network', tr('上传中断（文件可能过大）', 'Upload interrupted (the file may be too large)')),
      );
    xhr.send(file);
  });
}

/**
 * A fresh key for one write the user means once (a report form): resent after a lost
 * answer with the same key, it is done once. getRandomValues, not randomUUID, which
 * needs a secure context that a command room's http:// address is not.
 */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The options argument is optional when the route needs no path parameters and no body. */
type Rest<P extends PathWith<M>, M extends Method> =
  object extends RequestOptions<P, M> ? [options?: RequestOptions<P, M>] : [options: RequestOptions<P, M>];

function request<M extends Method, P extends PathWith<M>>(
  method: M,
  path: P,
  options?: { path?: unknown; query?: unknown; body?: unknown; signal?: AbortSignal; idempotencyKey?: string },
): Promise<Answer<P, M>> {
  const params = (options?.path ?? {}) as Record<string, string | number>;
  let url = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(params[name])));
  const query = Object.entries((options?.query ?? {}) as Record<string, unknown>).filter(
    ([, v]) => v !== undefined && v !== null,
  );
  if (query.length) url += `?${new URLSearchParams(query.map(([k, v]) => [k, String(v)])).toString()}`;
  const body = options?.body ?? (method === 'post' ? {} : undefined);
  return send<Answer<P, M>>(method.toUpperCase(), url, body, options?.signal, options?.idempotencyKey);
}

/** Requests typed by the OpenAPI path, e.g. `api.put('/api/cameras/{id}/streams', { path: { id }, body })`. */
export const api = {
  get: <P extends PathWith<'get'>>(path: P, ...[o]: Rest<P, 'get'>) => request('get', path, o),
  post: <P extends PathWith<'post'>>(path: P, ...[o]: Rest<P, 'post'>) => request('post', path, o),
  put: <P extends PathWith<'put'>>(path: P, ...[o]: Rest<P, 'put'>) => request('put', path, o),
  patch: <P extends PathWith<'patch'>>(path: P, ...[o]: Rest<P, 'patch'>) => request('patch', path, o),
  delete: <P extends PathWith<'delete'>>(path: P, ...[o]: Rest<P, 'delete'>) => request('delete', path, o),
};

// Untyped, for the routes whose answer the OpenAPI document does not describe yet
// (plans, map files, stats …): the caller names the type it expects.
export const get = <T = unknown>(path: string, signal?: AbortSignal) => send<T>('GET', path, undefined, signal);
export const post = <T = unknown>(path: string, body?: unknown) => send<T>('POST', path, body ?? {});
export const put = <T = unknown>(path: string, body: unknown) => send<T>('PUT', path, body);
export const patch = <T = unknown>(path: string, body: unknown) => send<T>('PATCH', path, body);
export const del = <T = unknown>(path: string) => send<T>('DELETE', path);
