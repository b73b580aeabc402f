// Photos as a phone writes them: a real JPEG (ffmpeg) with an EXIF APP1 segment holding
// a GPS position, an XMP segment and a comment; and a reader that finds GPS tags again.
import { execFileSync } from 'node:child_process';

/** 29°58'12.3"N 120°00'45.6"E, as a phone's camera stores it. */
export const GPS = { lat: [29, 58, 12.3], lon: [120, 0, 45.6] };

/** A TIFF (little-endian) with IFD0 → GPS IFD: GPSLatitudeRef, GPSLatitude, GPSLongitudeRef, GPSLongitude. */
function gpsTiff(): Buffer {
  const tiff = Buffer.alloc(200);
  tiff.write('II', 0, 'latin1');
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(8, 4);
  // IFD0 at 8: one entry, GPSInfo (0x8825) → 26.
  tiff.writeUInt16LE(1, 8);
  tiff.writeUInt16LE(0x8825, 10);
  tiff.writeUInt16LE(4, 12);
  tiff.writeUInt32LE(1, 14);
  tiff.writeUInt32LE(26, 18);
  tiff.writeUInt32LE(0, 22);
  // GPS IFD at 26: four entries (2 + 4 × 12 + 4 = 54 bytes), rationals from 80.
  tiff.writeUInt16LE(4, 26);
  const entry = (i: number, tag: number, type: number, count: number, value: number) => {
    const at = 28 + i * 12;
    tiff.writeUInt16LE(tag, at);
    tiff.writeUInt16LE(type, at + 2);
    tiff.writeUInt32LE(count, at + 4);
    tiff.writeUInt32LE(value, at + 8);
  };
  entry(0, 0x0001, 2, 2, 'N'.charCodeAt(0));
  entry(1, 0x0002, 5, 3, 80);
  entry(2, 0x0003, 2, 2, 'E'.charCodeAt(0));
  entry(3, 0x0004, 5, 3, 104);
  tiff.writeUInt32LE(0, 76);
  const rationals = (at: number, [d, m, s]: number[]) => {
    [
      [d!, 1],
      [m!, 1],
      [Math.round(s! * 10), 10],
    ].forEach(([n, q], i) => {
      tiff.writeUInt32LE(n!, at + i * 8);
      tiff.writeUInt32LE(q!, at + i * 8 + 4);
    });
  };
  rationals(80, GPS.lat);
  rationals(104, GPS.lon);
  return tiff.subarray(0, 128);
}

function segment(marker: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head[0] = 0xff;
  head[1] = marker;
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

/** A 32×24 JPEG with EXIF (GPS), XMP and a comment after its SOI. */
export function jpegWithGps(): Buffer {
  const plain = execFileSync('ffmpeg', [
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc=s=32x24',
    '-frames:v',
    '1',
    '-f',
    'mjpeg',
    '-',
  ]);
  const exif = segment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), gpsTiff()]));
  const xmp = segment(
    0xe1,
    Buffer.from(
      'http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><exif:GPSLatitude>29,58.205N</exif:GPSLatitude></x:xmpmeta>',
      'latin1',
    ),
  );
  const comment = segment(0xfe, Buffer.from('shot on 13800001234', 'latin1'));
  return Buffer.concat([plain.subarray(0, 2), exif, xmp, comment, plain.subarray(2)]);
}

/** Whether an image still carries EXIF, XMP, a GPS tag or the comment (searched in its bytes). */
export function metadataIn(image: Buffer): string[] {
  const found: string[] = [];
  if (image.includes(Buffer.from('Exif\0\0', 'latin1'))) found.push('EXIF');
  if (image.includes(Buffer.from('GPSLatitude', 'latin1'))) found.push('XMP GPS');
  if (image.includes(Buffer.from([0x25, 0x88, 0x04, 0x00]))) found.push('GPSInfo tag');
  if (image.includes(Buffer.from('13800001234', 'latin1'))) found.push('comment');
  return found;
}

/** ffprobe's width × height of an image, so a stripped photo is shown to still be one. */
export function imageSize(image: Buffer): string {
  return execFileSync(
    'ffprobe',
    ['-loglevel', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', '-i', 'pipe:0'],
    { input: image },
  )
    .toString()
    .trim();
}
