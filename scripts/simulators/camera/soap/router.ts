// Turns one HTTP POST into one SOAP reply: finds the service from the path and
// the action from the Body, applies the device's access policy, runs the
// handler and renders faults the way cameras do.
import type { IncomingMessage } from 'node:http';
import type { HttpAuth } from '../http-auth.js';
import { SUBSCRIPTION_ACTIONS } from '../services/events.js';
import {
  SERVICE_PATHS,
  SUBSCRIPTION_PATH_PREFIX,
  type ServiceHandlers,
  type ServiceName,
  type SoapRequest,
} from '../services/context.js';
import { SoapFault, envelope, faultEnvelope, faults } from './envelope.js';
import { checkUsernameToken, type Credentials, type NonceCache } from './ws-security.js';
import { XmlParseError, child, elementNames, parseXml, type XmlValue } from './xml.js';

/**
 * Calls a client may make before it has credentials or a synchronised clock
 * (ONVIF access class PRE_AUTH). GetSystemDateAndTime is how clients learn the
 * camera's clock, so it is answered even with a rejected token.
 */
const PRE_AUTH = new Set([
  'GetSystemDateAndTime',
  'GetServices',
  'GetServiceCapabilities',
  'GetCapabilities',
  'GetHostname',
  'GetWsdlUrl',
  'GetEndpointReference',
]);
const ALWAYS_OPEN = 'GetSystemDateAndTime';

export interface SoapRouterDeps {
  services: () => Partial<Record<ServiceName, ServiceHandlers>>;
  credentials: () => Credentials;
  /** The camera's clock (offset applied). */
  cameraNowMs: () => number;
  maxClockSkewMs: number;
  nonces: NonceCache;
  httpAuth: HttpAuth;
}

export interface HttpReply {
  status: number;
  body: string | Buffer;
  headers: Record<string, string | string[]>;
}

const SOAP_CONTENT_TYPE = 'application/soap+xml; charset=utf-8';

function faultReply(fault: SoapFault, extraHeaders: Record<string, string | string[]> = {}): HttpReply {
  return {
    status: fault.httpStatus,
    body: faultEnvelope(fault),
    headers: { 'Content-Type': SOAP_CONTENT_TYPE, ...extraHeaders },
  };
}

interface Target {
  service: ServiceName;
  subscriptionId?: string;
}

function targetOf(pathname: string): Target | undefined {
  if (pathname.startsWith(SUBSCRIPTION_PATH_PREFIX)) {
    return { service: 'events', subscriptionId: pathname.slice(SUBSCRIPTION_PATH_PREFIX.length) };
  }
  const entry = Object.entries(SERVICE_PATHS).find(([, p]) => p === pathname);
  return entry ? { service: entry[0] as ServiceName } : undefined;
}

export function isSoapPath(pathname: string): boolean {
  return targetOf(pathname) !== undefined;
}

export async function routeSoap(
  deps: SoapRouterDeps,
  req: IncomingMessage,
  pathname: string,
  bodyText: string,
  signal: AbortSignal,
  afterResponse: (fn: () => void) => void,
): Promise<HttpReply> {
  const target = targetOf(pathname);
  const handlers = target ? deps.services()[target.service] : undefined;
  if (!target || !handlers) {
    return { status: 404, body: 'Not Found', headers: { 'Content-Type': 'text/plain' } };
  }
  try {
    let doc;
    try {
      doc = parseXml(bodyText);
    } catch (err) {
      if (err instanceof XmlParseError) throw faults.wellFormed(`Malformed XML: ${err.message}`);
      throw err;
    }
    const env = child(doc, 'Envelope');
    const body = child(env, 'Body');
    const action = elementNames(body)[0];
    if (env === undefined || body === undefined || action === undefined) throw faults.wellFormed('Not a SOAP envelope');

    // A subscription address only serves the subscription manager operations.
    const isManagerCall = SUBSCRIPTION_ACTIONS.has(action);
    const handler = (target.subscriptionId !== undefined) === isManagerCall ? handlers[action] : undefined;
    if (!handler) throw faults.actionNotSupported(action);

    const header = child(env, 'Header');
    const denied = authorize(deps, req, action, header);
    if (denied) return denied;

    const request: SoapRequest = {
      action,
      params: child(body, action) ?? '',
      header,
      signal,
      afterResponse,
      ...(target.subscriptionId !== undefined ? { subscriptionId: target.subscriptionId } : {}),
    };
    const inner = await handler(request);
    return { status: 200, body: envelope(inner), headers: { 'Content-Type': SOAP_CONTENT_TYPE } };
  } catch (err) {
    if (err instanceof SoapFault) return faultReply(err);
    const message = err instanceof Error ? err.message : String(err);
    return faultReply(new SoapFault('Receiver', ['ter:Action'], `Internal error: ${message}`));
  }
}

/** Returns the rejection to send, or undefined when the call may proceed. */
function authorize(
  deps: SoapRouterDeps,
  req: IncomingMessage,
  action: string,
  header: XmlValue | undefined,
): HttpReply | undefined {
  const check = checkUsernameToken(header, deps.credentials(), deps.cameraNowMs(), deps.maxClockSkewMs, deps.nonces);
  if (check.kind === 'valid' || action === ALWAYS_OPEN) return undefined;
  // A wrong WS-Security token is a 400 with ter:NotAuthorized (ONVIF Core 5.9.1).
  if (check.kind === 'invalid') return faultReply(faults.notAuthorized());
  if (deps.httpAuth.verify(req) || PRE_AUTH.has(action)) return undefined;
  // No token at all: ask for HTTP Digest, the other scheme ONVIF allows.
  return faultReply(new SoapFault('Sender', ['ter:NotAuthorized'], 'Sender not Authorized', 401), {
    'WWW-Authenticate': deps.httpAuth.challenges(),
  });
}
