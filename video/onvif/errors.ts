// Typed errors of the ONVIF driver. Callers (camera health, the API, alerts)
// branch on `kind`, never on the `onvif` library's message texts, which differ
// between library versions and camera makers.
import { XMLParser } from 'fast-xml-parser';

export const ONVIF_ERROR_KINDS = [
  /** The camera refused the username or password. */
  'auth_failed',
  /** No connection: refused, no route, DNS failure, or the connection was cut before an answer. */
  'unreachable',
  /** No answer within the call's deadline. */
  'timeout',
  /** The camera says it is busy (HTTP 503 / 429: too many clients, rebooting). */
  'busy',
  /** Something answers, but not with SOAP/ONVIF (a vendor web page, a 404, an NVR's portal). */
  'not_onvif',
  /** A media profile has no RTSP stream URI. */
  'no_rtsp',
  /** The camera does not offer this (PTZ on a fixed camera, an optional action not implemented). */
  'unsupported',
  /** Any other SOAP fault, or an answer the driver cannot read. */
  'camera_fault',
] as const;

export type OnvifErrorKind = (typeof ONVIF_ERROR_KINDS)[number];

export interface OnvifErrorContext {
  /** host:port of the camera; never contains credentials. */
  camera: string;
  /** ONVIF operation (GetStreamUri, PullMessages, …) or driver step ("connect"). */
  operation: string;
}

export interface OnvifErrorDetails extends OnvifErrorContext {
  /** SOAP fault code and subcodes, outermost first, e.g. ["env:Sender", "ter:InvalidArgVal", "ter:NoProfile"]. */
  faultCodes?: readonly string[];
  cause?: unknown;
}

export class OnvifError extends Error {
  override readonly name = 'OnvifError';
  readonly kind: OnvifErrorKind;
  readonly camera: string;
  readonly operation: string;
  readonly faultCodes: readonly string[];
  /** The registration step that failed (clock, services, identity, profiles, streams, ptz, snapshot), when known. */
  step: string | null = null;

  constructor(kind: OnvifErrorKind, message: string, details: OnvifErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    this.camera = details.camera;
    this.operation = details.operation;
    this.faultCodes = details.faultCodes ?? [];
  }

  /** A plain object for logs and API answers (no stack, no library internals). */
  toJSON(): {
    kind: OnvifErrorKind;
    message: string;
    camera: string;
    operation: string;
    faultCodes: readonly string[];
  } {
    return {
      kind: this.kind,
      message: this.message,
      camera: this.camera,
      operation: this.operation,
      faultCodes: this.faultCodes,
    };
  }
}

export function isOnvifError(err: unknown, kind?: OnvifErrorKind): err is OnvifError {
  return err instanceof OnvifError && (kind === undefined || err.kind === kind);
}

export function onvifError(
  kind: OnvifErrorKind,
  ctx: OnvifErrorContext,
  what: string,
  extra: Omit<OnvifErrorDetails, keyof OnvifErrorContext> = {},
): OnvifError {
  return new OnvifError(kind, `camera ${ctx.camera}, ${ctx.operation}: ${what}`, { ...ctx, ...extra });
}

export function timeoutError(ctx: OnvifErrorContext, ms: number): OnvifError {
  return onvifError('timeout', ctx, `no answer within ${ms} ms`);
}

// ---------------------------------------------------------------------------
// Mapping the library's failures. It reports sockets errors as Node errors,
// SOAP faults as Error('ONVIF SOAP Fault: <reason>') and passes the answer's
// XML (namespace declarations stripped, prefixes kept) to the callback: the
// fault subcodes, which say what really happened, are only in that XML.

const CONNECTION_MESSAGES: Record<string, string> = {
  ECONNREFUSED: 'connection refused (nothing listens on that port, or the camera is off)',
  EHOSTUNREACH: 'no route to the camera',
  ENETUNREACH: 'network unreachable',
  EHOSTDOWN: 'the camera is down',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved (DNS not answering)',
  EADDRNOTAVAIL: 'the address is not available',
  ECONNRESET: 'the camera closed the connection without answering',
  EPIPE: 'the camera closed the connection without answering',
  ECONNABORTED: 'the connection was aborted',
};

