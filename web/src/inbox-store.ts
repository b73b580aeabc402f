// The account's in-app messages (reminders before a handoff's deadline, 督办): the list
// and unread count that the top bar's bell and the inbox page show, and marking read.
// The server is asked again at each message pushed to this account and at each open of
// the stream, so the count is the server's: it includes messages of a town not on
// screen (the stream carries only that town's) and those read in another tab.
import { api } from './api';
import type { Answer } from './api/types';
import { live } from './live';

export type InboxMessage = Answer<'/api/me/notifications', 'get'>['items'][number];

/** The newest messages listed; the count covers all of them. */
const LIMIT = 100;

class InboxStore {
  items: InboxMessage[] = [];
  unread = 0;
  private readonly listeners = new Set<() => void>();
  /** Counts loads: only the answer to the latest one is kept. */
  private request = 0;

  /** Loads now and again whenever the stream brings this account a message or reopens. */
  follow(accountId: number): void {
    const reload = () => void this.load().catch(() => undefined);
    live.on('notifications', (e) => {
      // The stream also carries gridworkers' messages to the command room: only our own count.
      if ((e as { accountId?: number }).accountId === accountId) reload();
    });
    live.onOpen(reload);
    reload();
  }

  async load(): Promise<void> {
    const mine = ++this.request;
    const answer = await api.get('/api/me/notifications', { query: { limit: LIMIT } });
    if (mine !== this.request) return;
    this.items = answer.items;
    this.unread = answer.unread;
    for (const listener of this.listeners) listener();
  }

  /** Marks these messages read (or all), then shows what the server holds. */
  async markRead(ids: number[] | 'all'): Promise<void> {
    await api.post('/api/me/notifications/read', { body: ids === 'all' ? { all: true } : { ids } });
    await this.load();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export const inbox = new InboxStore();
