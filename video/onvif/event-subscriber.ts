// Keeps a camera's events flowing: a PullPoint subscription, a PullMessages
// long-poll loop, Renew before the camera's termination time, and when
// anything fails (the camera rebooted and forgot us, a fault, a cut
// connection, the camera offline) a fresh connection and subscription after a
// growing pause. Cameras lose subscriptions all the time; a command room must
// not lose the camera's alarms because of it.
//
//   const sub = subscribeEvents({ host, port, username, password }, {
//     onEvent: (e) => …, onState: (s) => …,
//   });
//   …; await sub.stop();
import { moduleLogger } from '../../platform/logger.js';
import { OnvifError, isOnvifError, mapLibraryError } from './errors.js';
import { connectCamera, type CameraSession, type ConnectOptions } from './onvif-driver.js';
import { cameraLabel } from './library.js';
import { normaliseNotification, type CameraEvent } from './notification.js';
import type { PullPoint } from './pull-point.js';

export type { CameraEvent, CameraEventKind } from './notification.js';

const log = moduleLogger('video/onvif/events');

export type SubscriberState = 'subscribed' | 'reconnecting' | 'stopped';

export interface SubscriberStatus {
  /** "reconnecting" also covers the first attempt, before the first subscription. */
  state: SubscriberState;
  /** Why the last subscription or attempt ended; null until something failed. */
  lastError: OnvifError | null;
  /** When the state was entered. */
  since: Date;
  /** Failed attempts in a row (0 while subscribed). */
  failures: number;
}

export interface SubscriberStats {
  subscriptions: number;
  pulls: number;
  renewals: number;
  events: number;
}

export interface EventHandlers {
  onEvent(event: CameraEvent): void;
  onState?(status: SubscriberStatus): void;
}

export interface SubscribeOptions {
  /** Pause after the first failure; doubles up to maxMs (±20 % jitter). Defaults 1 s and 60 s. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Most messages per PullMessages (default 50). */
  messageLimit?: number;
  /**
   * Renew when the subscription would end within one long poll plus this
   * margin (default 15 s). With the library's PT2M subscriptions and PT1M
   * polls that is after about every quiet poll.
   */
  renewMarginMs?: number;
  /** Deliver the "Initialized" state messages a new subscription starts with (default true). */
  initialStates?: boolean;
  /** Deadline of Unsubscribe when stopping (default 800 ms): stop() must return promptly. */
  unsubscribeTimeoutMs?: number;
}

export interface EventSubscription {
  status(): SubscriberStatus;
  stats(): SubscriberStats;
  /** Aborts the pending long poll, unsubscribes (best effort, short deadline) and closes. */
  stop(): Promise<void>;
}

const DEFAULTS = {
  initialMs: 1_000,
  maxMs: 60_000,
  messageLimit: 50,
  renewMarginMs: 15_000,
  unsubscribeTimeoutMs: 800,
};

class Stopped extends Error {}

export function subscribeEvents(
  connect: ConnectOptions,
  handlers: EventHandlers,
  options: SubscribeOptions = {},
): EventSubscription {
  return new Subscriber(connect, handlers, options).start();
}

