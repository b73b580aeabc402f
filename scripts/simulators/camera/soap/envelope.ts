// SOAP 1.2 envelopes and faults as ONVIF devices send them.
import { esc } from './xml.js';

export const NS = {
  env: 'http://www.w3.org/2003/05/soap-envelope',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  xs: 'http://www.w3.org/2001/XMLSchema',
  wsa: 'http://www.w3.org/2005/08/addressing',
  wsnt: 'http://docs.oasis-open.org/wsn/b-2',
  wstop: 'http://docs.oasis-open.org/wsn/t-1',
  wsrfbf: 'http://docs.oasis-open.org/wsrf/bf-2',
  wsrfrw: 'http://docs.oasis-open.org/wsrf/rw-2',
  tt: 'http://www.onvif.org/ver10/schema',
  tds: 'http://www.onvif.org/ver10/device/wsdl',
  trt: 'http://www.onvif.org/ver10/media/wsdl',
  tptz: 'http://www.onvif.org/ver20/ptz/wsdl',
  tev: 'http://www.onvif.org/ver10/events/wsdl',
  tse: 'http://www.onvif.org/ver10/search/wsdl',
  trp: 'http://www.onvif.org/ver10/replay/wsdl',
  tns1: 'http://www.onvif.org/ver10/topics',
  ter: 'http://www.onvif.org/ver10/error',
} as const;

const NS_DECLARATIONS = Object.entries(NS)
  .map(([prefix, uri]) => `xmlns:${prefix}="${uri}"`)
  .join(' ');

export function envelope(body: string, header = ''): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<env:Envelope ${NS_DECLARATIONS}>` +
    (header ? `<env:Header>${header}</env:Header>` : '') +
    `<env:Body>${body}</env:Body></env:Envelope>`
  );
}

/**
 * A fault a handler throws; the router turns it into a SOAP Fault reply.
 * Sender faults are the client's mistake (HTTP 400), Receiver faults the
 * device's (HTTP 500), following SOAP 1.2's HTTP binding.
 */
export class SoapFault extends Error {
  constructor(
    readonly code: 'Sender' | 'Receiver',
    /** Qualified subcodes, outermost first, e.g. ['ter:InvalidArgVal', 'ter:NoProfile']. */
    readonly subcodes: string[],
    readonly reason: string,
    readonly httpStatus: number = code === 'Sender' ? 400 : 500,
  ) {
    super(`${subcodes.join('/')}: ${reason}`);
  }
}

export const faults = {
  notAuthorized: (): SoapFault => new SoapFault('Sender', ['ter:NotAuthorized'], 'Sender not Authorized'),
  actionNotSupported: (action: string): SoapFault =>
    new SoapFault('Receiver', ['ter:ActionNotSupported'], `Optional Action Not Implemented: ${action}`),
  invalidArg: (subcode: string, reason: string): SoapFault =>
    new SoapFault('Sender', ['ter:InvalidArgVal', subcode], reason),
  wellFormed: (reason: string): SoapFault => new SoapFault('Sender', ['ter:WellFormed'], reason),
};

export function faultEnvelope(fault: SoapFault): string {
  // Nested subcodes: <Subcode><Value>a</Value><Subcode><Value>b</Value></Subcode></Subcode>
  const subcodes = fault.subcodes.reduceRight(
    (inner, code) => `<env:Subcode><env:Value>${esc(code)}</env:Value>${inner}</env:Subcode>`,
    '',
  );
  return envelope(
    `<env:Fault><env:Code><env:Value>env:${fault.code}</env:Value>${subcodes}</env:Code>` +
      `<env:Reason><env:Text xml:lang="en">${esc(fault.reason)}</env:Text></env:Reason></env:Fault>`,
  );
}
