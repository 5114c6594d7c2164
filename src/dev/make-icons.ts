/**
 * Draws Retract's icons — an envelope under an "undo" arrow — and writes them as PNG files
 * into `assets/`: the Teams colour icon (192×192) and outline icon (32×32, white on
 * transparent), and the add-in's ribbon and store icons (16, 32, 64, 80, 128).
 *
 * Pure Node: shapes are distance functions, each pixel is 4×4 supersampled for smooth edges,
 * and the PNG is written by hand (RGBA, zlib). `tsx src/dev/make-icons.ts` rewrites them; the
 * output is deterministic, so the committed files only change when the drawing does. The PNG
 * reader below lets `npm run validate` check the icons the manifests name.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { ASSETS_DIR } from './manifest-values';

type Rgba = readonly [number, number, number, number];
/** Coverage of a point of the unit square: true where the shape is. */
type Shape = (x: number, y: number) => boolean;

// Fluent's brand blue (the default Fluent UI v9 theme's colorBrandBackground).
const BRAND: Rgba = [0x0f, 0x6c, 0xbd, 255];
const WHITE: Rgba = [255, 255, 255, 255];

const roundedRect = (x0: number, y0: number, x1: number, y1: number, r: number): Shape => (x, y) => {
  const dx = Math.max(x0 + r - x, 0, x - (x1 - r));
  const dy = Math.max(y0 + r - y, 0, y - (y1 - r));
  return x >= x0 && x <= x1 && y >= y0 && y <= y1 && dx * dx + dy * dy <= r * r;
};

/** A line segment drawn with round caps, `w` wide. */
const stroke = (ax: number, ay: number, bx: number, by: number, w: number): Shape => (x, y) => {
  const vx = bx - ax;
  const vy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * vx + (y - ay) * vy) / (vx * vx + vy * vy)));
  const px = ax + t * vx - x;
  const py = ay + t * vy - y;
  return px * px + py * py <= (w / 2) * (w / 2);
};

/** A ring segment of radius `r`, `w` wide, on the right-hand side of its centre (x ≥ cx). */
const rightArc = (cx: number, cy: number, r: number, w: number): Shape => (x, y) => {
  const d = Math.hypot(x - cx, y - cy);
  return x >= cx && Math.abs(d - r) <= w / 2;
};

const triangle = (ax: number, ay: number, bx: number, by: number, cx: number, cy: number): Shape => (x, y) => {
  const s1 = (bx - ax) * (y - ay) - (by - ay) * (x - ax);
  const s2 = (cx - bx) * (y - by) - (cy - by) * (x - bx);
  const s3 = (ax - cx) * (y - cy) - (ay - cy) * (x - cx);
  return (s1 >= 0 && s2 >= 0 && s3 >= 0) || (s1 <= 0 && s2 <= 0 && s3 <= 0);
};

const union = (...shapes: Shape[]): Shape => (x, y) => shapes.some((s) => s(x, y));
const minus = (a: Shape, b: Shape): Shape => (x, y) => a(x, y) && !b(x, y);

/**
 * The mark, in unit coordinates (y down): an undo arrow across the top — head pointing left,
 * shaft hooking down on the right — over a closed envelope. `line` is the stroke width, which
 * the small icons thicken so the mark survives at 16 pixels.
 */
function mark(line: number, envelopeOutlineOnly: boolean): { body: Shape; flap: Shape } {
  const arrow = union(
    triangle(0.1, 0.2, 0.3, 0.07, 0.3, 0.33),
    stroke(0.28, 0.2, 0.66, 0.2, line),
    rightArc(0.66, 0.3, 0.1, line),
    stroke(0.66, 0.4, 0.56, 0.4, line),
  );
  const envelope = roundedRect(0.12, 0.47, 0.88, 0.88, 0.05);
  const envelopeShape = envelopeOutlineOnly
    ? minus(envelope, roundedRect(0.12 + line, 0.47 + line, 0.88 - line, 0.88 - line, 0.02))
    : envelope;
  const flap = union(stroke(0.14, 0.5, 0.5, 0.71, line * 0.8), stroke(0.5, 0.71, 0.86, 0.5, line * 0.8));
  return { body: union(arrow, envelopeShape), flap };
}

