// The messages, in Chinese. SMS providers in China send only templates registered and
// approved beforehand (模板审核): each has the provider's code and ${name} parameters,
// and the text here is what was registered. The in-app channel shows the same text.
export type Rule =
  'offer_unanswered' | 'yellow_card' | 'grid_flagged' | 'escalated' | 'handoff_reminder' | 'handoff_urged';

export interface Template {
  /** The provider's template code (Aliyun: SMS_ and digits, given at approval). */
  code: string;
  text: string;
}

export const TEMPLATES: Record<Rule, Template> = {
  offer_unanswered: {
    code: 'SMS_WG_OFFER',
    text: '${name}，您有一条任务待接单：${title}（${place}），请打开平安通处理。',
  },
  yellow_card: {
    code: 'SMS_WG_CARD',
    text: '${grid}网格事件#${incident}（${title}）超时未${step}，${platform}记黄牌一张。',
  },
  grid_flagged: {
    code: 'SMS_WG_FLAG',
    text: '${grid}网格累计黄牌${cards}张，已列为预警网格，请约谈网格长和网格指导员。',
  },
  escalated: {
    code: 'SMS_WG_ESCALATE',
    text: '${town}上报事件#${incident}（${title}，${place}）至区县社会治理中心，请值班员及时交办。',
  },
  handoff_reminder: {
    code: 'SMS_WG_REMIND',
    text: '${org}：交办事件#${incident}（${title}）的${step}时限${due}将到，请及时办理。',
  },
  handoff_urged: {
    code: 'SMS_WG_URGE',
    text: '${org}：指挥室督办交办事件#${incident}（${title}）：${note}。请尽快办理并反馈。',
  },
};

/** Provider parameters are strings of at most 35 characters (Aliyun's limit per variable). */
export function fitParams(params: Record<string, string | number>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v).slice(0, 35)]));
}

export function render(rule: Rule, params: Record<string, string>): string {
  return TEMPLATES[rule].text.replace(/\$\{(\w+)\}/g, (_, k: string) => params[k] ?? '');
}
