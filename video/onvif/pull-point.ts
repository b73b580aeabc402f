// One ONVIF pull-point subscription (Events service): create, long-poll,
// renew, unsubscribe. The reconnect policy lives in event-subscriber.ts.
import { callCam, libraryClockOffsetMs, routeSubscriptionThroughAgent, type CamHandle } from './library.js';
import { at, date, list } from './read.js';

/** The library's PullMessages always asks the camera to wait up to PT1M. */
export const PULL_WAIT_MS = 60_000;
/** Slack on top of the long poll before our own deadline gives up on it. */
const PULL_SLACK_MS = 5_000;

export class PullPoint {
  /** When the camera will drop the subscription, on our clock. */
  private expiresAtMs: number;

  private constructor(
    private readonly handle: CamHandle,
    expiresAtMs: number,
  ) {
    this.expiresAtMs = expiresAtMs;
  }

  /** CreatePullPointSubscription (the library asks for InitialTerminationTime PT2M). */
  static async create(handle: CamHandle): Promise<PullPoint> {
    const answer = await callCam(handle, 'CreatePullPointSubscription', (cb) =>
      handle.cam.createPullPointSubscription(cb),
    );
    // PullMessages/Renew/Unsubscribe go to the subscription address: make them abortable.
    routeSubscriptionThroughAgent(handle);
    const point = new PullPoint(handle, Date.now() + 60_000);
    point.updateExpiry(answer.data);
    return point;
  }

  get expiresAt(): Date {
    return new Date(this.expiresAtMs);
  }

  /** Deadline of one PullMessages: the camera may hold it for a minute. */
  get pullDeadlineMs(): number {
    return PULL_WAIT_MS + this.handle.timeoutMs + PULL_SLACK_MS;
  }

  /** Long-polls; resolves with the raw NotificationMessages (none when the minute passed quietly). */
  async pull(messageLimit: number): Promise<unknown[]> {
    const answer = await callCam(
      this.handle,
      'PullMessages',
      (cb) => this.handle.cam.pullMessages({ messageLimit }, cb),
      this.pullDeadlineMs,
    );
    this.updateExpiry(answer.data);
    return list(at(answer.data, 'notificationMessage'));
  }

  /** True when the subscription could end before (or while) the next long poll runs. */
  needsRenewal(marginMs: number): boolean {
    return this.expiresAtMs - Date.now() < this.pullDeadlineMs + marginMs;
  }

  /** Renew (the library asks for PT2M). Axis and others do not extend a subscription on PullMessages. */
  async renew(): Promise<void> {
    const answer = await callCam(this.handle, 'Renew', (cb) => this.handle.cam.renew({}, cb));
    this.updateExpiry(answer.data);
  }

  async unsubscribe(deadlineMs: number): Promise<void> {
    await callCam(this.handle, 'Unsubscribe', (cb) => this.handle.cam.unsubscribe(cb, true), deadlineMs);
  }

  /** Termination minus current time, both on the camera's clock, so a wrong camera clock does not matter. */
  private updateExpiry(data: unknown): void {
    const response = at(data, 'renewResponse') ?? data;
    const termination = date(at(response, 'terminationTime'));
    if (!termination) return;
    const current = date(at(response, 'currentTime'));
    const cameraNow = current?.getTime() ?? Date.now() + (libraryClockOffsetMs(this.handle) ?? 0);
    this.expiresAtMs = Date.now() + (termination.getTime() - cameraNow);
  }
}
