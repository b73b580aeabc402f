// The pure parts of the live-video relay: password masking, where ffmpeg comes from,
// the ffmpeg command line (asserted as a list), error sentences, HLS file names.
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveFfmpeg } from '../../../platform/ffmpeg-path.js';
import { maskSecrets, maskUrl, publicMessage, secretsOfUrl, withoutUrls } from '../../../platform/mask-url.js';
import { withCredentials, withoutPassword, withPassword } from '../../../video/credentials.js';
import { buildHlsArgs, inputKindOf } from '../../../video/relay/ffmpeg-args.js';
import { explainExit, lastErrorLine, type ExitFacts } from '../../../video/relay/ffmpeg-errors.js';
import { parsePlaylist, resolveHlsFile, segmentNumber, waitForPlaylist } from '../../../video/relay/hls-files.js';

describe('video relay: pure parts', () => {
  describe('maskUrl / maskSecrets', () => {
    it('masks the password of rtsp, rtmp and http URLs and keeps the user name', () => {
      expect(maskUrl('rtsp://admin:sim12345@192.168.1.64:554/Streaming/Channels/101')).to.equal(
        'rtsp://admin:***@192.168.1.64:554/Streaming/Channels/101',
      );
      expect(maskUrl('rtmp://pub:s3cret@10.0.0.2/live/abc')).to.equal('rtmp://pub:***@10.0.0.2/live/abc');
      expect(maskUrl('http://admin:pw@127.0.0.1:8080/onvif/snapshot?profile=1')).to.equal(
        'http://admin:***@127.0.0.1:8080/onvif/snapshot?profile=1',
      );
      expect(maskUrl('RTSP://Admin:Pw@cam.local/main')).to.equal('RTSP://Admin:***@cam.local/main');
    });

    it('masks percent-encoded "@", ":" and "/" in passwords', () => {
      expect(maskUrl('rtsp://admin:p%40ss%3Aw%2Frd@127.0.0.1:8554/sub')).to.equal(
        'rtsp://admin:***@127.0.0.1:8554/sub',
      );
    });

    it('masks raw "@", ":" and "/" typed into a password', () => {
      expect(maskUrl('rtsp://admin:p@ss:w/rd@127.0.0.1:8554/sub')).to.equal('rtsp://admin:***@127.0.0.1:8554/sub');
      expect(maskUrl('rtsp://admin:a@b@cam/main')).to.equal('rtsp://admin:***@cam/main');
    });

    it('keeps e-mail style user names, IPv6 hosts and URLs without a password', () => {
      expect(maskUrl('rtsp://ops@town.cn:pw@[::1]:554/x')).to.equal('rtsp://ops@town.cn:***@[::1]:554/x');
      expect(maskUrl('rtsp://admin@cam:554/main')).to.equal('rtsp://admin@cam:554/main');
      expect(maskUrl('rtsp://cam:554/main')).to.equal('rtsp://cam:554/main');
      expect(maskUrl('http://127.0.0.1:8080/a?b=c')).to.equal('http://127.0.0.1:8080/a?b=c');
    });

    it('masks password-like query parameters', () => {
      expect(maskUrl('rtsp://10.0.0.5:554/cam/realmonitor?channel=1&user=admin&password=abc123')).to.equal(
        'rtsp://10.0.0.5:554/cam/realmonitor?channel=1&user=admin&password=***',
      );
    });

    it('masks every URL inside an ffmpeg stderr line', () => {
      const line =
        '[rtsp @ 0x55] [error] rtsp://admin:wrong@127.0.0.1:42543/sub: Server returned 401 Unauthorized (authorization failed)';
      expect(maskSecrets(line)).to.equal(
        '[rtsp @ 0x55] [error] rtsp://admin:***@127.0.0.1:42543/sub: Server returned 401 Unauthorized (authorization failed)',
      );
      expect(maskSecrets('a rtsp://u:p1@h/x and rtmp://v:p2@k:1935/live/y')).to.equal(
        'a rtsp://u:***@h/x and rtmp://v:***@k:1935/live/y',
      );
    });

    it('masks extra literals (a decoded password, a stream key), longest first', () => {
      expect(maskSecrets('key abcdef and abc', ['abc', 'abcdef'])).to.equal('key *** and ***');
      // Literals shorter than 3 characters would mask ordinary text.
      expect(maskSecrets('a b', ['a'])).to.equal('a b');
    });

    it('takes every URL out of a text meant for the browser, keeping scheme and address', () => {
      expect(withoutUrls('[error] rtsp://admin:***@10.0.0.5:554/Streaming/Channels/102: 401 Unauthorized')).to.equal(
        '[error] RTSP at 10.0.0.5:554: 401 Unauthorized',
      );
      expect(withoutUrls('snapshot (got http://[fe80::1]:8080/cgi-bin/snap.cgi?usr=admin&pwd=***), retrying')).to.equal(
        'snapshot (got HTTP at [fe80::1]:8080), retrying',
      );
      expect(withoutUrls('camera 10.0.0.5:80, GetProfiles: timeout')).to.equal(
        'camera 10.0.0.5:80, GetProfiles: timeout',
      );
      // Masked first, so a raw password with "@" or "/" cannot split the URL.
      expect(publicMessage('rtsp://admin:p@ss/w@cam:554/main refused', ['p@ss/w'])).to.equal('RTSP at cam:554 refused');
    });

    it('lists the password of a URL as written and decoded', () => {
      expect(secretsOfUrl('rtsp://admin:p%40ss%3Aw@cam/x')).to.deep.equal(['p%40ss%3Aw', 'p@ss:w']);
      expect(secretsOfUrl('rtsp://cam/x')).to.deep.equal([]);
    });
  });

  describe('resolveFfmpeg', () => {
    it('prefers FFMPEG_PATH', async () => {
      const r = await resolveFfmpeg({
        env: { FFMPEG_PATH: '/opt/ffmpeg/bin/ffmpeg' },
        loadStatic: async () => process.execPath,
      });
      expect(r).to.deep.equal({ path: '/opt/ffmpeg/bin/ffmpeg', source: 'env' });
    });

    it('uses ffmpeg-static when it installed an executable', async () => {
      const r = await resolveFfmpeg({ env: {}, loadStatic: async () => process.execPath });
      expect(r).to.deep.equal({ path: process.execPath, source: 'ffmpeg-static' });
    });

    it('falls back to PATH when ffmpeg-static is missing or has no binary', async () => {
      expect(
        await resolveFfmpeg({
          env: {},
          loadStatic: async () => {
            throw new Error('Cannot find package');
          },
        }),
      ).to.deep.equal({ path: 'ffmpeg', source: 'path' });
      expect(await resolveFfmpeg({ env: {}, loadStatic: async () => '/nonexistent/ffmpeg' })).to.deep.equal({
        path: 'ffmpeg',
        source: 'path',
      });
      expect(await resolveFfmpeg({ env: {}, loadStatic: async () => null })).to.deep.equal({
        path: 'ffmpeg',
        source: 'path',
      });
      // The real package is not installed on this machine: the dynamic import must not break.
      expect(await resolveFfmpeg({ env: {} })).to.deep.equal({ path: 'ffmpeg', source: 'path' });
    });
  });

  describe('buildHlsArgs', () => {
    it('remuxes RTSP over TCP into 1-second HLS segments, video only', () => {
      const args = buildHlsArgs({ kind: 'rtsp', url: 'rtsp://admin:pw@cam:554/sub' }, { dir: '/dev/shm/r1' });
      expect(args).to.deep.equal([
        '-hide_banner',
        '-nostdin',
        '-nostats',
        '-y',
        '-loglevel',
        'level+warning',
        '-rtsp_transport',
        'tcp',
        '-timeout',
        '5000000',
        '-analyzeduration',
        '200000',
        '-probesize',
        '500000',
        '-i',
        'rtsp://admin:pw@cam:554/sub',
        '-map',
        '0:v:0',
        '-c',
        'copy',
        '-an',
        '-f',
        'hls',
        '-hls_time',
        '1',
        '-hls_list_size',
        '6',
        '-hls_flags',
        'delete_segments+independent_segments+program_date_time+omit_endlist+temp_file',
        '-start_number',
        '0',
        '-hls_segment_filename',
        '/dev/shm/r1/seg_%06d.ts',
        '/dev/shm/r1/index.m3u8',
      ]);
    });

    it('reads a pushed RTMP stream with a read/write timeout and keeps its audio', () => {
      const args = buildHlsArgs(
        { kind: 'rtmp', url: 'rtmp://127.0.0.1:1935/live/k1', timeoutMs: 3000 },
        { dir: '/tmp/r2', listSize: 4, segmentSeconds: 2 },
      );
      expect(args).to.deep.equal([
        '-hide_banner',
        '-nostdin',
        '-nostats',
        '-y',
        '-loglevel',
        'level+warning',
        '-rw_timeout',
        '3000000',
        '-analyzeduration',
        '200000',
        '-probesize',
        '500000',
        '-i',
        'rtmp://127.0.0.1:1935/live/k1',
        '-map',
        '0:v:0',
        '-map',
        '0:a:0?',
        '-c',
        'copy',
        '-f',
        'hls',
        '-hls_time',
        '2',
        '-hls_list_size',
        '4',
        '-hls_flags',
        'delete_segments+independent_segments+program_date_time+omit_endlist+temp_file',
        '-start_number',
        '0',
        '-hls_segment_filename',
        '/tmp/r2/seg_%06d.ts',
        '/tmp/r2/index.m3u8',
      ]);
    });

    it('continues numbering and timestamps after a restart, with a discontinuity', () => {
      const args = buildHlsArgs(
        { kind: 'rtsp', url: 'rtsp://cam/x', audio: 'none' },
        { dir: '/d', startNumber: 42, continueAfterSeconds: 12.3456 },
      );
      expect(args.slice(args.indexOf('-output_ts_offset'), args.indexOf('-output_ts_offset') + 2)).to.deep.equal([
        '-output_ts_offset',
        '12.346',
      ]);
      expect(args[args.indexOf('-hls_flags') + 1]).to.equal(
        'delete_segments+independent_segments+program_date_time+omit_endlist+temp_file+discont_start',
      );
      expect(args[args.indexOf('-start_number') + 1]).to.equal('42');
      // Output options come after the input.
      expect(args.indexOf('-output_ts_offset')).to.be.greaterThan(args.indexOf('-i'));
    });

    it('tells the input variant from the URL scheme', () => {
      expect(inputKindOf('rtsp://cam/x')).to.equal('rtsp');
      expect(inputKindOf('RTMP://127.0.0.1/live/k')).to.equal('rtmp');
      expect(() => inputKindOf('http://cam/x.flv')).to.throw(/unsupported source scheme: http/);
      expect(() => inputKindOf('/etc/passwd')).to.throw(/unsupported/);
    });
  });

  describe('explainExit', () => {
    const facts = (lines: string[], extra: Partial<ExitFacts> = {}): ExitFacts => ({
      lines,
      code: 1,
      signal: null,
      ranMs: 200,
      timeoutMs: 5000,
      kind: 'rtsp',
      ...extra,
    });

    it('turns what ffmpeg 5.1 prints into a sentence', () => {
      expect(
        explainExit(
          facts([
            '[tcp @ 0x1] [error] Connection to tcp://127.0.0.1:1?timeout=5000000 failed: Connection refused',
            '[error] rtsp://a:***@127.0.0.1:1/sub: Connection refused',
          ]),
        ),
      ).to.equal('the camera did not answer: connection refused (offline, or wrong port)');
      expect(explainExit(facts(['[rtsp @ 0x1] [error] method DESCRIBE failed: 401 Unauthorized']))).to.equal(
        '401 Unauthorized: wrong camera user name or password',
      );
      expect(explainExit(facts(['[error] rtsp://a:***@h/nope: Server returned 404 Not Found']))).to.match(
        /^404 Not Found/,
      );
      expect(
        explainExit(facts(['[error] rtsp://h/sub: Invalid data found when processing input'], { ranMs: 5100 })),
      ).to.equal('the camera did not answer within 5 s');
      expect(
        explainExit(facts(['setpriv: failed to execute ffmpeg: No such file or directory'], { code: 127 })),
      ).to.match(/ffmpeg could not be started/);
    });

    it('ignores the warnings healthy streams print', () => {
      const noise = '[hls @ 0x1] [warning] Timestamps are unset in a packet for stream 0. This is deprecated';
      expect(lastErrorLine([noise])).to.equal(undefined);
      expect(explainExit(facts([noise], { code: 0, ranMs: 60_000, produced: true }))).to.equal(
        'the camera closed the connection',
      );
      expect(explainExit(facts([noise], { code: 0, ranMs: 60_000, produced: true, kind: 'rtmp' }))).to.equal(
        'the pushed stream closed the connection',
      );
      expect(
        explainExit(
          facts(['[error] rtmp://127.0.0.1:1/live/***: Input/output error'], {
            code: 1,
            ranMs: 9000,
            produced: true,
            kind: 'rtmp',
          }),
        ),
      ).to.equal('the pushed stream closed the connection');
    });
  });

  describe('HLS files', () => {
    it('serves only the playlist and segment names', () => {
      const dir = '/dev/shm/wangge-hls/cam-1-sub-abc';
      expect(resolveHlsFile(dir, 'index.m3u8')).to.deep.equal({
        path: `${dir}/index.m3u8`,
        kind: 'playlist',
        contentType: 'application/vnd.apple.mpegurl',
        cacheControl: 'no-cache',
      });
      expect(resolveHlsFile(dir, 'seg_000042.ts')).to.include({
        path: `${dir}/seg_000042.ts`,
        kind: 'segment',
        contentType: 'video/mp2t',
      });
      for (const bad of [
        '../index.m3u8',
        '..%2Findex.m3u8',
        '/etc/passwd',
        'seg_1.ts.tmp',
        'seg_.ts',
        'seg_1.ts/..',
        'index.m3u8.tmp',
        'x/seg_1.ts',
        '',
        '.',
        'seg_1.TS',
        'seg_1\0.ts',
      ]) {
        expect(resolveHlsFile(dir, bad), bad).to.equal(undefined);
      }
      expect(segmentNumber('seg_000123.ts')).to.equal(123);
      expect(segmentNumber('seg_x.ts')).to.equal(undefined);
    });

    it('parses a media playlist', () => {
      const p = parsePlaylist(
        '#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:7\n#EXT-X-DISCONTINUITY\n#EXTINF:1.0,\nseg_000007.ts\n#EXTINF:1.0,\nseg_000008.ts\n',
      );
      expect(p).to.deep.equal({
        mediaSequence: 7,
        targetDuration: 1,
        segments: ['seg_000007.ts', 'seg_000008.ts'],
        discontinuity: true,
        ended: false,
      });
      expect(parsePlaylist('')).to.equal(undefined);
      expect(parsePlaylist('<html>')).to.equal(undefined);
    });

    it('waits for a playable playlist, and gives up at the timeout', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'hls-wait-'));
      try {
        expect(await waitForPlaylist(dir, { timeoutMs: 150, intervalMs: 20 })).to.equal(undefined);
        // An empty playlist (ffmpeg wrote its header, no segment yet) is not playable.
        await writeFile(path.join(dir, 'index.m3u8'), '#EXTM3U\n#EXT-X-TARGETDURATION:1\n');
        setTimeout(() => void writeFile(path.join(dir, 'index.m3u8'), '#EXTM3U\n#EXTINF:1.0,\nseg_000000.ts\n'), 100);
        const started = Date.now();
        const p = await waitForPlaylist(dir, { timeoutMs: 2000, intervalMs: 20 });
        expect(p?.segments).to.deep.equal(['seg_000000.ts']);
        expect(Date.now() - started).to.be.within(80, 1000);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('passwords that cameras put into the URIs they report', () => {
    const foscam = 'http://10.0.0.8:88/cgi-bin/CGIProxy.fcgi?cmd=snapPicture2&usr=admin&pwd=p%40ss%26w';
    it('stores the URI with the password replaced by *** (only where the value is the password)', () => {
      expect(withoutPassword(foscam, 'p@ss&w')).to.equal(
        'http://10.0.0.8:88/cgi-bin/CGIProxy.fcgi?cmd=snapPicture2&usr=admin&pwd=***',
      );
      expect(withoutPassword('rtsp://cam/live?channel=1&subtype=0', '1')).to.equal(
        'rtsp://cam/live?channel=***&subtype=0',
      );
      expect(withoutPassword('rtsp://cam/live?channel=1', 'secret')).to.equal('rtsp://cam/live?channel=1');
      expect(withoutPassword('rtsp://cam/live', '')).to.equal('rtsp://cam/live');
      // Xiongmai (SUNBA.405): the login is in the path.
      const xm =
        'rtsp://192.168.15.40:554/user=admin_password=Xm-9931_channel=1_stream=0&protocol=unicast&onvif=ture.sdp?real_stream';
      expect(withoutPassword(xm, 'Xm-9931')).to.equal(
        'rtsp://192.168.15.40:554/user=admin_password=***_channel=1_stream=0&protocol=unicast&onvif=ture.sdp?real_stream',
      );
      expect(withPassword(withoutPassword(xm, 'Xm-9931'), 'Xm-9931')).to.equal(xm);
    });
    it('puts the password back, encoded, only to connect', () => {
      expect(withPassword(withoutPassword(foscam, 'p@ss&w'), 'p@ss&w')).to.equal(foscam);
      expect(withCredentials('rtsp://cam:554/main?pwd=***', 'admin', 'a:b')).to.equal(
        'rtsp://admin:a%3Ab@cam:554/main?pwd=a%3Ab',
      );
    });
  });
});