const faultParser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: () => false,
});

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const r = record(value);
  if (r && '#text' in r) return textOf(r['#text']);
  if (Array.isArray(value)) return textOf(value[0]);
  return undefined;
}

export interface SoapFaultInfo {
  codes: string[];
  reason: string;
}

/** Reads a SOAP 1.2 (Code/Subcode/Reason) or 1.1 (faultcode/faultstring) fault; undefined when the XML holds none. */
export function parseSoapFault(xml: string | undefined): SoapFaultInfo | undefined {
  if (!xml || !/Fault/.test(xml)) return undefined;
  let doc: unknown;
  try {
    doc = faultParser.parse(xml);
  } catch {
    return undefined;
  }
  const fault = record(record(record(record(doc)?.Envelope)?.Body)?.Fault);
  if (!fault) return undefined;
  const codes: string[] = [];
  let code = record(fault.Code);
  if (code) {
    for (let depth = 0; code && depth < 8; depth++) {
      const v = textOf(code.Value);
      if (v) codes.push(v);
      code = record(code.Subcode);
    }
  } else {
    const v = textOf(fault.faultcode);
    if (v) codes.push(v);
  }
  const reason = textOf(record(fault.Reason)?.Text) ?? textOf(fault.Reason) ?? textOf(fault.faultstring) ?? '';
  return { codes, reason };
}

const localName = (code: string): string => code.slice(code.lastIndexOf(':') + 1);

/**
 * Turns whatever the library reported into an OnvifError. `xml` is the answer
 * the library handed to its callback, when there was one.
 */
export function mapLibraryError(err: unknown, xml: string | undefined, ctx: OnvifErrorContext): OnvifError {
  if (err instanceof OnvifError) return err;
  const e: NodeJS.ErrnoException = err instanceof Error ? err : new Error(String(err));
  const message = e.message ?? '';
  const code = typeof e.code === 'string' ? e.code : undefined;

  if (code === 'ETIMEDOUT' || message === 'Network timeout') {
    return onvifError('timeout', ctx, 'no answer before the socket timed out', { cause: err });
  }
  if (code !== undefined && code in CONNECTION_MESSAGES) {
    return onvifError('unreachable', ctx, `${CONNECTION_MESSAGES[code]} (${code})`, { cause: err });
  }
  if (message === 'socket hang up') {
    return onvifError('unreachable', ctx, CONNECTION_MESSAGES.ECONNRESET!, { cause: err });
  }
  if (/^Digest authentication (failed|headers not found)/.test(message)) {
    return onvifError('auth_failed', ctx, 'the camera refused the username or password (HTTP 401)', { cause: err });
  }
  if (message === 'Wrong ONVIF SOAP response') {
    const looksHtml = xml !== undefined && /<html|<!doctype html/i.test(xml);
    return onvifError(
      'not_onvif',
      ctx,
      looksHtml ? 'the port answers with a web page, not ONVIF SOAP' : 'the answer is not a SOAP envelope',
      { cause: err },
    );
  }

  const fault = message.startsWith('ONVIF SOAP Fault')
    ? (parseSoapFault(xml) ?? { codes: [], reason: message.replace(/^ONVIF SOAP Fault:\s*/, '') })
    : parseSoapFault(xml);
  if (fault) {
    const names = fault.codes.map(localName);
    const reason = fault.reason || fault.codes.join('/') || 'SOAP fault';
    const extra = { faultCodes: fault.codes, cause: err };
    if (names.includes('NotAuthorized') || /not\s*authori[sz]ed/i.test(fault.reason)) {
      return onvifError('auth_failed', ctx, `the camera refused the username or password (${reason})`, extra);
    }
    if (
      names.some((n) => n === 'ActionNotSupported' || n === 'NoSuchService' || n === 'NotSupported') ||
      /not implemented/i.test(fault.reason)
    ) {
      return onvifError('unsupported', ctx, `not supported by this camera (${reason})`, extra);
    }
    return onvifError('camera_fault', ctx, `SOAP fault ${fault.codes.join('/') || '(no code)'}: ${reason}`, extra);
  }
  // A TypeError from inside the library: it met an answer shaped unlike what it expects.
  return onvifError('camera_fault', ctx, `unexpected answer (${message || e.name})`, { cause: err });
}
