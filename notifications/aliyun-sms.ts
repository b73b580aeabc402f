// Aliyun SMS (短信服务, dysmsapi 2017-05-25) over its RPC API, signed with signature
// version 1.0 (HMAC-SHA1 over the sorted, percent-encoded query), as documented in
//   RPC 签名机制: https://help.aliyun.com/zh/sdk/product-overview/rpc-mechanism
//   SendSms: https://help.aliyun.com/zh/sms/developer-reference/api-dysmsapi-2017-05-25-sendsms
//   QuerySendDetails: https://help.aliyun.com/zh/sms/developer-reference/api-dysmsapi-2017-05-25-querysenddetails
// No SDK: the SDK pulls in a tree of packages for two GET requests. The fake gateway
// (scripts/simulators/sms-gateway) checks these signatures with the same functions.
import { createHmac, randomUUID } from 'node:crypto';

export interface AliyunCredentials {
  accessKeyId: string;
  accessKeySecret: string;
}

/** RFC 3986 encoding as Aliyun's signature wants it: space as %20, * as %2A, ~ kept. */
export function percentEncode(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%7E/g, '~');
}

/** The canonicalized query: parameters sorted by name, each name=value percent-encoded, joined with &. */
export function canonicalQuery(params: Record<string, string>): string {
  return Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort()
    .map((k) => `${percentEncode(k)}=${percentEncode(params[k]!)}`)
    .join('&');
}

/** StringToSign = METHOD & percentEncode("/") & percentEncode(canonical query); key = secret + "&". */
export function signature(method: 'GET' | 'POST', params: Record<string, string>, accessKeySecret: string): string {
  const stringToSign = `${method}&${percentEncode('/')}&${percentEncode(canonicalQuery(params))}`;
  return createHmac('sha1', `${accessKeySecret}&`).update(stringToSign).digest('base64');
}

/** Aliyun's timestamp format: ISO 8601 in UTC without milliseconds. */
const timestamp = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export class AliyunSmsError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export interface SmsSendResult {
  providerId: string;
}

export type SmsDeliveryState = 'waiting' | 'delivered' | 'failed';

export class AliyunSms {
  constructor(
    private readonly endpoint: string,
    private readonly credentials: AliyunCredentials,
    private readonly signName: string,
    private readonly timeoutMs = 5000,
  ) {}

  private async call(action: string, params: Record<string, string>, now: Date): Promise<Record<string, unknown>> {
    const all: Record<string, string> = {
      AccessKeyId: this.credentials.accessKeyId,
      Action: action,
      Format: 'JSON',
      RegionId: 'cn-hangzhou',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: randomUUID(),
      SignatureVersion: '1.0',
      Timestamp: timestamp(now),
      Version: '2017-05-25',
      ...params,
    };
    const sig = signature('GET', all, this.credentials.accessKeySecret);
    const url = `${this.endpoint.replace(/\/$/, '')}/?Signature=${percentEncode(sig)}&${canonicalQuery(all)}`;
    const res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (body['Code'] !== 'OK')
      throw new AliyunSmsError(
        `Aliyun ${action}: ${String(body['Code'] ?? res.status)} ${String(body['Message'] ?? '')}`.trim(),
        String(body['Code'] ?? `HTTP_${res.status}`),
      );
    return body;
  }

  async send(
    phone: string,
    templateCode: string,
    params: Record<string, string>,
    now = new Date(),
  ): Promise<SmsSendResult> {
    const body = await this.call(
      'SendSms',
      {
        PhoneNumbers: phone,
        SignName: this.signName,
        TemplateCode: templateCode,
        TemplateParam: JSON.stringify(params),
      },
      now,
    );
    return { providerId: String(body['BizId']) };
  }

  /** The delivery receipt (回执) of one message: SendStatus 1 waiting, 2 failed, 3 delivered. */
  async status(
    phone: string,
    providerId: string,
    sentAt: Date,
    now = new Date(),
  ): Promise<{ state: SmsDeliveryState; detail: string }> {
    // SendDate is the China day (yyyyMMdd) the message was sent on.
    const day = new Date(sentAt.getTime() + 8 * 3_600_000).toISOString().slice(0, 10).replace(/-/g, '');
    const body = await this.call(
      'QuerySendDetails',
      { PhoneNumber: phone, BizId: providerId, SendDate: day, PageSize: '10', CurrentPage: '1' },
      now,
    );
    const list = (body['SmsSendDetailDTOs'] as { SmsSendDetailDTO?: { SendStatus: number; ErrCode?: string }[] })
      ?.SmsSendDetailDTO;
    const first = list?.[0];
    if (!first) return { state: 'waiting', detail: 'no receipt yet' };
    const state = first.SendStatus === 3 ? 'delivered' : first.SendStatus === 2 ? 'failed' : 'waiting';
    return { state, detail: first.ErrCode ?? '' };
  }
}
