// Metadata stripped from photos in code: JPEG segments, PNG chunks, WebP chunks. Each
// stripped image is still one ffprobe reads, at its size.
import { execFileSync } from 'node:child_process';
import { crc32 } from 'node:zlib';
import { expect } from 'chai';
import { ImageFormatError, stripImageMetadata } from '../../platform/image-metadata.js';
import { imageSize, jpegWithGps, metadataIn } from '../helpers/exif.js';

const frame = (format: string, codec: string[]) =>
  execFileSync('ffmpeg', [
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc=s=32x24',
    '-frames:v',
    '1',
    ...codec,
    '-f',
    format,
    '-',
  ]);

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

function riffChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(type, 0, 'latin1');
  head.writeUInt32LE(data.length, 4);
  return Buffer.concat([head, data, data.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

const EXIF = Buffer.concat([
  Buffer.from('Exif\0\0', 'latin1'),
  Buffer.from([0x49, 0x49, 0x2a, 0x00, 0x08, 0, 0, 0, 1, 0, 0x25, 0x88, 0x04, 0x00]),
]);

describe('photo metadata stripping', () => {
  it('takes EXIF (GPS), XMP and comments out of a JPEG and keeps the picture', () => {
    const photo = jpegWithGps();
    const stripped = stripImageMetadata(photo, 'image/jpeg');
    expect(metadataIn(stripped)).to.deep.equal([]);
    expect(imageSize(stripped)).to.equal('32,24');
    expect(stripImageMetadata(stripped, 'image/jpeg').equals(stripped)).to.equal(true);
  });

  it('takes text, EXIF and time chunks out of a PNG and keeps the picture', () => {
    const png = frame('image2pipe', ['-c:v', 'png']);
    const ihdrEnd = 8 + 12 + png.readUInt32BE(8);
    const tagged = Buffer.concat([
      png.subarray(0, ihdrEnd),
      pngChunk('tEXt', Buffer.from('Comment\0call 13800001234', 'latin1')),
      pngChunk('eXIf', EXIF.subarray(6)),
      pngChunk('tIME', Buffer.from([7, 234, 12, 5, 4, 0, 0])),
      png.subarray(ihdrEnd),
    ]);
    expect(imageSize(tagged)).to.equal('32,24');
    const stripped = stripImageMetadata(tagged, 'image/png');
    expect(stripped.equals(png)).to.equal(true);
    expect(metadataIn(stripped)).to.deep.equal([]);
  });

  it('takes EXIF and XMP chunks out of a WebP, clears their flags, and keeps the picture', () => {
    const webp = frame('webp', ['-c:v', 'libwebp']);
    const image = webp.subarray(12); // the VP8 chunk
    const vp8x = Buffer.alloc(10);
    vp8x[0] = 0x08 | 0x04; // EXIF and XMP present
    vp8x.writeUIntLE(31, 4, 3);
    vp8x.writeUIntLE(23, 7, 3);
    const body = Buffer.concat([
      riffChunk('VP8X', vp8x),
      image,
      riffChunk('EXIF', EXIF),
      riffChunk('XMP ', Buffer.from('<x:xmpmeta><exif:GPSLatitude>29N</exif:GPSLatitude></x:xmpmeta>', 'latin1')),
    ]);
    const header = Buffer.concat([Buffer.from('RIFF', 'latin1'), Buffer.alloc(4), Buffer.from('WEBP', 'latin1')]);
    header.writeUInt32LE(body.length + 4, 4);
    const tagged = Buffer.concat([header, body]);
    expect(metadataIn(tagged)).to.include.members(['EXIF', 'XMP GPS']);
    const stripped = stripImageMetadata(tagged, 'image/webp');
    expect(metadataIn(stripped)).to.deep.equal([]);
    expect(stripped.readUInt32LE(4)).to.equal(stripped.length - 8);
    expect(stripped[20]! & 0x0c).to.equal(0);
    expect(imageSize(stripped)).to.equal('32,24');
  });

  it('refuses what is not the image it claims to be, or is cut short', () => {
    const photo = jpegWithGps();
    for (const [bytes, type] of [
      [Buffer.from('GIF89a'), 'image/jpeg'],
      [photo.subarray(0, 40), 'image/jpeg'],
      [Buffer.from('RIFF'), 'image/webp'],
      [photo, 'image/png'],
      [photo, 'image/gif'],
    ] as const) {
      expect(() => stripImageMetadata(bytes, type), type).to.throw(ImageFormatError);
    }
  });
});
