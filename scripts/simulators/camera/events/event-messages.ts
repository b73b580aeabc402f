// The events this camera can raise, described once and rendered both as the
// GetEventProperties topic set and as PullMessages notifications, with the
// Source/Data SimpleItems that Hikvision/Dahua/Axis firmwares put in them.
import { xsdDateTime } from '../clock.js';
import { esc } from '../soap/xml.js';
import type { CameraEventInput } from '../types.js';

export type PropertyOperation = 'Initialized' | 'Changed' | 'Deleted';

export interface EventMessage {
  /** e.g. "tns1:VideoSource/MotionAlarm" */
  topic: string;
  /** camera clock, ms */
  utcMs: number;
  /** Present for property events (states), absent for one-shot events. */
  propertyOperation?: PropertyOperation;
  source: Array<[name: string, value: string]>;
  data: Array<[name: string, value: string]>;
}

interface ItemDescription {
  name: string;
  type: string;
}

interface TopicDefinition {
  topic: string;
  isProperty: boolean;
  source: ItemDescription[];
  data: ItemDescription[];
}

const RULE_SOURCE: ItemDescription[] = [
  { name: 'VideoSourceConfigurationToken', type: 'tt:ReferenceToken' },
  { name: 'VideoAnalyticsConfigurationToken', type: 'tt:ReferenceToken' },
  { name: 'Rule', type: 'xs:string' },
];

export const TOPICS: Record<CameraEventInput['topic'], TopicDefinition> = {
  motion: {
    topic: 'tns1:VideoSource/MotionAlarm',
    isProperty: true,
    source: [{ name: 'Source', type: 'tt:ReferenceToken' }],
    data: [{ name: 'State', type: 'xs:boolean' }],
  },
  tamper: {
    topic: 'tns1:VideoSource/GlobalSceneChange/ImagingService',
    isProperty: true,
    source: [{ name: 'Source', type: 'tt:ReferenceToken' }],
    data: [{ name: 'State', type: 'xs:boolean' }],
  },
  lineCrossing: {
    topic: 'tns1:RuleEngine/LineDetector/Crossed',
    isProperty: false,
    source: RULE_SOURCE,
    data: [{ name: 'ObjectId', type: 'xs:integer' }],
  },
  intrusion: {
    topic: 'tns1:RuleEngine/FieldDetector/ObjectsInside',
    isProperty: true,
    source: RULE_SOURCE,
    data: [{ name: 'IsInside', type: 'xs:boolean' }],
  },
};

export interface EventTokens {
  videoSource: string;
  videoSourceConfiguration: string;
  videoAnalyticsConfiguration: string;
}

export const DEFAULT_RULES = { lineCrossing: 'LineDetector1', intrusion: 'FieldDetector1' } as const;

/**
 * Turns API inputs into messages and remembers the last value of every
 * property, because real devices replay those as "Initialized" messages to
 * each new subscription (clients rely on that to learn the current state).
 */
export class CameraEventSource {
  private readonly properties = new Map<string, EventMessage>();
  private nextObjectId = 1;

  constructor(private readonly tokens: EventTokens) {
    this.message({ topic: 'motion', state: false }, 0);
    this.message({ topic: 'tamper', state: false }, 0);
    this.message({ topic: 'intrusion', state: false }, 0);
  }

  message(input: CameraEventInput, utcMs: number): EventMessage {
    const def = TOPICS[input.topic];
    const msg: EventMessage = { topic: def.topic, utcMs, source: this.sourceItems(input), data: this.dataItems(input) };
    if (def.isProperty) {
      msg.propertyOperation = 'Changed';
      this.properties.set(`${def.topic}|${msg.source.map(([, v]) => v).join('|')}`, msg);
    }
    return msg;
  }

  /** Current state of every property, stamped now, for a new subscription. */
  initialMessages(utcMs: number): EventMessage[] {
    return [...this.properties.values()].map((m) => ({ ...m, utcMs, propertyOperation: 'Initialized' }));
  }

