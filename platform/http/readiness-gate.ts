// The HTTP port is bound before the api is ready (the relays need their own address
// first). Until the app is ready, and again once it stops, every request is answered at
// once: 503 with Retry-After (a load balancer or a phone tries again), /livez 200 (the
// process is alive). Nothing waits unanswered on an accepted socket.
import type http from 'node:http';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const RETRY_AFTER_S = 1;

function notReady(state: 'starting' | 'stopping'): Handler {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const alive = path === '/livez';
    const body = JSON.stringify(
      alive
        ? { status: 'alive', ready: false }
        : {
            error: {
              code: state,
              message:
                state === 'starting'
                  ? 'The server is starting; try again in a moment'
                  : 'The server is stopping; try again in a moment',
            },
          },
    );
    res.writeHead(alive ? 200 : 503, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...(alive ? {} : { 'retry-after': String(RETRY_AFTER_S) }),
      // While stopping, do not keep the socket: the client's next request should go elsewhere.
      ...(state === 'stopping' ? { connection: 'close' } : {}),
    });
    res.end(body);
  };
}

export class ReadinessGate {
  private handler: Handler = notReady('starting');
  private state: 'starting' | 'ready' | 'stopping' = 'starting';

  /** The server's request listener: whatever handles requests now. */
  readonly listener: Handler = (req, res) => this.handler(req, res);

  get ready(): boolean {
    return this.state === 'ready';
  }

  open(app: Handler): void {
    this.state = 'ready';
    this.handler = app;
  }

  close(): void {
    this.state = 'stopping';
    this.handler = notReady('stopping');
  }
}
