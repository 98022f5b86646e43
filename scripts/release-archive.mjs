// The release archives krew downloads: .tar.gz (ustar) and, for Windows, .zip.
// Written here rather than by tar/zip so that the same inputs give the same
// bytes, and so the same sha256, on any machine: entries in the order given,
// owner 0, and one fixed timestamp.
import { createWriteStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { constants, crc32, createGzip, deflateRaw, inflateRawSync } from 'node:zlib';

/** @typedef {{ name: string, path?: string, data?: Buffer | string, mode: number }} Entry */

function contents(entry) {
  if (entry.data !== undefined) return Buffer.from(entry.data);
  return readFileSync(entry.path);
}

/** ustar header for a regular file. */
function tarHeader(name, size, mode, mtime) {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name longer than 100 bytes: ${name}`);
  const h = Buffer.alloc(512);
  const octal = (value, offset, width) => h.write(value.toString(8).padStart(width - 1, '0') + '\0', offset, 'latin1');
  h.write(name, 0, 'utf8');
  octal(mode, 100, 8);
  octal(0, 108, 8); // uid
  octal(0, 116, 8); // gid
  octal(size, 124, 12);
  octal(mtime, 136, 12);
  h.fill(' ', 148, 156); // checksum field counts as spaces while summing
  h.write('0', 156, 'latin1'); // regular file
  h.write('ustar\0' + '00', 257, 'latin1');
  h.write('root', 265, 'latin1');
  h.write('root', 297, 'latin1');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}

/** Entries → a gzipped ustar archive at `out`. */
export async function writeTarGz(out, entries, mtime) {
  async function* tar() {
    for (const entry of entries) {
      const data = contents(entry);
      yield tarHeader(entry.name, data.length, entry.mode, mtime);
      yield data;
      if (data.length % 512) yield Buffer.alloc(512 - (data.length % 512));
    }
    yield Buffer.alloc(1024); // two zero blocks end the archive
  }
  await pipeline(Readable.from(tar()), createGzip({ level: constants.Z_BEST_COMPRESSION }), createWriteStream(out));
}

/** MS-DOS date and time fields of a Unix time (zip stores local time; UTC here). */
function dosTime(mtime) {
  const d = new Date(Math.max(mtime, 315532800) * 1000); // zip cannot say anything before 1980
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

/** Entries → a zip archive (deflate) at `out`, with Unix modes in the external attributes. */
export async function writeZip(out, entries, mtime) {
  const { time, date } = dosTime(mtime);
  const parts = [];
  const central = [];
  let offset = 0;
  for (const entry of entries) {
    const data = contents(entry);
    const packed = await promisify(deflateRaw)(data, { level: constants.Z_BEST_COMPRESSION });
    const name = Buffer.from(entry.name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0x0800, 6); // names are UTF-8
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(0x0800, 8);
    header.writeUInt16LE(8, 10);
    header.writeUInt16LE(time, 12);
    header.writeUInt16LE(date, 14);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(packed.length, 20);
    header.writeUInt32LE(data.length, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt32LE(((0o100000 | entry.mode) << 16) >>> 0, 38); // regular file + mode
    header.writeUInt32LE(offset, 42);
    central.push(header, name);
    parts.push(local, name, packed);
    offset += local.length + name.length + packed.length;
  }
  const centralSize = central.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  await pipeline(Readable.from([...parts, ...central, end]), createWriteStream(out));
}

/**
 * A zip's entries, read from its central directory: name, Unix mode, and the
 * inflated contents, checked against the stored CRC-32 and size.
 */
export function readZip(file) {
  const buf = readFileSync(file);
  const end = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error(`${file}: no end of central directory`);
  const count = buf.readUInt16LE(end + 10);
  let p = buf.readUInt32LE(end + 16);
  const entries = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${file}: bad central directory entry ${i}`);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const packedSize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const mode = (buf.readUInt32LE(p + 38) >>> 16) & 0o7777;
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const packed = buf.subarray(dataStart, dataStart + packedSize);
    const data = method === 8 ? inflateRawSync(packed) : method === 0 ? packed : null;
    if (!data) throw new Error(`${file}: ${name} uses compression method ${method}`);
    if (data.length !== size || crc32(data) !== crc) throw new Error(`${file}: ${name} fails its size or CRC-32 check`);
    entries.push({ name, mode, data });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}
