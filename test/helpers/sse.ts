// Listens to a Server-Sent Events stream the way a browser or a phone would, keeping
// every event, so a test can wait for the one it expects.
export interface StreamEvent {
  event: string;
  data: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  at: number;
}

export class EventStream {
  readonly events: StreamEvent[] = [];
  private readonly controller = new AbortController();
  private waiters: (() => void)[] = [];
  readonly ready: Promise<void>;

  constructor(url: string, token: string) {
    this.ready = this.run(url, token);
  }

  private async run(url: string, token: string): Promise<void> {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: this.controller.signal });
    if (res.status !== 200) throw new Error(`stream answered ${res.status}: ${await res.text()}`);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    void (async () => {
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += decoder.decode(value, { stream: true });
          let cut;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event && data) {
              this.events.push({ event, data: JSON.parse(data), at: performance.now() });
              for (const w of this.waiters.splice(0)) w();
            }
          }
        }
      } catch (err) {
        if ((err as Error).name !== 'AbortError') throw err;
      }
    })();
  }

  /** The first event (already received or still to come) that matches, or an error after `ms`. */
  async next(match: (e: StreamEvent) => boolean, ms = 5000): Promise<StreamEvent> {
    await this.ready;
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.events.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no matching event within ${ms} ms; got: ${this.events.map((e) => e.event).join(', ') || 'none'}`,
        );
      await this.arrival(left);
    }
  }

  /** Every event received by the time `count` have arrived or `ms` have passed (from now), whichever is first; then closes the stream. */
  async collect(count: number, ms: number): Promise<StreamEvent[]> {
    const deadline = Date.now() + ms;
    try {
      await this.ready;
      for (let left = ms; this.events.length < count && left > 0; left = deadline - Date.now())
        await this.arrival(left);
      return [...this.events];
    } finally {
      this.close();
    }
  }

  /** Resolves when the next event arrives, or after `ms`. */
  private arrival(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  close(): void {
    this.controller.abort();
  }
}
