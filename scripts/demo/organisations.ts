// The demo town's organisations, as the seeds describe a town: 航埠镇's 综合信息指挥室, the
// four platforms with the stationed departments each gathers, a 村委 per village, and
// above the town 柯城区's 社会治理中心 with county departments; demo accounts working in
// them (password hangbu-demo). Made once, through the organisations service.
import type { AuthContext } from '../../platform/auth/auth-context.js';
import type { Services } from '../../server/composition.js';
import type { AccountsRepository } from '../../accounts/accounts.repository.js';
import type { OrganisationInput } from '../../organisations/organisations.service.js';

const PLATFORMS: [string, string, OrganisationInput['platform']][] = [
  ['hb-zongzhi', '综治工作平台', 'zongzhi'],
  ['hb-shichang', '市场监管平台', 'shichang'],
  ['hb-zhifa', '综合执法平台', 'zhifa'],
  ['hb-bianmin', '便民服务平台', 'bianmin'],
];
/** Stationed departments: code, name, platform, the categories they usually lead. */
const DEPARTMENTS: [string, string, NonNullable<OrganisationInput['platform']>, string[]][] = [
  ['hb-zzb', '航埠镇综治办', 'zongzhi', ['dispute']],
  ['hb-pcs', '航埠派出所', 'zongzhi', ['public_order']],
  ['hb-sfs', '航埠司法所', 'zongzhi', ['dispute']],
  ['hb-xfb', '航埠镇信访办', 'zongzhi', []],
  ['hb-jjzd', '交警航埠中队', 'zongzhi', ['traffic']],
  ['hb-yjb', '航埠镇应急办', 'zongzhi', ['disaster', 'fire']],
  ['hb-scjgs', '航埠市场监管所', 'shichang', ['market']],
  ['hb-syaq', '航埠镇食药安全办', 'shichang', []],
  ['hb-zfzd', '航埠综合执法中队', 'zhifa', ['illegal_building', 'environment']],
  ['hb-zrzys', '航埠自然资源所', 'zhifa', ['illegal_building']],
  ['hb-cjb', '航埠镇城建办', 'zhifa', []],
  ['hb-hbz', '航埠镇环保站', 'zhifa', ['environment']],
  ['hb-ajz', '航埠镇安监站', 'zhifa', ['work_safety']],
  ['hb-bmfw', '航埠镇便民服务中心', 'bianmin', ['services']],
  ['hb-mzb', '航埠镇民政办', 'bianmin', []],
  ['hb-sbs', '航埠镇社保所', 'bianmin', []],
  ['hb-pxe', '航埠“跑小二”代办队', 'bianmin', []],
];
const COUNTY_DEPARTMENTS: [string, string][] = [
  ['kc-scjgj', '柯城区市场监督管理局'],
  ['kc-zfj', '柯城区综合行政执法局'],
  ['kc-sthj', '衢州市生态环境局柯城分局'],
  ['kc-gafj', '衢州市公安局柯城分局'],
  ['kc-zjj', '柯城区住房和城乡建设局'],
  ['kc-slj', '柯城区水利局'],
];
/** Demo accounts of the departments and the county: username, name, roles, organisation, duty. */
const DEMO_STAFF: [
  string,
  string,
  ('department' | 'operator' | 'dispatcher')[],
  string,
  'intake' | 'handler' | 'head',
][] = [
  ['scjgs', '市场监管所 王所长', ['department'], 'hb-scjgs', 'head'],
  ['zfzd', '执法中队 李队员', ['department'], 'hb-zfzd', 'handler'],
  ['pcs', '派出所 赵警官', ['department'], 'hb-pcs', 'handler'],
  ['bmfw', '便民服务中心 陈办事员', ['department'], 'hb-bmfw', 'intake'],
  ['county', '柯城区社会治理中心 值班员', ['operator', 'dispatcher'], 'kc-centre', 'intake'],
  ['county-sthj', '生态环境分局 周科长', ['department'], 'kc-sthj', 'handler'],
];

export async function seedDemoOrganisations(
  services: Services,
  auth: AuthContext,
  accounts: AccountsRepository,
  town: { id: number; code: string },
  password: string,
): Promise<boolean> {
  const orgs = services.organisations.organisations;
  if ((await orgs.list(auth, { townCode: town.code })).length > 0) return false;
  const add = (o: OrganisationInput) => orgs.create(auth, o);
  await add({
    code: 'hb-cmd',
    name: '航埠镇综合信息指挥室',
    kind: 'command_room',
    areaCode: town.code,
    phone: '0570-8871110',
  });
  for (const [code, name, platform] of PLATFORMS)
    await add({ code, name, kind: 'platform', areaCode: town.code, parentCode: 'hb-cmd', platform });
  for (const [code, name, platform, categories] of DEPARTMENTS)
    await add({
      code,
      name,
      kind: 'department',
      areaCode: town.code,
      parentCode: `hb-${platform}`,
      platform,
      categories,
    });
  const villages = await services.areas.list(auth, 'village', town.code);
  for (const v of villages)
    await add({
      code: `hb-v${v.code.slice(-3)}`,
      name: `${v.name}${/社区$/.test(v.name) ? '居委会' : '村委会'}`,
      kind: 'village',
      areaCode: v.code,
    });
  const county = town.code.slice(0, 6);
  await add({
    code: 'kc-centre',
    name: '柯城区社会治理中心',
    kind: 'county_centre',
    areaCode: county,
    phone: '0570-12345',
  });
  for (const [code, name] of COUNTY_DEPARTMENTS)
    await add({ code, name, kind: 'county_department', areaCode: county, parentCode: 'kc-centre' });

  const byCode = new Map((await orgs.list(auth)).map((o) => [o.code, o.id]));
  for (const [username, displayName, roles, orgCode, duty] of DEMO_STAFF) {
    const existing = await accounts.findByUsername(username);
    const id =
      existing?.id ??
      (await services.auth.createAccount({ username, displayName, password, roles, townIds: [town.id] })).id;
    await orgs.setMember(auth, byCode.get(orgCode)!, id, duty);
  }
  // The demo command room works in the command room.
  for (const username of ['operator', 'dispatcher']) {
    const a = await accounts.findByUsername(username);
    if (a) await orgs.setMember(auth, byCode.get('hb-cmd')!, a.id, 'intake');
  }
  return true;
}
