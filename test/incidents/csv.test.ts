import { expect } from 'chai';
import { attachment, csvCell, toCsv, UTF8_BOM } from '../../incidents/csv.js';

describe("csv: the command room's spreadsheets", () => {
  it('writes plain cells as they are and quotes what must be quoted', () => {
    expect(csvCell('测试网格1')).to.equal('测试网格1');
    expect(csvCell(42)).to.equal('42');
    expect(csvCell(0.5)).to.equal('0.5');
    expect(csvCell(null)).to.equal('');
    expect(csvCell(undefined)).to.equal('');
    expect(csvCell(Number.NaN)).to.equal('');
    expect(csvCell(true)).to.equal('true');
    expect(csvCell(new Date('2026-11-01T08:00:00Z'))).to.equal('2026-11-01T08:00:00.000Z');
    expect(csvCell('西村, 东村')).to.equal('"西村, 东村"');
    expect(csvCell('他说"快来"')).to.equal('"他说""快来"""');
    expect(csvCell('第一行\n第二行')).to.equal('"第一行\n第二行"');
    expect(csvCell(' padded ')).to.equal('" padded "');
  });

  it('defuses text that a spreadsheet would run as a formula, but not negative numbers', () => {
    expect(csvCell('=HYPERLINK("http://x")')).to.equal('"\'=HYPERLINK(""http://x"")"');
    expect(csvCell('+86 138')).to.equal("'+86 138");
    expect(csvCell('@SUM(A1)')).to.equal("'@SUM(A1)");
    expect(csvCell(-3)).to.equal('-3');
  });

  it('makes a file with the BOM, a header and CRLF line ends', () => {
    const file = toCsv(
      [
        { header: '名称 name', value: (r: { n: string; k: number }) => r.n },
        { header: '收到', value: (r) => r.k },
      ],
      [
        { n: '测试网格1', k: 3 },
        { n: 'a,b', k: 0 },
      ],
    );
    expect(file.startsWith(UTF8_BOM)).to.equal(true);
    expect(Buffer.from(file, 'utf8').subarray(0, 3)).to.deep.equal(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(file.slice(1)).to.equal('名称 name,收到\r\n测试网格1,3\r\n"a,b",0\r\n');
  });

  it('names the download in ASCII and exactly (RFC 5987)', () => {
    expect(attachment('stats_T1.csv')).to.equal(`attachment; filename="stats_T1.csv"; filename*=UTF-8''stats_T1.csv`);
    expect(attachment('统计.csv')).to.equal(`attachment; filename="__.csv"; filename*=UTF-8''%E7%BB%9F%E8%AE%A1.csv`);
  });
});
