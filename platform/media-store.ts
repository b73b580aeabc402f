// Uploaded photos and camera snapshots, stored once each under their content hash.
import { createHash } from 'node:crypto';
import { mkdir, writeFile, readFile, access, stat } from 'node:fs/promises';
import path from 'node:path';

export class MediaStore {
  constructor(private readonly dir: string) {}

  async save(body: Buffer, extension: string): Promise<string> {
    const name = `${createHash('sha256').update(body).digest('hex')}.${extension}`;
    await mkdir(this.dir, { recursive: true });
    const file = path.join(this.dir, name);
    // Same content, same name: a second save is a no-op.
    await access(file).catch(() => writeFile(file, body));
    return name;
  }

  async read(name: string): Promise<Buffer> {
    return readFile(this.pathOf(name));
  }

  async size(name: string): Promise<number> {
    return (await stat(this.pathOf(name))).size;
  }

  private pathOf(name: string): string {
    if (!/^[0-9a-f]{64}\.(jpg|png|webp|mp4)$/.test(name)) throw new Error(`not a media file name: ${name}`);
    return path.join(this.dir, name);
  }
}
