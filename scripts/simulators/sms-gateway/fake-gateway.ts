// A local stand-in for Aliyun's SMS API (dysmsapi, SendSms and QuerySendDetails) for tests
// and the demo. It checks what the real one checks before sending: the signature (v1,
// HMAC-SHA1 over the sorted query, with the same functions the client signs with), the
// access key, a fresh timestamp, a nonce never seen before, and the parameters; it keeps
// every message it accepted so a test can compare them with what the rules called for.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { signature } from '../../../notifications/aliyun-sms.js';

export interface FakeSms {
  bizId: string;
  phone: string;
  signName: string;
  templateCode: string;
  params: Record<string, string>;
  at: Date;
}

export interface FakeGatewayOptions {
  accessKeyId: string;
  accessKeySecret: string;
  /** Numbers whose receipt says failed (an unreachable phone). */
  failing?: string[];
  /** The gateway's clock (a test moves it with the service's). */
  now?: () => Date;
  port?: number;
}

export class FakeSmsGateway {
  readonly received: FakeSms[] = [];
  /** Requests refused, with the code the real gateway would give. */
  readonly refused: { code: string; message: string }[] = [];
  private readonly nonces = new Set<string>();
  private server: http.Server | null = null;
  url = '';

  constructor(private readonly options: FakeGatewayOptions) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const answer = this.handle(new URL(req.url ?? '/', 'http://x'));
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => this.server!.listen(this.options.port ?? 0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private refuse(status: number, code: string, message: string) {
    this.refused.push({ code, message });
    return { status, body: { RequestId: randomBytes(8).toString('hex'), Code: code, Message: message } };
  }

  private handle(url: URL): { status: number; body: unknown } {
    const q = Object.fromEntries(url.searchParams);
    for (const k of ['AccessKeyId', 'Action', 'SignatureMethod', 'SignatureNonce', 'Timestamp', 'Signature', 'Version'])
      if (!q[k]) return this.refuse(400, 'MissingParameter', `${k} is mandatory for this action.`);
    if (q['AccessKeyId'] !== this.options.accessKeyId)
      return this.refuse(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
    const expected = Buffer.from(signature('GET', q, this.options.accessKeySecret));
    const given = Buffer.from(q['Signature']!);
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      return this.refuse(400, 'SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.');
    const now = (this.options.now ?? (() => new Date()))();
    if (Math.abs(new Date(q['Timestamp']!).getTime() - now.getTime()) > 15 * 60_000)
      return this.refuse(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');
    if (this.nonces.has(q['SignatureNonce']!))
      return this.refuse(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
    this.nonces.add(q['SignatureNonce']!);
    if (q['Action'] === 'SendSms') return this.send(q, now);
    if (q['Action'] === 'QuerySendDetails') return this.details(q);
    return this.refuse(404, 'InvalidAction.NotFound', `Specified api ${q['Action']} is not found.`);
  }

  private send(q: Record<string, string>, now: Date) {
    for (const k of ['PhoneNumbers', 'SignName', 'TemplateCode'])
      if (!q[k]) return this.refuse(400, 'MissingParameter', `${k} is mandatory for this action.`);
    if (!/^(\+?86)?1\d{10}$/.test(q['PhoneNumbers']!))
      return this.refuse(200, 'isv.MOBILE_NUMBER_ILLEGAL', '非法手机号');
    let params: Record<string, string>;
    try {
      params = JSON.parse(q['TemplateParam'] ?? '{}') as Record<string, string>;
    } catch {
      return this.refuse(200, 'isv.INVALID_JSON_PARAM', 'JSON参数不合法，只接受字符串值');
    }
    const bizId = `${Date.now()}${randomBytes(6).toString('hex')}`;
    this.received.push({
      bizId,
      phone: q['PhoneNumbers']!,
      signName: q['SignName']!,
      templateCode: q['TemplateCode']!,
      params,
      at: now,
    });
    return {
      status: 200,
      body: { RequestId: randomBytes(8).toString('hex'), Code: 'OK', Message: 'OK', BizId: bizId },
    };
  }

  private details(q: Record<string, string>) {
    const sms = this.received.find((m) => m.bizId === q['BizId'] && m.phone === q['PhoneNumber']);
    const failing = sms && (this.options.failing ?? []).includes(sms.phone);
    return {
      status: 200,
      body: {
        RequestId: randomBytes(8).toString('hex'),
        Code: 'OK',
        Message: 'OK',
        TotalCount: sms ? 1 : 0,
        SmsSendDetailDTOs: {
          SmsSendDetailDTO: sms
            ? [
                {
                  PhoneNum: sms.phone,
                  SendStatus: failing ? 2 : 3,
                  ErrCode: failing ? 'MOBILE_NOT_ON_SERVICE' : 'DELIVERED',
                  TemplateCode: sms.templateCode,
                  SendDate: sms.at.toISOString(),
                  ReceiveDate: sms.at.toISOString(),
                },
              ]
            : [],
        },
      },
    };
  }
}