export interface IconSpec {
  file: string;
  size: number;
  style: 'color' | 'outline';
}

export const ICONS: readonly IconSpec[] = [
  { file: 'color.png', size: 192, style: 'color' },
  { file: 'outline.png', size: 32, style: 'outline' },
  { file: 'icon-16.png', size: 16, style: 'color' },
  { file: 'icon-32.png', size: 32, style: 'color' },
  { file: 'icon-64.png', size: 64, style: 'color' },
  { file: 'icon-80.png', size: 80, style: 'color' },
  { file: 'icon-128.png', size: 128, style: 'color' },
];

/** RGBA pixels, row-major. */
export function drawIcon(size: number, style: 'color' | 'outline'): Buffer {
  const line = size <= 16 ? 0.11 : size <= 32 ? 0.085 : 0.07;
  const layers: { shape: Shape; color: Rgba }[] =
    style === 'color'
      ? (() => {
          const { body, flap } = mark(line, false);
          // Background tile; the mark is white on it, the envelope's flap is cut in brand blue.
          return [
            { shape: roundedRect(0, 0, 1, 1, 0.18), color: BRAND },
            { shape: body, color: WHITE },
            { shape: flap, color: BRAND },
          ];
        })()
      : (() => {
          // Teams outline icons are white on a transparent background.
          const { body, flap } = mark(line, true);
          return [{ shape: union(body, flap), color: WHITE }];
        })();
  const samples = 4;
  const n = samples * samples;
  const topAt = (x: number, y: number): number => {
    let top = -1;
    layers.forEach((layer, i) => {
      if (layer.shape(x, y)) top = i;
    });
    return top;
  };
  const out = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const i = (py * size + px) * 4;
      // Inside one flat area (corners and centre agree), one colour; on an edge, 4×4 samples.
      const probe = [
        topAt(px / size, py / size),
        topAt((px + 1) / size, py / size),
        topAt(px / size, (py + 1) / size),
        topAt((px + 1) / size, (py + 1) / size),
        topAt((px + 0.5) / size, (py + 0.5) / size),
      ];
      if (probe.every((p) => p === probe[0])) {
        const color = layers[probe[0] ?? -1]?.color;
        if (color) out.set(color, i);
        continue;
      }
      // Average the samples' colours over the covered ones; alpha is the covered share.
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const color = layers[topAt((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size)]?.color;
          if (color) {
            r += color[0];
            g += color[1];
            b += color[2];
            a += 1;
          }
        }
      }
      out[i] = a ? Math.round(r / a) : 0;
      out[i + 1] = a ? Math.round(g / a) : 0;
      out[i + 2] = a ? Math.round(b / a) : 0;
      out[i + 3] = Math.round((a / n) * 255);
    }
  }
  return out;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A PNG file (8-bit RGBA, no interlace) of `rgba` pixels. */
