// Reads from the server with the phone's device token (writes go through the queue).
export const APP_VERSION = '1.0.0';
const TOKEN_KEY = 'wg.phone.token';

let token: string | null = localStorage.getItem(TOKEN_KEY);

export const deviceToken = (): string | null => token;

export function setDeviceToken(next: string | null): void {
  token = next;
  if (next) localStorage.setItem(TOKEN_KEY, next);
  else localStorage.removeItem(TOKEN_KEY);
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function call<T>(method: string, path: string, body?: unknown, bearer = token): Promise<T> {
  const headers: Record<string, string> = { 'x-app-version': APP_VERSION };
  if (bearer) headers['authorization'] = `Bearer ${bearer}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const answer = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  if (!res.ok) throw new HttpError(res.status, answer?.error?.message ?? res.statusText);
  return answer as T;
}
