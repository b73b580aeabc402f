// The demo town's people: per grid one grid head (网格长) and one full-time gridworker
// (专职网格员), per village one grid instructor (网格指导员), each with a phone (its
// identifier made up by the server: nobody can guess it). Names and numbers are made
// up, deterministically, so every start gives the same town.
import type { PersonInput } from '../../people/people.service.js';

const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦傅方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN =
  '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红小兰海燕玉梅林波斌宇浩凯鹏辉鑫晨欣怡佳琪子涵雨轩思远建华卫东丽华永强春梅秋菊';

function name(i: number): string {
  const s = SURNAMES[(i * 7) % SURNAMES.length]!;
  const a = GIVEN[(i * 13) % GIVEN.length]!;
  const b = i % 3 === 0 ? '' : GIVEN[(i * 31 + 5) % GIVEN.length]!;
  return s + a + b;
}

const phone = (i: number) => `1375700${String(1000 + i).slice(-4)}`;

export interface DemoPerson {
  person: PersonInput;
}

export function demoRoster(villages: { code: string }[], grids: { code: string; villageCode: string }[]): DemoPerson[] {
  const out: DemoPerson[] = [];
  let i = 0;
  for (const g of grids) {
    out.push({
      person: {
        name: name(i),
        phone: phone(i++),
        roles: ['grid_head'],
        villageCode: g.villageCode,
        gridCodes: [g.code],
        dutyStatus: 'on_duty',
      },
    });
    out.push({
      person: {
        name: name(i),
        phone: phone(i++),
        roles: ['fulltime_gridworker'],
        villageCode: g.villageCode,
        gridCodes: [g.code],
        dutyStatus: 'on_duty',
      },
    });
  }
  for (const v of villages) {
    const own = grids.filter((g) => g.villageCode === v.code).map((g) => g.code);
    out.push({
      person: {
        name: name(i),
        phone: phone(i++),
        roles: ['grid_instructor'],
        villageCode: v.code,
        gridCodes: own,
        dutyStatus: 'off_duty',
      },
    });
  }
  return out;
}
