// Chromium from Debian, kept off the network, and the checks every visited page must pass:
// axe-core with no WCAG 2.1 A/AA violations, and no horizontal scrolling at phone width.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

const here = path.dirname(fileURLToPath(import.meta.url));
export const artifacts = path.resolve(here, '..', 'artifacts');

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'],
  });
}

/** Contexts for the ways people use the service. */
export const modes = {
  desktop: { viewport: { width: 1280, height: 900 }, locale: 'ru-RU' },
  keyboard: { viewport: { width: 1280, height: 900 }, locale: 'ru-RU' },
  nojs: { viewport: { width: 1280, height: 900 }, javaScriptEnabled: false, locale: 'ru-RU' },
  mobile: { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, locale: 'ru-RU' },
};

let shot = 0;

/** Checks the page the browser is on: accessibility, overflow at phone width, a screenshot. */
export async function check(page, label) {
  const name = `${String(++shot).padStart(3, '0')}-${label}`.replace(/[^a-z0-9-]+/gi, '_');
  fs.mkdirSync(path.join(artifacts, 'screens'), { recursive: true });
  await page.screenshot({ path: path.join(artifacts, 'screens', `${name}.png`), fullPage: true });
  // With JavaScript off axe cannot run in the page; the same HTML is checked in the other modes.
  if (page.context()._options?.javaScriptEnabled === false || page.__noScript) return;
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  if (results.violations.length > 0) {
    const list = results.violations
      .map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(' ')).join('\n    ')}`)
      .join('\n');
    await saveFailure(page, name);
    throw new Error(`axe found ${results.violations.length} violation(s) on ${page.url()}:\n${list}`);
  }
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) {
    await saveFailure(page, name);
    throw new Error(`${page.url()} scrolls sideways by ${overflow}px at width ${page.viewportSize().width}`);
  }
}

export async function saveFailure(page, name) {
  const dir = path.join(artifacts, 'failures');
  fs.mkdirSync(dir, { recursive: true });
  try {
    fs.writeFileSync(path.join(dir, `${name}.html`), await page.content());
    await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
  } catch { /* the page may be gone */ }
}
