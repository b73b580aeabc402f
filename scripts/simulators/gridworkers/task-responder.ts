// The task side of the simulated phones: each phone holding its device token listens
// to its own push stream (/api/phone/live) like the app does, and answers the offers it
// hears the way gridworkers do: most accept after a short while, some decline, a few
// let the offer run out; an accepted task is started, handled with a note, and the
// revisit recorded with the citizen's rating, each after a human-sized pause.
import http from 'node:http';
import { Rng } from './random.js';

export interface TaskResponderOptions {
  apiUrl: string;
  /** device identifier → device token (the phones that can take tasks). */
  tokens: Map<string, string>;
  acceptShare?: number;
  declineShare?: number;
  /** Pauses in real milliseconds: [min, max]. */
  answerAfterMs?: [number, number];
  workMs?: [number, number];
  seed?: number;
  log?: (line: string) => void;
}

export interface TaskResponderStats {
  listening: number;
  offers: number;
  accepted: number;
  declined: number;
  ignored: number;
  handled: number;
  errors: number;
}

export class TaskResponder {
  private readonly rng: Rng;
  private readonly requests: http.ClientRequest[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  readonly counts: TaskResponderStats = {
    listening: 0,
    offers: 0,
    accepted: 0,
    declined: 0,
    ignored: 0,
    handled: 0,
    errors: 0,
  };

  constructor(private readonly o: TaskResponderOptions) {
    this.rng = new Rng(o.seed ?? 7);
  }

  start(): void {
    for (const [identifier, token] of this.o.tokens) this.listen(identifier, token);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    for (const r of this.requests) r.destroy();
  }

  private later(ms: number, fn: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn().catch(() => this.counts.errors++);
    }, ms);
    this.timers.add(timer);
  }

  private between([min, max]: [number, number]): number {
    return min + this.rng.next() * (max - min);
  }

  private listen(identifier: string, token: string): void {
    if (this.stopped) return;
    const url = new URL('/api/phone/live', this.o.apiUrl);
    const req = http.get(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        this.counts.errors++;
        this.later(10_000, async () => this.listen(identifier, token));
        return;
      }
      this.counts.listening++;
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          if (!/^event: offers$/m.test(block)) continue;
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (data) this.onOffer(identifier, token, JSON.parse(data) as { offerId: number; incident?: { id: number } });
        }
      });
      // Like the app: reconnect when the stream drops.
      res.on('close', () => {
        this.counts.listening--;
        if (!this.stopped) this.later(2000, async () => this.listen(identifier, token));
      });
    });
    req.on('error', () => {
      this.counts.errors++;
      if (!this.stopped) this.later(5000, async () => this.listen(identifier, token));
    });
    this.requests.push(req);
  }

  private onOffer(identifier: string, token: string, offer: { offerId: number; incident?: { id: number } }): void {
    if (!offer.incident) return; // an offer taken back or run out
    this.counts.offers++;
    const roll = this.rng.next();
    const accept = roll < (this.o.acceptShare ?? 0.85);
    const decline = !accept && roll < (this.o.acceptShare ?? 0.85) + (this.o.declineShare ?? 0.1);
    if (!accept && !decline) {
      this.counts.ignored++;
      return;
    }
    const incidentId = offer.incident.id;
    this.later(this.between(this.o.answerAfterMs ?? [3000, 15_000]), async () => {
      const answer = await this.post(
        token,
        `/api/phone/offers/${offer.offerId}/${accept ? 'accept' : 'decline'}`,
        accept ? { note: '收到，马上到' } : { note: '正在处理其他事件' },
      );
      if (answer !== 200) return;
      if (!accept) {
        this.counts.declined++;
        return;
      }
      this.counts.accepted++;
      this.o.log?.(`${identifier} accepted incident ${incidentId}`);
      const work = this.o.workMs ?? [20_000, 90_000];
      this.later(this.between(work) / 3, async () => {
        await this.post(token, `/api/phone/incidents/${incidentId}/actions`, { action: 'start', note: '已到现场' });
        this.later(this.between(work), async () => {
          if (
            (await this.post(token, `/api/phone/incidents/${incidentId}/actions`, {
              action: 'handle',
              note: '已处置完毕',
            })) !== 200
          )
            return;
          this.counts.handled++;
          this.later(this.between(work) / 2, async () => {
            await this.post(token, `/api/phone/incidents/${incidentId}/actions`, {
              action: 'verify',
              rating: this.rng.next() < 0.8 ? 5 : 4,
              note: '回访群众，满意',
            });
          });
        });
      });
    });
  }

  private post(token: string, path: string, body: unknown): Promise<number> {
    return new Promise((resolve, reject) => {
      const data = Buffer.from(JSON.stringify(body));
      const req = http.request(
        new URL(path, this.o.apiUrl),
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'content-length': data.length,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  }
}
