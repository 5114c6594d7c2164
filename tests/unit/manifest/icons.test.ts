// The icons in assets/ are what src/dev/make-icons.ts draws, at the sizes the manifests need.
import fs from 'node:fs';
import path from 'node:path';
import { ICONS, decodePngRgba, drawIcon, encodePng, readPngInfo } from '../../../src/dev/make-icons';
import { ASSETS_DIR } from '../../../src/dev/manifest-values';

describe('assets/ icons', () => {
  it.each(ICONS.map((icon) => [icon.file, icon] as const))('%s is the committed output of make-icons', (file, icon) => {
    const committed = fs.readFileSync(path.join(ASSETS_DIR, file));
    expect(committed.equals(encodePng(icon.size, icon.size, drawIcon(icon.size, icon.style)))).toBe(true);
    expect(readPngInfo(committed)).toMatchObject({ width: icon.size, height: icon.size, colorType: 6, hasAlpha: true });
  });

  it('round-trips through the PNG reader pixel for pixel', () => {
    const pixels = drawIcon(64, 'color');
    expect(decodePngRgba(encodePng(64, 64, pixels))).toEqual({ width: 64, height: 64, rgba: pixels });
  });

  it('draws the colour icon on an opaque tile and the outline icon white on transparent', () => {
    const color = drawIcon(192, 'color');
    const alphaAt = (rgba: Buffer, size: number, x: number, y: number): number => rgba[(y * size + x) * 4 + 3] ?? -1;
    expect(alphaAt(color, 192, 96, 96)).toBe(255);
    const outline = drawIcon(32, 'outline');
    expect(alphaAt(outline, 32, 0, 0)).toBe(0);
    for (let i = 0; i < 32 * 32; i++) {
      if ((outline[i * 4 + 3] ?? 0) > 0) expect([outline[i * 4], outline[i * 4 + 1], outline[i * 4 + 2]]).toEqual([255, 255, 255]);
    }
  });
});
