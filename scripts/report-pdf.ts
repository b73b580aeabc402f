// Prints the monthly report (月报) of a town or a department to a PDF with Debian's
// chromium (Page.printToPDF): logs in through the web app like a user, opens 月报,
// waits for the sheet and prints it on A4.
//   npx tsx scripts/report-pdf.ts --user dispatcher --password hangbu-demo --month 2026-12 [--org hb-scjgs] --out var/report.pdf
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** The report page's sheet as a PDF (A4, backgrounds printed); the page must show 月报 already. */
export async function printReport(page: Page, month: string, org = ''): Promise<Buffer> {
  await page.fill('#report-month', month);
  if (org) await page.selectOption('#report-org', org);
  await page.evaluate(() => document.querySelector('#report-sheet')?.removeAttribute('data-ready'));
  await page.click('#report-draw');
  await page.waitForSelector(`#report-sheet[data-ready="${month}"]`);
  return page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:8080' },
      user: { type: 'string', default: 'dispatcher' },
      password: { type: 'string', default: 'hangbu-demo' },
      month: { type: 'string', default: new Date().toISOString().slice(0, 7) },
      org: { type: 'string', default: '' },
      out: { type: 'string', default: 'var/report.pdf' },
    },
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  try {
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    await page.goto(`${values.url}/#/reports`);
    await page.fill('#login-username', values.user);
    await page.fill('#login-password', values.password);
    await page.click('#login-submit');
    await page.waitForSelector('#report-sheet');
    const pdf = await printReport(page, values.month, values.org);
    writeFileSync(values.out, pdf);
    console.log(`[report] ${values.out}: ${pdf.length} bytes`);
  } finally {
    await browser.close();
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  main().catch((err: unknown) => {
    console.error('[report] failed:', err);
    process.exit(1);
  });
}
