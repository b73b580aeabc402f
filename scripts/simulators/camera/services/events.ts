// ONVIF event service (ver10/events/wsdl) with pull-point subscriptions, and
// the subscription manager endpoints (PullMessages, Renew, Unsubscribe).
import { xsdDateTime } from '../clock.js';
import { parseDuration, parseTerminationTime } from '../duration.js';
import { SubscriptionLimitError, type Subscription } from '../events/event-broker.js';
import { renderNotification, renderTopicSet, topicFilter } from '../events/event-messages.js';
import { SoapFault, faults } from '../soap/envelope.js';
import { child, esc, path, text, type XmlValue } from '../soap/xml.js';
import type { CameraContext, ServiceHandlers, SoapRequest } from './context.js';

const DEFAULT_TERMINATION_MS = 60_000;
const MAX_TERMINATION_MS = 24 * 3600_000;
/** Longest PullMessages wait we grant; ONVIF requires at least one minute. */
const MAX_PULL_TIMEOUT_MS = 10 * 60_000;
const MAX_MESSAGE_LIMIT = 100;

const unknownSubscription = (): SoapFault =>
  new SoapFault('Sender', ['wsrfrw:ResourceUnknownFault'], 'The subscription does not exist or has expired');

export function eventsService(ctx: CameraContext): ServiceHandlers {
  const now = (): number => ctx.clock.nowMs();

  /** Absolute camera-clock termination from a TerminationTime element, bounded like a device would. */
  const termination = (node: XmlValue | undefined, fallbackMs: number | undefined): number => {
    const t = text(node);
    const at = t ? parseTerminationTime(t, now()) : fallbackMs === undefined ? undefined : now() + fallbackMs;
    if (at === undefined || at <= now()) {
      throw new SoapFault(
        'Sender',
        ['wsnt:UnacceptableTerminationTimeFault'],
        `Unacceptable termination time ${t ?? ''}`,
      );
    }
    return Math.min(at, now() + MAX_TERMINATION_MS);
  };

  const times = (sub: Subscription, ns: 'tev' | 'wsnt'): string =>
    `<${ns}:CurrentTime>${xsdDateTime(now())}</${ns}:CurrentTime><${ns}:TerminationTime>${xsdDateTime(sub.terminationMs)}</${ns}:TerminationTime>`;

  const subscriptionOf = (req: SoapRequest): Subscription => {
    const sub = req.subscriptionId === undefined ? undefined : ctx.broker.get(req.subscriptionId);
    if (!sub) throw unknownSubscription();
    return sub;
  };

  return {
    GetServiceCapabilities: () =>
      '<tev:GetServiceCapabilitiesResponse><tev:Capabilities WSSubscriptionPolicySupport="false" WSPullPointSupport="true" ' +
      'WSPausableSubscriptionManagerInterfaceSupport="false" MaxNotificationProducers="10" MaxPullPoints="10" PersistentNotificationStorage="false"/>' +
      '</tev:GetServiceCapabilitiesResponse>',

    GetEventProperties: () =>
      '<tev:GetEventPropertiesResponse>' +
      '<tev:TopicNamespaceLocation>http://www.onvif.org/onvif/ver10/topics/topicns.xml</tev:TopicNamespaceLocation>' +
      `<wsnt:FixedTopicSet>true</wsnt:FixedTopicSet>${renderTopicSet()}` +
      '<wsnt:TopicExpressionDialect>http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet</wsnt:TopicExpressionDialect>' +
      '<wsnt:TopicExpressionDialect>http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete</wsnt:TopicExpressionDialect>' +
      '<tev:MessageContentFilterDialect>http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter</tev:MessageContentFilterDialect>' +
      '<tev:MessageContentSchemaLocation>http://www.onvif.org/onvif/ver10/schema/onvif.xsd</tev:MessageContentSchemaLocation>' +
      '</tev:GetEventPropertiesResponse>',

    CreatePullPointSubscription: (req) => {
      const terminationMs = termination(child(req.params, 'InitialTerminationTime'), DEFAULT_TERMINATION_MS);
      const accepts = topicFilter(path(req.params, 'Filter', 'TopicExpression'));
      let sub: Subscription;
      try {
        sub = ctx.broker.create(accepts, terminationMs, ctx.eventSource.initialMessages(now()));
      } catch (err) {
        if (err instanceof SubscriptionLimitError) {
          throw new SoapFault(
            'Receiver',
            ['wsnt:SubscribeCreationFailedFault'],
            `Too many subscriptions (${err.message})`,
          );
        }
        throw err;
      }
      return (
        '<tev:CreatePullPointSubscriptionResponse>' +
        `<tev:SubscriptionReference><wsa:Address>${esc(ctx.urls.subscription(sub.id))}</wsa:Address></tev:SubscriptionReference>` +
        `${times(sub, 'wsnt')}</tev:CreatePullPointSubscriptionResponse>`
      );
    },

    PullMessages: async (req) => {
      const sub = subscriptionOf(req);
      const timeoutText = text(child(req.params, 'Timeout')) ?? 'PT0S';
      const timeoutMs = parseDuration(timeoutText);
      if (timeoutMs === undefined || timeoutMs < 0)
        throw faults.invalidArg('ter:InvalidArgVal', `Bad Timeout ${timeoutText}`);
      const limit = Math.min(MAX_MESSAGE_LIMIT, Math.max(1, Number(text(child(req.params, 'MessageLimit')) ?? 1) || 1));
      const messages = await ctx.broker.pull(sub, Math.min(timeoutMs, MAX_PULL_TIMEOUT_MS), limit, req.signal);
      return `<tev:PullMessagesResponse>${times(sub, 'tev')}${messages.map(renderNotification).join('')}</tev:PullMessagesResponse>`;
    },

    Renew: (req) => {
      const sub = subscriptionOf(req);
      ctx.broker.renew(sub, termination(child(req.params, 'TerminationTime'), undefined));
      return `<wsnt:RenewResponse><wsnt:TerminationTime>${xsdDateTime(sub.terminationMs)}</wsnt:TerminationTime><wsnt:CurrentTime>${xsdDateTime(now())}</wsnt:CurrentTime></wsnt:RenewResponse>`;
    },

    Unsubscribe: (req) => {
      const sub = subscriptionOf(req);
      ctx.broker.remove(sub.id);
      return '<wsnt:UnsubscribeResponse/>';
    },

    // Re-sends the current state of every property, as after a new subscription.
    SetSynchronizationPoint: (req) => {
      const sub = subscriptionOf(req);
      for (const m of ctx.eventSource.initialMessages(now())) {
        if (sub.accepts(m.topic)) sub.queue.push(m);
      }
      sub.wake?.();
      return '<tev:SetSynchronizationPointResponse/>';
    },
  };
}

/** Which of the handlers above are served at a subscription manager address. */
export const SUBSCRIPTION_ACTIONS: ReadonlySet<string> = new Set([
  'PullMessages',
  'Renew',
  'Unsubscribe',
  'SetSynchronizationPoint',
]);