export function encodePng(width: number, height: number, rgba: Buffer): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: RGBA
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0;
  const rows = Buffer.alloc(height * (width * 4 + 1));
  for (let y = 0; y < height; y++) {
    rows[y * (width * 4 + 1)] = 0; // filter: none
    rgba.copy(rows, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// PNG reading (8-bit, non-interlaced: what icon tools write), so manifest validation can
// check an icon's pixel size and transparency with no native image library.
export interface PngInfo {
  width: number;
  height: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA */
  colorType: number;
  bitDepth: number;
  interlaced: boolean;
  /** True when the image carries an alpha channel or a tRNS chunk. */
  hasAlpha: boolean;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface Chunk {
  type: string;
  data: Buffer;
}

function chunks(file: Buffer): Chunk[] | undefined {
  if (file.length < 8 || !file.subarray(0, 8).equals(SIGNATURE)) return undefined;
  const out: Chunk[] = [];
  let at = 8;
  while (at + 8 <= file.length) {
    const length = file.readUInt32BE(at);
    const type = file.toString('ascii', at + 4, at + 8);
    if (at + 12 + length > file.length) return undefined;
    out.push({ type, data: file.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
    if (type === 'IEND') break;
  }
  return out;
}

/** The header of a PNG file, or undefined when `file` is not a PNG. */
export function readPngInfo(file: Buffer): PngInfo | undefined {
  const list = chunks(file);
  const ihdr = list?.[0];
  if (!list || !ihdr || ihdr.type !== 'IHDR' || ihdr.data.length !== 13) return undefined;
  const colorType = ihdr.data[9] ?? -1;
  return {
    width: ihdr.data.readUInt32BE(0),
    height: ihdr.data.readUInt32BE(4),
    bitDepth: ihdr.data[8] ?? 0,
    colorType,
    interlaced: ihdr.data[12] === 1,
    hasAlpha: colorType === 4 || colorType === 6 || list.some((c) => c.type === 'tRNS'),
  };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * RGBA pixels of an 8-bit, non-interlaced grey, RGB, grey+alpha or RGBA PNG; undefined for
 * other kinds (palette, 16-bit, interlaced), which callers report as "cannot be checked".
 */
export function decodePngRgba(file: Buffer): { width: number; height: number; rgba: Buffer } | undefined {
  const info = readPngInfo(file);
  const list = chunks(file);
  if (!info || !list || info.bitDepth !== 8 || info.interlaced) return undefined;
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[info.colorType];
  if (!channels) return undefined;
  let raw: Buffer;
  try {
    raw = zlib.inflateSync(Buffer.concat(list.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  } catch {
    return undefined;
  }
  const stride = info.width * channels;
  if (raw.length < info.height * (stride + 1)) return undefined;
  const pixels = Buffer.alloc(info.height * stride);
  for (let y = 0; y < info.height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const byte = raw[y * (stride + 1) + 1 + x] ?? 0;
      const left = x >= channels ? (pixels[y * stride + x - channels] ?? 0) : 0;
      const up = y > 0 ? (pixels[(y - 1) * stride + x] ?? 0) : 0;
      const upLeft = y > 0 && x >= channels ? (pixels[(y - 1) * stride + x - channels] ?? 0) : 0;
      const predictor =
        filter === 1 ? left : filter === 2 ? up : filter === 3 ? (left + up) >> 1 : filter === 4 ? paeth(left, up, upLeft) : 0;
      pixels[y * stride + x] = (byte + predictor) & 0xff;
    }
  }
  const rgba = Buffer.alloc(info.width * info.height * 4);
  for (let i = 0; i < info.width * info.height; i++) {
    const p = i * channels;
    const grey = channels <= 2;
    rgba[i * 4] = pixels[p] ?? 0;
    rgba[i * 4 + 1] = pixels[grey ? p : p + 1] ?? 0;
    rgba[i * 4 + 2] = pixels[grey ? p : p + 2] ?? 0;
    rgba[i * 4 + 3] = channels === 2 ? (pixels[p + 1] ?? 0) : channels === 4 ? (pixels[p + 3] ?? 0) : 255;
  }
  return { width: info.width, height: info.height, rgba };
}

export function writeIcons(dir: string = ASSETS_DIR): string[] {
  fs.mkdirSync(dir, { recursive: true });
  return ICONS.map((icon) => {
    const file = path.join(dir, icon.file);
    fs.writeFileSync(file, encodePng(icon.size, icon.size, drawIcon(icon.size, icon.style)));
    return file;
  });
}

if (require.main === module) {
  for (const file of writeIcons()) console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
