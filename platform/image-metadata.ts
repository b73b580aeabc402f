// Photos shown to the public leave without their metadata: EXIF (the phone's GPS
// position, its serial number, the time), XMP, IPTC, comments. Done on the bytes, per
// format, with no image decoding: JPEG APPn/COM segments, PNG text/eXIf/tIME chunks,
// WebP EXIF/XMP chunks. What the picture needs to be drawn (JFIF, the ICC profile,
// Adobe's colour transform) stays.

export class ImageFormatError extends Error {}

export function stripImageMetadata(image: Buffer, contentType: string): Buffer {
  switch (contentType.split(';')[0]!.trim().toLowerCase()) {
    case 'image/jpeg':
      return stripJpeg(image);
    case 'image/png':
      return stripPng(image);
    case 'image/webp':
      return stripWebp(image);
    default:
      throw new ImageFormatError(`No metadata stripping for ${contentType}`);
  }
}

const SOS = 0xda;
const EOI = 0xd9;
const APP0 = 0xe0;
const APP2 = 0xe2;
const APP14 = 0xee;
const COM = 0xfe;

function keepJpegSegment(marker: number, payload: Buffer): boolean {
  if (marker === COM) return false;
  if (marker < APP0 || marker > 0xef) return true;
  if (marker === APP0 || marker === APP14) return true;
  // APP2 carries the ICC colour profile (keep) or FlashPix data (drop).
  return marker === APP2 && payload.subarray(0, 12).toString('latin1') === 'ICC_PROFILE\0';
}

export function stripJpeg(image: Buffer): Buffer {
  if (image.length < 4 || image[0] !== 0xff || image[1] !== 0xd8)
    throw new ImageFormatError('not a JPEG (no SOI marker)');
  const parts: Buffer[] = [image.subarray(0, 2)];
  let at = 2;
  while (at < image.length) {
    if (image[at] !== 0xff) throw new ImageFormatError(`JPEG segment expected at byte ${at}`);
    let marker = image[at + 1];
    let start = at;
    // Fill bytes: any number of 0xFF before a marker.
    while (marker === 0xff) marker = image[++start + 1];
    if (marker === undefined) throw new ImageFormatError('JPEG ends inside a marker');
    if (marker === EOI || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      parts.push(image.subarray(at, start + 2));
      at = start + 2;
      if (marker === EOI) break;
      continue;
    }
    if (start + 4 > image.length) throw new ImageFormatError('JPEG ends inside a segment header');
    const length = image.readUInt16BE(start + 2);
    const end = start + 2 + length;
    if (length < 2 || end > image.length)
      throw new ImageFormatError(`JPEG segment 0xFF${marker.toString(16)} runs past the end`);
    if (marker === SOS) {
      // The compressed picture follows to the end: kept as it is.
      parts.push(image.subarray(at));
      break;
    }
    if (keepJpegSegment(marker, image.subarray(start + 4, end))) parts.push(image.subarray(at, end));
    at = end;
  }
  return Buffer.concat(parts);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PNG_DROP = new Set(['tEXt', 'zTXt', 'iTXt', 'eXIf', 'tIME']);

export function stripPng(image: Buffer): Buffer {
  if (!image.subarray(0, 8).equals(PNG_SIGNATURE)) throw new ImageFormatError('not a PNG (no signature)');
  const parts: Buffer[] = [PNG_SIGNATURE];
  let at = 8;
  while (at < image.length) {
    if (at + 12 > image.length) throw new ImageFormatError('PNG ends inside a chunk header');
    const length = image.readUInt32BE(at);
    const type = image.toString('latin1', at + 4, at + 8);
    const end = at + 12 + length;
    if (end > image.length) throw new ImageFormatError(`PNG chunk ${type} runs past the end`);
    if (!PNG_DROP.has(type)) parts.push(image.subarray(at, end));
    at = end;
    if (type === 'IEND') break;
  }
  return Buffer.concat(parts);
}

export function stripWebp(image: Buffer): Buffer {
  if (image.length < 12 || image.toString('latin1', 0, 4) !== 'RIFF' || image.toString('latin1', 8, 12) !== 'WEBP') {
    throw new ImageFormatError('not a WebP (no RIFF WEBP header)');
  }
  const chunks: Buffer[] = [];
  let at = 12;
  while (at + 8 <= image.length) {
    const type = image.toString('latin1', at, at + 4);
    const size = image.readUInt32LE(at + 4);
    const end = at + 8 + size + (size % 2);
    if (at + 8 + size > image.length) throw new ImageFormatError(`WebP chunk ${type} runs past the end`);
    if (type !== 'EXIF' && type !== 'XMP ') {
      const chunk = Buffer.from(image.subarray(at, Math.min(end, image.length)));
      // VP8X announces EXIF (0x08) and XMP (0x04) in its flags: they are gone now.
      if (type === 'VP8X' && chunk.length > 8) chunk[8] = chunk[8]! & ~0x0c;
      chunks.push(chunk);
    }
    at = end;
  }
  const body = Buffer.concat(chunks);
  const header = Buffer.alloc(12);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(body.length + 4, 4);
  header.write('WEBP', 8, 'latin1');
  return Buffer.concat([header, body]);
}
