// Reads an uploaded zip (a zipped Shapefile, a KMZ, a MapInfo set) into memory with
// limits that hold even when the headers lie: every entry is inflated with a ceiling
// on its output, the sum is capped, and so is the ratio of what comes out to what came
// in. Only stored and deflated entries, no encryption: that is what GIS tools write.
import { crc32, inflateRawSync } from 'node:zlib';
import { AppError, BadRequest } from '../../platform/errors.js';

export interface ZipEntry {
  /** The name as the zip spells it, decoded (UTF-8 when flagged or valid, else GBK). */
  name: string;
  data: Buffer;
}

export interface ZipLimits {
  /** Most bytes all entries may inflate to. */
  maxUncompressedBytes: number;
  /** Most inflated bytes per compressed byte, over the whole archive (checked past 1 MB). */
  maxRatio: number;
  maxEntries: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export const isZip = (b: Buffer) => b.length >= 4 && b.readUInt32LE(0) === LOCAL;

const corrupt = (why: string) =>
  new BadRequest(
    `The zip file is damaged: ${why}`,
    { hint: 'zip the files again and send the new zip' },
    'corrupt_zip',
  );

function decodeName(raw: Buffer, utf8Flag: boolean): string {
  if (utf8Flag) return raw.toString('utf8');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    // Windows' built-in zip writes Chinese names in the system code page.
    return new TextDecoder('gbk').decode(raw);
  }
}

/** Info-ZIP's Unicode Path extra field (0x7075): the UTF-8 name beside a code-page one (GDAL, 7-Zip write it). */
function unicodePath(extra: Buffer): string | null {
  for (let at = 0; at + 4 <= extra.length;) {
    const id = extra.readUInt16LE(at);
    const size = extra.readUInt16LE(at + 2);
    if (id === 0x7075 && size > 5 && at + 4 + size <= extra.length)
      return extra.subarray(at + 9, at + 4 + size).toString('utf8');
    at += 4 + size;
  }
  return null;
}

export function readZip(zip: Buffer, limits: ZipLimits): ZipEntry[] {
  // The end-of-central-directory record sits in the last 22 + up to 65,535 bytes.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65_535); i--) {
    if (zip.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt('its table of contents is missing (cut short while uploading?)');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || at === 0xffffffff)
    throw new BadRequest(
      'ZIP64 archives are not accepted: a map file this large is over the limit anyway',
      undefined,
      'unsupported_zip',
    );
  if (count > limits.maxEntries)
    throw new BadRequest(
      `The zip holds ${count} files; at most ${limits.maxEntries} are read`,
      { files: count },
      'zip_too_many_files',
    );

  const entries: ZipEntry[] = [];
  let total = 0;
  for (let n = 0; n < count; n++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== CENTRAL)
      throw corrupt(`entry ${n + 1} of its table of contents is unreadable`);
    const flags = zip.readUInt16LE(at + 8);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressedSize = zip.readUInt32LE(at + 20);
    const declaredSize = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localAt = zip.readUInt32LE(at + 42);
    const name =
      unicodePath(zip.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength)) ??
      decodeName(zip.subarray(at + 46, at + 46 + nameLength), (flags & 0x800) !== 0);
    at += 46 + nameLength + extraLength + commentLength;

    if (flags & 0x1) {
      throw new AppError(422, 'encrypted_zip', `The zip is password-protected (${name}): send it without a password`, {
        file: name,
      });
    }
    if (name.endsWith('/')) continue;
    if (total + declaredSize > limits.maxUncompressedBytes) throw bomb(limits, name);
    if (localAt + 30 > zip.length || zip.readUInt32LE(localAt) !== LOCAL)
      throw corrupt(`${name} cannot be found in it`);
    const start = localAt + 30 + zip.readUInt16LE(localAt + 26) + zip.readUInt16LE(localAt + 28);
    if (start + compressedSize > zip.length) throw corrupt(`${name} is cut short`);
    const packed = zip.subarray(start, start + compressedSize);
    let data: Buffer;
    if (method === 0) data = Buffer.from(packed);
    else if (method === 8) {
      // The ceiling is the declared size: a header that understates it is a bomb or damage.
      try {
        data = inflateRawSync(packed, {
          maxOutputLength: Math.max(1, Math.min(declaredSize, limits.maxUncompressedBytes - total)),
        });
      } catch (err) {
        if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw bomb(limits, name);
        throw corrupt(`${name} does not inflate (${(err as Error).message})`);
      }
    } else {
      throw new BadRequest(
        `${name} is compressed with method ${method}; only stored and deflated files are read`,
        { file: name, method },
        'unsupported_zip',
      );
    }
    if (data.length !== declaredSize || crc32(data) !== crc) throw corrupt(`${name} fails its checksum`);
    total += data.length;
    if (total > 1_048_576 && total / Math.max(1, zip.length) > limits.maxRatio) throw bomb(limits, name);
    entries.push({ name, data });
  }
  return entries;
}

function bomb(limits: ZipLimits, name: string): AppError {
  return new AppError(
    413,
    'zip_bomb',
    `The zip unpacks to more than it should (at ${name}): at most ${Math.round(limits.maxUncompressedBytes / 1_048_576)} MB and ${limits.maxRatio}× its size are read`,
    { file: name, maxUncompressedBytes: limits.maxUncompressedBytes, maxRatio: limits.maxRatio },
  );
}
