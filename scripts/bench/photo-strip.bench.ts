// What stripping a photo's metadata costs on the way in and out of Open311: phone-sized
// JPEGs (4000×3000 and 1920×1080, with EXIF GPS, XMP and a comment) stripped in code.
//   npx tsx scripts/bench/photo-strip.bench.ts
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { stripImageMetadata } from '../../platform/image-metadata.js';
import { jpegWithGps } from '../../test/helpers/exif.js';

function photo(size: string): Buffer {
  const plain = execFileSync(
    'ffmpeg',
    [
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      `testsrc2=s=${size}`,
      '-frames:v',
      '1',
      '-q:v',
      '3',
      '-f',
      'mjpeg',
      '-',
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const tagged = jpegWithGps();
  const soi = 2;
  // The small photo's metadata segments (everything before its first DQT) in front of the big picture.
  const dqt = tagged.indexOf(Buffer.from([0xff, 0xdb]));
  return Buffer.concat([plain.subarray(0, soi), tagged.subarray(soi, dqt), plain.subarray(soi)]);
}

console.log(
  `load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} (2 cores, shared)`,
);
console.log('| photo | bytes | strip, median | MB/s |');
console.log('| --- | ---: | ---: | ---: |');
for (const size of ['4000x3000', '1920x1080']) {
  const jpeg = photo(size);
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = process.hrtime.bigint();
    stripImageMetadata(jpeg, 'image/jpeg');
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(
    `| ${size} | ${jpeg.length.toLocaleString('en')} | ${median.toFixed(3)} ms | ${(jpeg.length / 1e6 / (median / 1000)).toFixed(0)} |`,
  );
}
