// The notifications' own settings, read from the environment beside the platform's config.
import { z } from 'zod';
import { parseQuietHours } from './quiet-hours.js';
import type { NotificationSettings } from './notifications.service.js';

const Env = z.object({
  /** `aliyun` sends SMS through Aliyun's API (or the fake gateway at SMS_ENDPOINT); `none` keeps in-app only. */
  NOTIFY_SMS_PROVIDER: z.enum(['none', 'aliyun']).default('none'),
  SMS_ENDPOINT: z.string().url().default('https://dysmsapi.aliyuncs.com'),
  SMS_ACCESS_KEY_ID: z.string().default(''),
  SMS_ACCESS_KEY_SECRET: z.string().default(''),
  /** The approved signature (签名) the messages carry. */
  SMS_SIGN_NAME: z.string().default('网格天眼'),
  /** An offer not answered this long gets the gridworker an SMS (their app may be closed). */
  NOTIFY_OFFER_UNANSWERED_S: z.coerce.number().min(1).default(45),
  /** Town-time hours when messages that can wait are held: "22-7", or "off". */
  NOTIFY_QUIET_HOURS: z.string().default('22-7'),
  /** Most SMS to one number per hour; beyond, recorded as rate_limited and not sent. */
  NOTIFY_SMS_PER_HOUR: z.coerce.number().int().min(1).default(6),
});

export interface NotifyEnv extends NotificationSettings {
  provider: 'none' | 'aliyun';
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
  signName: string;
}

export function notifySettings(env: Record<string, string | undefined>, utcOffsetHours: number): NotifyEnv {
  const e = Env.parse(env);
  if (e.NOTIFY_SMS_PROVIDER === 'aliyun' && (!e.SMS_ACCESS_KEY_ID || !e.SMS_ACCESS_KEY_SECRET))
    throw new Error('NOTIFY_SMS_PROVIDER=aliyun needs SMS_ACCESS_KEY_ID and SMS_ACCESS_KEY_SECRET');
  return {
    provider: e.NOTIFY_SMS_PROVIDER,
    endpoint: e.SMS_ENDPOINT,
    accessKeyId: e.SMS_ACCESS_KEY_ID,
    accessKeySecret: e.SMS_ACCESS_KEY_SECRET,
    signName: e.SMS_SIGN_NAME,
    utcOffsetHours,
    offerUnansweredS: e.NOTIFY_OFFER_UNANSWERED_S,
    quiet: parseQuietHours(e.NOTIFY_QUIET_HOURS, utcOffsetHours),
    smsPerHour: e.NOTIFY_SMS_PER_HOUR,
  };
}