class Subscriber implements EventSubscription {
  private readonly camera: string;
  private current: SubscriberStatus = { state: 'reconnecting', lastError: null, since: new Date(), failures: 0 };
  private readonly counters: SubscriberStats = { subscriptions: 0, pulls: 0, renewals: 0, events: 0 };
  private readonly abort = new AbortController();
  private session: CameraSession | undefined;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly connect: ConnectOptions,
    private readonly handlers: EventHandlers,
    private readonly options: SubscribeOptions,
  ) {
    this.camera = cameraLabel(connect.host, connect.port ?? 80);
    // Stopping cuts the session's sockets: the pending PullMessages fails at once.
    this.abort.signal.addEventListener('abort', () => this.session?.abortInFlight());
  }

  start(): this {
    this.loop = this.run();
    return this;
  }

  status(): SubscriberStatus {
    return { ...this.current };
  }

  stats(): SubscriberStats {
    return { ...this.counters };
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private get stopping(): boolean {
    return this.abort.signal.aborted;
  }

  private setState(state: SubscriberState, lastError: OnvifError | null = this.current.lastError): void {
    const changed = state !== this.current.state || lastError !== this.current.lastError;
    this.current = {
      state,
      lastError,
      since: state === this.current.state ? this.current.since : new Date(),
      failures: this.current.failures,
    };
    if (!changed) return;
    try {
      this.handlers.onState?.(this.status());
    } catch (err) {
      log.error({ camera: this.camera, err }, 'onState handler threw');
    }
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let pulledOnce = false;
      try {
        await this.subscribeAndPull(() => {
          // Count a subscription as healthy once a pull came back; only then forget past failures.
          if (!pulledOnce) this.current.failures = 0;
          pulledOnce = true;
        });
      } catch (err) {
        if (this.stopping) break;
        const error =
          err instanceof OnvifError
            ? err
            : mapLibraryError(err, undefined, { camera: this.camera, operation: 'events' });
        this.current.failures += 1;
        log.warn(
          { camera: this.camera, err: error.toJSON(), failures: this.current.failures },
          'event subscription lost; reconnecting',
        );
        this.setState('reconnecting', error);
        try {
          await this.sleep(this.backoffMs(this.current.failures));
        } catch {
          break; // stopped while waiting
        }
      }
    }
    this.setState('stopped');
  }

  private async subscribeAndPull(onPulled: () => void): Promise<void> {
    let point: PullPoint | undefined;
    const session = await this.connectUnlessStopped();
    this.session = session;
    try {
      const clockOffsetMs = (await session.systemClock()).clockOffsetMs;
      point = await session.createPullPoint();
      this.counters.subscriptions += 1;
      this.setState('subscribed', this.current.lastError);
      const limit = this.options.messageLimit ?? DEFAULTS.messageLimit;
      const margin = this.options.renewMarginMs ?? DEFAULTS.renewMarginMs;
      let renewable = true;
      while (!this.stopping) {
        const messages = await point.pull(limit);
        this.counters.pulls += 1;
        onPulled();
        for (const raw of messages) this.deliver(raw, clockOffsetMs);
        if (renewable && !this.stopping && point.needsRenewal(margin)) {
          try {
            await point.renew();
            this.counters.renewals += 1;
          } catch (err) {
            // A few cameras lack Renew but extend the subscription on every pull; if
            // they do not, the next pull faults and the loop subscribes again.
            if (!isOnvifError(err, 'unsupported')) throw err;
            log.info(
              { camera: this.camera },
              'camera does not support Renew; relying on PullMessages to extend the subscription',
            );
            renewable = false;
          }
        }
      }
    } finally {
      this.session = undefined;
      if (this.stopping && point) {
        // Free the camera's pull point now rather than at its termination time: cameras allow few.
        await point
          .unsubscribe(this.options.unsubscribeTimeoutMs ?? DEFAULTS.unsubscribeTimeoutMs)
          .catch((err: unknown) => {
            log.debug(
              { camera: this.camera, err: err instanceof OnvifError ? err.toJSON() : String(err) },
              'unsubscribe failed',
            );
          });
      }
      await session.close();
    }
  }

  /** connectCamera, but stop() does not wait for it: a late session is closed when it arrives. */
  private async connectUnlessStopped(): Promise<CameraSession> {
    const signal = this.abort.signal;
    if (signal.aborted) throw new Stopped();
    const pending = connectCamera(this.connect);
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      onAbort = (): void => reject(new Stopped());
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([pending, stopped]);
    } catch (err) {
      if (err instanceof Stopped)
        void pending.then(
          (late) => late.close(),
          () => undefined,
        );
      throw err;
    } finally {
      signal.removeEventListener('abort', onAbort!);
    }
  }

  private deliver(raw: unknown, clockOffsetMs: number): void {
    const event = normaliseNotification(raw, clockOffsetMs);
    if (!event) return;
    if (event.operation === 'Initialized' && this.options.initialStates === false) return;
    this.counters.events += 1;
    try {
      this.handlers.onEvent(event);
    } catch (err) {
      // A failing consumer must not take the subscription down with it.
      log.error({ camera: this.camera, err, topic: event.topic }, 'onEvent handler threw');
    }
  }

  private backoffMs(failures: number): number {
    const initial = this.options.backoff?.initialMs ?? DEFAULTS.initialMs;
    const max = this.options.backoff?.maxMs ?? DEFAULTS.maxMs;
    const base = Math.min(max, initial * 2 ** Math.max(0, failures - 1));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const signal = this.abort.signal;
      if (signal.aborted) return reject(new Stopped());
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(new Stopped());
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
