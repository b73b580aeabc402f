// Prometheus metrics: admins or the scraper's token only; requests counted by route
// pattern (not URL), the OsmAnd port's answers, queues, relays and live streams.
import { expect } from 'chai';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { TOWN, tinyTownAreas } from '../helpers/tiny-town.js';

const TOKEN = 'metrics-scraper-token-0123456789';

describe('metrics: /metrics for Prometheus', () => {
  let t: TestApi;
  before(async () => {
    t = await startTestApi('metrics', { METRICS_TOKEN: TOKEN });
    await t.admin.post('/api/areas/import', tinyTownAreas());
  });
  after(() => t.close());

  it('is readable by an admin or the scraper token only', async () => {
    expect((await t.anonymous.get('/metrics')).status).to.equal(401);
    const operator = await t.login(['operator'], [], true);
    expect((await operator.get('/metrics')).status).to.equal(403);
    expect(
      (await t.anonymous.get('/metrics', { authorization: 'Bearer wrong-token-wrong-token-wrong' })).status,
    ).to.equal(401);
    const scraped = await t.anonymous.get('/metrics', { authorization: `Bearer ${TOKEN}` });
    expect(scraped.status).to.equal(200);
    expect(scraped.headers.get('content-type')).to.match(/^text\/plain/);
    expect((await t.admin.get('/metrics')).status).to.equal(200);
  });

  it('counts requests by route pattern with latencies, OsmAnd answers, queues, relays and streams', async () => {
    for (let i = 0; i < 3; i++) await t.admin.get(`/api/areas/${TOWN}`);
    await t.admin.get('/api/areas/NOPE');
    await fetch(`${t.api.osmandUrl}/?id=nobody&lat=28.9&lon=118.7`);
    const text = (await t.admin.get('/metrics')).raw.toString();
    expect(text).to.match(/wangge_http_requests_total\{method="GET",route="\/api\/areas\/:code",status="200"\} 3/);
    expect(text).to.match(/wangge_http_requests_total\{method="GET",route="\/api\/areas\/:code",status="404"\} 1/);
    expect(text).to.match(/wangge_http_request_duration_seconds_count\{method="GET",route="\/api\/areas\/:code"\} 4/);
    expect(text).to.not.contain(`/api/areas/${TOWN}"`);
    expect(text).to.match(/wangge_osmand_requests_total\{status="400"\} 1/);
    expect(text).to.match(/wangge_queue_jobs\{queue="incident-dispatch",state="waiting"\} \d+/);
    expect(text).to.match(/^wangge_relays 0$/m);
    expect(text).to.match(/^wangge_live_streams \d+$/m);
    expect(text).to.match(/^wangge_process_cpu_seconds_total /m);
    expect(text).to.match(/^# HELP wangge_dispatch_latency_seconds /m);
  });
});
