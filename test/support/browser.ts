import { type Browser, chromium } from 'playwright-core';

/** Debian's chromium (installed by .ci/run when missing); Playwright's own download is not reachable here. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for a headless Chromium that talks to nothing but the pages a test opens. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Headless Chromium (a fresh temporary profile per launch). */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** `#rrggbb` as [r, g, b]. */
export function rgb(hex: string): [number, number, number] {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!match) throw new Error(`Expected a colour as #rrggbb (got ${hex})`);
  return [parseInt(match[1]!, 16), parseInt(match[2]!, 16), parseInt(match[3]!, 16)];
}

/**
 * How many pixels of a PNG (a screenshot) are each of `colours`, within `tolerance` per channel.
 * Decoded by Chromium itself (an image drawn on a canvas in a blank page), so no PNG library.
 */
export async function countColourPixels(browser: Browser, png: Buffer, colours: readonly string[], tolerance = 24): Promise<Record<string, number>> {
  const page = await browser.newPage();
  try {
    const targets = colours.map(rgb);
    // Text run in the page: the project's TypeScript has no DOM types.
    const counts = await page.evaluate<number[]>(`(async ({ base64, targets, tolerance }) => {
      const image = new Image();
      image.src = 'data:image/png;base64,' + base64;
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      const context = canvas.getContext('2d');
      context.drawImage(image, 0, 0);
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      const found = targets.map(() => 0);
      for (let i = 0; i < data.length; i += 4) {
        targets.forEach(([r, g, b], k) => {
          if (Math.abs(data[i] - r) <= tolerance && Math.abs(data[i + 1] - g) <= tolerance && Math.abs(data[i + 2] - b) <= tolerance) found[k]++;
        });
      }
      return found;
    })(${JSON.stringify({ base64: png.toString('base64'), targets, tolerance })})`);
    return Object.fromEntries(colours.map((colour, i) => [colour, counts[i]!]));
  } finally {
    await page.close();
  }
}
