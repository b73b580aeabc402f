// The bell in the top bar: how many of the account's messages are unread; it opens the
// inbox page.
import { h } from '../dom';
import { tr } from '../i18n';
import { inbox } from '../inbox-store';

export function inboxBell(): HTMLElement {
  const count = h('span', { class: 'inbox-count', id: 'inbox-count' });
  const bell = h(
    'a',
    { href: '#/inbox', class: 'inbox-bell', id: 'inbox-bell', title: tr('消息', 'Messages') },
    '🔔',
    count,
  );
  const draw = () => {
    count.textContent = inbox.unread > 99 ? '99+' : String(inbox.unread);
    count.dataset['unread'] = String(inbox.unread);
    bell.classList.toggle('hot', inbox.unread > 0);
    bell.title = tr(`消息（未读 ${inbox.unread}）`, `Messages (${inbox.unread} unread)`);
  };
  inbox.onChange(draw);
  draw();
  return bell;
}
