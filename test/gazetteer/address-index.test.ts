// The address index on its own, against the demo town's gazetteer read from the fixture
// files: how addresses are written (full-width digits, Chinese numerals, suffixes left
// off, abbreviations, a slip of one character), what is placed and what is left 待定位,
// and the 200-address test set's shares.
import { expect } from 'chai';
import { AddressIndex, type LocateResult } from '../../gazetteer/address-index.js';
import { chineseNumeral, normalizeAddress } from '../../gazetteer/address-text.js';
import { readFixtureGazetteer, type FixtureGazetteer } from '../../gazetteer/fixture-gazetteer.js';
import { readLandmarkCsv } from '../../gazetteer/landmark-csv.js';
import { scoreTestSet } from '../../scripts/bench/addresses.bench.js';

describe('addresses → places (the in-process index)', () => {
  let fixture: FixtureGazetteer;
  let index: AddressIndex;
  const mark = (name: string) => fixture.data.landmarks.find((l) => l.name === name)!;
  const placed = (r: LocateResult) => {
    expect(r.status, JSON.stringify(r)).to.equal('placed');
    return r as LocateResult & { status: 'placed' };
  };

  before(async () => {
    fixture = await readFixtureGazetteer('fixtures/hangbu');
    index = AddressIndex.build(fixture.data);
  });

  it('writes numbers one way: full-width digits, and Chinese numerals before 号 only', () => {
    expect(normalizeAddress('航埠大道　１２号')).to.equal('航埠大道12号');
    expect(normalizeAddress('兴航一弄三十六号')).to.equal('兴航一弄36号');
    expect(normalizeAddress('三十六亩村（村委会）')).to.equal('三十六亩村村委会');
    expect(chineseNumeral('一百零五')).to.equal(105);
    expect(chineseNumeral('二十')).to.equal(20);
  });

  it('finds a landmark however it is written: with or without town and suffix, abbreviated, one character off', () => {
    const school = mark('航埠中学');
    for (const a of [
      '航埠中学门口',
      '浙江省衢州市柯城区航埠镇航埠中学',
      '航埠中对面',
      '杭埠中学旁边',
      '兴航社区航埠中学',
      '航埠镇兴航航埠中学东侧',
    ]) {
      const r = placed(index.locate(a));
      expect([r.lon, r.lat], a).to.deep.equal([school.lon, school.lat]);
    }
    expect(placed(index.locate('柯城区航埠镇菜市场里面')).place).to.equal('航埠农贸市场');
    expect(placed(index.locate('北一村委')).place).to.equal('北一村村委会');
    expect(placed(index.locate('航埠镇彭村村委会')).place).to.equal('彭村村村委会');
    expect(placed(index.locate('杭埠中学旁边')).understood.fuzzy).to.deep.equal(['杭埠中学']);
  });

  it('places door numbers: a plate, between two plates of the same side, a village number', () => {
    const plate = fixture.data.landmarks.find((l) => l.kind === 'door_plate' && l.name.startsWith('航埠大道'))!;
    const n = Number(/(\d+)号$/.exec(plate.name)![1]);
    const exact = placed(
      index.locate(
        `航埠镇${plate.name.replace(/\d+/, (d) => String.fromCharCode(...[...d].map((c) => 0xff10 + Number(c))))}`,
      ),
    );
    expect(exact.by).to.equal('door_plate');
    expect([exact.lon, exact.lat]).to.deep.equal([plate.lon, plate.lat]);
    const between = placed(index.locate(`航埠大道${n + 4}号`));
    expect(between.by).to.equal('interpolated');
    const village = fixture.data.landmarks.find((l) => l.name === '万川村1号')!;
    expect(placed(index.locate('航埠镇万川一号')).place).to.equal(village.name);
  });

  it("takes a kind of place with its village as that village's only one (长泽街村小学), and no other kind", () => {
    expect(placed(index.locate('航埠镇长泽街村小学门口')).place).to.equal('长泽街小学');
    expect(placed(index.locate('兴航社区诊所')).place).to.equal('兴航社区卫生室');
    expect(index.locate('墩头村幼儿园').status).to.equal('unlocated');
    expect(index.locate('航埠镇小学').status).to.equal('unlocated');
  });

  it('places the crossing of two roads', () => {
    const r = placed(index.locate('航埠大道与石华线交叉口'));
    expect(r.by).to.equal('intersection');
  });

  it('leaves 待定位 what names no single place, saying why and where to start', () => {
    const village = index.locate('航埠镇墩头村附近');
    expect(village.status).to.equal('unlocated');
    if (village.status !== 'unlocated') return;
    expect(village.suggestion?.label).to.equal('墩头村');
    const generic = index.locate('文化礼堂旁边');
    expect(generic.status).to.equal('unlocated');
    if (generic.status === 'unlocated') {
      expect(generic.reason).to.include(`有${fixture.data.villages.length}处`);
      expect(generic.candidates).to.have.length(10); // the first ten, for the command room to look at
    }
    expect(index.locate('航埠镇').status).to.equal('unlocated');
    expect(index.locate('北京市朝阳区建国路88号').status).to.equal('unlocated');
    // A landmark said to be in another village than its own is not guessed.
    expect(index.locate('万川村航埠中学').status).to.equal('unlocated');
  });

  it('places most of the demo town test set right and almost none wrong', async () => {
    const { correct, wrong, cases } = await scoreTestSet('fixtures/hangbu');
    expect(cases).to.have.length(200);
    expect(correct / cases.length).to.be.at.least(0.9);
    expect(wrong / cases.length).to.be.at.most(0.01);
  });

  it('reads landmark CSV: quoted fields, GBK, Chinese headers; every bad row named', () => {
    const good = readLandmarkCsv(
      Buffer.from(
        '\uFEFF名称,类型,经度,纬度,别名,村社区\r\n"航埠中学, 初中部",学校,118.78,28.97,航中;航埠初中,兴航社区\r\n',
      ),
    );
    expect(good).to.have.property('rows').with.length(1);
    if ('rows' in good)
      expect(good.rows[0])
        .to.include({ name: '航埠中学, 初中部', kind: 'school', lon: 118.78 })
        .and.deep.include({ aliases: ['航中', '航埠初中'] });
    const gbk = readLandmarkCsv(
      Buffer.from([
        ...Buffer.from('name,kind,lon,lat\n'),
        0xba,
        0xbd,
        0xb2,
        0xba,
        ...Buffer.from(',school,118.78,28.97\n'),
      ]),
    );
    expect(gbk).to.have.property('encoding', 'gb18030');
    if ('rows' in gbk) expect(gbk.rows[0]!.name).to.equal('航埠');
    const bad = readLandmarkCsv(
      Buffer.from('name,kind,lon,lat\n航埠中学,castle,118.78,28.97\n,school,200,28.9\n航埠中学,castle,118.78,28.97\n'),
    );
    expect(bad).to.have.property('problems');
    if ('problems' in bad) {
      expect(bad.problems.map((p) => `${p.line}:${p.field}`)).to.deep.equal([
        '2:kind',
        '3:name',
        '3:lon',
        '4:kind',
        '4:name',
      ]);
    }
  });
});