  private sourceItems(input: CameraEventInput): Array<[string, string]> {
    switch (input.topic) {
      case 'motion':
      case 'tamper':
        return [['Source', this.tokens.videoSource]];
      case 'lineCrossing':
      case 'intrusion':
        return [
          ['VideoSourceConfigurationToken', this.tokens.videoSourceConfiguration],
          ['VideoAnalyticsConfigurationToken', this.tokens.videoAnalyticsConfiguration],
          ['Rule', input.rule ?? DEFAULT_RULES[input.topic]],
        ];
    }
  }

  private dataItems(input: CameraEventInput): Array<[string, string]> {
    switch (input.topic) {
      case 'motion':
      case 'tamper':
        return [['State', String(input.state)]];
      case 'intrusion':
        return [['IsInside', String(input.state)]];
      case 'lineCrossing':
        return [['ObjectId', String(input.objectId ?? this.nextObjectId++)]];
    }
  }
}

const simpleItems = (items: Array<[string, string]>): string =>
  items.map(([n, v]) => `<tt:SimpleItem Name="${esc(n)}" Value="${esc(v)}"/>`).join('');

export function renderNotification(msg: EventMessage): string {
  const op = msg.propertyOperation ? ` PropertyOperation="${msg.propertyOperation}"` : '';
  return (
    '<wsnt:NotificationMessage>' +
    `<wsnt:Topic Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">${esc(msg.topic)}</wsnt:Topic>` +
    `<wsnt:Message><tt:Message UtcTime="${xsdDateTime(msg.utcMs)}"${op}>` +
    `<tt:Source>${simpleItems(msg.source)}</tt:Source>` +
    `<tt:Data>${simpleItems(msg.data)}</tt:Data>` +
    '</tt:Message></wsnt:Message></wsnt:NotificationMessage>'
  );
}

interface TopicTreeNode {
  children: Map<string, TopicTreeNode>;
  definition?: TopicDefinition;
}

/** wstop:TopicSet with a MessageDescription under each leaf topic. */
export function renderTopicSet(): string {
  const root: TopicTreeNode = { children: new Map() };
  for (const def of Object.values(TOPICS)) {
    let node = root;
    for (const part of def.topic.split('/')) {
      let next = node.children.get(part);
      if (!next) node.children.set(part, (next = { children: new Map() }));
      node = next;
    }
    node.definition = def;
  }
  const describe = (items: ItemDescription[]): string =>
    items.map((i) => `<tt:SimpleItemDescription Name="${i.name}" Type="${i.type}"/>`).join('');
  const render = (name: string, node: TopicTreeNode): string => {
    const def = node.definition;
    const description = def
      ? `<tt:MessageDescription IsProperty="${def.isProperty}"><tt:Source>${describe(def.source)}</tt:Source>` +
        `<tt:Data>${describe(def.data)}</tt:Data></tt:MessageDescription>`
      : '';
    const inner = [...node.children].map(([n, c]) => render(n, c)).join('');
    return `<${name}${def ? ' wstop:topic="true"' : ''}>${description}${inner}</${name}>`;
  };
  return `<wstop:TopicSet>${[...root.children].map(([n, c]) => render(n, c)).join('')}</wstop:TopicSet>`;
}

/**
 * Topic filter of CreatePullPointSubscription (ConcreteSet dialect):
 * alternatives separated by "|", "//." meaning "this topic and below".
 * Namespace prefixes are ignored, so "tns1:" and "tns:" both match.
 */
export function topicFilter(expression: string | undefined): (topic: string) => boolean {
  if (!expression || !expression.trim()) return () => true;
  const strip = (t: string): string =>
    t
      .split('/')
      .map((p) => p.replace(/^[\w-]+:/, ''))
      .join('/');
  const alternatives = expression
    .split('|')
    .map((alt) => alt.trim())
    .filter(Boolean);
  return (topic) => {
    const plain = strip(topic);
    return alternatives.some((alt) => {
      if (alt.endsWith('//.')) {
        const prefix = strip(alt.slice(0, -3));
        return plain === prefix || plain.startsWith(`${prefix}/`);
      }
      return strip(alt) === plain;
    });
  };
}
