// 手机管理: the gridworkers' phones (which reported last and when, app version), a token
// issued or re-issued and shown once as a QR code the phone's camera opens in 平安通
// (the token rides in the URL fragment, never in a server log), a phone revoked; and
// the messages the notification rules sent, with their delivery status.
import qrcode from 'qrcode-generator';
import { ApiError, del, get, post } from '../api';
import type { AppContext } from '../context';
import { h, toast } from '../dom';
import { tr } from '../i18n';
import type { Page } from '../page';

interface PhoneRow {
  id: number;
  identifier: string;
  name: string;
  disabled: boolean;
  personId: number;
  personName: string;
  appVersion: string | null;
  appSeenAt: string | null;
  lastFixAt: string | null;
}
interface PersonRow {
  id: number;
  name: string;
  roles: string[];
}
interface NotificationRow {
  id: number;
  rule: string;
  channel: string;
  recipient: string;
  phone: string | null;
  body: string;
  status: string;
  statusDetail: string | null;
  createdAt: string;
  dueAt: string;
}

const RULES: Record<string, string> = {
  offer_unanswered: tr('派单未应答', 'Offer unanswered'),
  yellow_card: tr('黄牌', 'Yellow card'),
  grid_flagged: tr('网格预警', 'Grid flagged'),
  escalated: tr('上报区县', 'Escalated'),
};
const STATUS: Record<string, string> = {
  scheduled: tr('待发送', 'scheduled'),
  sending: tr('发送中', 'sending'),
  sent: tr('已发送', 'sent'),
  delivered: tr('已送达', 'delivered'),
  failed: tr('失败', 'failed'),
  cancelled: tr('已取消', 'cancelled'),
  rate_limited: tr('超频未发', 'rate limited'),
};

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString('zh-CN') : '—');

/** The link 平安通 opens with, as a QR code; shown once, in a dialog closed by hand. */
function showQr(person: string, token: string): void {
  const url = `${location.origin}/app/#token=${token}`;
  const qr = qrcode(0, 'M');
  qr.addData(url);
  qr.make();
  const dialog = h(
    'div',
    { class: 'phone-qr', id: 'phone-qr', role: 'dialog' },
    h('h3', {}, tr(`${person} 的手机`, `${person}'s phone`)),
    h('img', { src: qr.createDataURL(6, 4), alt: tr('登录二维码', 'login QR code') }),
    h(
      'p',
      {},
      tr(
        '用手机相机扫描，在浏览器中打开平安通并“添加到主屏幕”。此二维码只显示这一次。',
        'Scan with the phone camera; shown this once.',
      ),
    ),
    h('code', { class: 'phone-token' }, token),
    h('button', { onclick: () => dialog.remove() }, tr('已扫描，关闭', 'Scanned, close')),
  );
  document.body.append(dialog);
}

export function createPhonesPage(ctx: AppContext): Page {
  const phones = h('tbody', {});
  const messages = h('tbody', {});
  const people = h('select', { id: 'phone-person' });
  const el = h(
    'div',
    { class: 'page phones-page' },
    h('h2', {}, tr('手机管理', 'Phones')),
    h(
      'div',
      { class: 'phone-add' },
      people,
      h(
        'button',
        { id: 'phone-issue', onclick: () => void issue() },
        tr('登记新手机并显示二维码', 'Register a phone, show QR'),
      ),
    ),
    h(
      'table',
      { class: 'phones' },
      h(
        'thead',
        {},
        h('tr', {}, ...['网格员', '手机', '最后定位', '应用版本 / 最后在线', '状态', ''].map((t) => h('th', {}, t))),
      ),
      phones,
    ),
    h('h2', {}, tr('短信与通知', 'Messages')),
    h(
      'table',
      { class: 'notifications' },
      h('thead', {}, h('tr', {}, ...['时间', '规则', '渠道', '收件人', '内容', '状态'].map((t) => h('th', {}, t)))),
      messages,
    ),
  );

  async function issue(): Promise<void> {
    const personId = Number(people.value);
    if (!personId) return;
    try {
      const made = await post<{ token: string }[]>(`/api/people/${personId}/devices`, { name: '平安通' });
      showQr(people.selectedOptions[0]?.textContent ?? '', made[0]!.token);
      void load();
    } catch (err) {
      toast(err instanceof ApiError ? err.message : String(err));
    }
  }

  async function load(): Promise<void> {
    if (ctx.has('installer')) {
      const [list, persons] = await Promise.all([get<PhoneRow[]>('/api/devices'), get<PersonRow[]>('/api/people')]);
      people.replaceChildren(...persons.map((p) => h('option', { value: String(p.id) }, p.name)));
      phones.replaceChildren(
        ...list.map((p) =>
          h(
            'tr',
            { 'data-device': p.id, class: p.disabled ? 'disabled' : '' },
            h('td', {}, p.personName),
            h('td', {}, `${p.name || '—'} (${p.identifier})`),
            h('td', {}, when(p.lastFixAt)),
            h('td', {}, `${p.appVersion ?? '—'} · ${when(p.appSeenAt)}`),
            h('td', {}, p.disabled ? tr('已停用', 'revoked') : tr('启用', 'active')),
            h(
              'td',
              {},
              h(
                'button',
                {
                  class: 'reissue',
                  onclick: async () => {
                    const r = await post<{ token: string }>(`/api/devices/${p.id}/token`);
                    showQr(p.personName, r.token);
                    void load();
                  },
                },
                tr('新二维码', 'New QR'),
              ),
              p.disabled
                ? null
                : h(
                    'button',
                    {
                      class: 'revoke',
                      onclick: async () => {
                        await del(`/api/devices/${p.id}`);
                        toast(tr('已停用，此手机的令牌立即失效', 'Revoked'));
                        void load();
                      },
                    },
                    tr('停用', 'Revoke'),
                  ),
            ),
          ),
        ),
      );
    }
    if (ctx.has('operator', 'dispatcher')) {
      const list = await get<NotificationRow[]>('/api/notifications?limit=200');
      messages.replaceChildren(
        ...list.map((n) =>
          h(
            'tr',
            { class: `status-${n.status}` },
            h('td', {}, when(n.createdAt)),
            h('td', {}, RULES[n.rule] ?? n.rule),
            h('td', {}, n.channel === 'sms' ? tr('短信', 'SMS') : tr('应用内', 'in-app')),
            h('td', {}, n.phone ? `${n.recipient} ${n.phone}` : n.recipient),
            h('td', {}, n.body),
            h('td', { title: n.statusDetail ?? '' }, STATUS[n.status] ?? n.status),
          ),
        ),
      );
    }
  }

  return {
    el,
    show: () => void load().catch((err: unknown) => toast(err instanceof ApiError ? err.message : String(err))),
  };
}
