// 消息: the account's in-app messages (reminders before a handoff's deadline, 督办), newest
// first, the unread ones marked. Opening one marks it read, and its link shows the
// incident where this account works on it; 全部已读 marks them all.
import './inbox.css';
import type { AppContext } from '../context';
import { h, toast } from '../dom';
import { tr } from '../i18n';
import { inbox, type InboxMessage } from '../inbox-store';
import type { Page } from '../page';
import { timeText } from '../components/org-labels';

const RULE: Record<InboxMessage['rule'], string> = {
  handoff_reminder: tr('催办', 'Reminder'),
  handoff_urged: tr('督办', 'Urged'),
  yellow_card: tr('黄牌', 'Yellow card'),
  grid_flagged: tr('预警', 'Flagged grid'),
  escalated: tr('上报', 'Escalated'),
  offer_unanswered: tr('待接单', 'Task waiting'),
};

export function createInboxPage(ctx: AppContext): Page {
  const list = h('ul', { class: 'inbox-list', id: 'inbox-list' });
  const unread = h('span', { class: 'muted', id: 'inbox-unread' });
  const markAll = h(
    'button',
    { id: 'inbox-read-all', onclick: () => void read('all') },
    tr('全部已读', 'Mark all read'),
  );
  const el = h(
    'div',
    { class: 'inbox-page' },
    h('div', { class: 'wall-toolbar' }, h('b', {}, tr('消息', 'Messages')), unread, markAll),
    list,
  );

  async function read(ids: number[] | 'all'): Promise<void> {
    try {
      await inbox.markRead(ids);
    } catch (err) {
      toast((err as Error).message, 'error');
    }
  }

  function item(n: InboxMessage): HTMLElement {
    const href = n.incidentId ? ctx.incidentHref(n.incidentId) : null;
    return h(
      'li',
      {
        class: `inbox-item${n.readAt ? '' : ' unread'}`,
        'data-message': n.id,
        'data-read': n.readAt ? 'true' : 'false',
        // Opening it (its link too) marks it read.
        onclick: () => {
          if (!n.readAt) void read([n.id]);
        },
      },
      h('span', { class: 'inbox-rule' }, RULE[n.rule]),
      h('span', { class: 'muted' }, timeText(n.at)),
      h('div', { class: 'inbox-body' }, n.body),
      href
        ? h('a', { href, class: 'inbox-open' }, tr(`查看事件 #${n.incidentId}`, `Open incident #${n.incidentId}`))
        : null,
    );
  }

  function render(): void {
    unread.textContent = tr(`未读 ${inbox.unread} 条`, `${inbox.unread} unread`);
    markAll.disabled = inbox.unread === 0;
    list.replaceChildren(
      ...(inbox.items.length > 0
        ? inbox.items.map(item)
        : [h('li', { class: 'muted' }, tr('暂无消息', 'No messages'))]),
    );
  }

  inbox.onChange(render);
  render();
  return {
    el,
    show: () => void inbox.load().catch((err: Error) => toast(err.message, 'error')),
  };
}
