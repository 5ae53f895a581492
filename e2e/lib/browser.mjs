// Chromium from Debian, kept off the network, and the checks every visited page must pass:
// axe-core with no WCAG 2.1 A/AA violations and no horizontal scrolling, at a desktop's and a
// phone's width, with the header in one row.
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
  mobile: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'ru-RU' },
};

/**
 * Every visited page is checked at these widths, whatever the mode: a desktop and a phone (axe,
 * sideways scrolling, the header in one row, a screenshot); 320 px, the narrowest that WCAG 1.4.10
 * (Reflow) asks for, only for sideways scrolling.
 */
export const widths = [1280, 390];
const narrowest = 320;

let shot = 0;

function noScript(page) {
  return page.context()._options?.javaScriptEnabled === false || page.__noScript;
}

/** How far the page scrolls sideways at the current width (0 when it does not). */
async function overflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/**
 * The header's parts (the brand, then the menu's links and buttons on a wide screen or the menu
 * button on a phone) all share one row: each starts above where every other ends.
 */
async function headerRows(page) {
  return page.evaluate(() => {
    const header = document.querySelector('.site-header');
    if (!header) return { ok: true };
    const shown = (e) => e.checkVisibility() && e.getBoundingClientRect().height > 0;
    // A phone's menu button: the row is the brand and the button (the open menu lies below).
    const button = header.querySelector('.menu > summary');
    const parts = [...header.querySelectorAll(button && shown(button) ? '.brand, .menu > summary' : '.brand, .site-nav li, .account > *')]
      .filter(shown);
    const boxes = parts.map((e) => e.getBoundingClientRect());
    const lowestTop = Math.max(...boxes.map((b) => b.top));
    const highestBottom = Math.min(...boxes.map((b) => b.bottom));
    return {
      ok: parts.length > 1 && lowestTop < highestBottom,
      height: Math.round(header.getBoundingClientRect().height),
      parts: parts.map((e, i) => `${e.textContent.trim().replace(/\s+/g, ' ')} @${Math.round(boxes[i].top)}`).join(', '),
    };
  });
}

async function axe(page, name) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  if (results.violations.length > 0) {
    const list = results.violations
      .map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(' ')).join('\n    ')}`)
      .join('\n');
    await saveFailure(page, name);
    throw new Error(`axe found ${results.violations.length} violation(s) on ${page.url()} at width ${page.viewportSize().width}:\n${list}`);
  }
}

/**
 * Checks the page the browser is on at each of `widths` (and the overflow at 320 px): no axe
 * violations, no sideways scrolling, the header in one row, a screenshot of each width. The page is
 * left at the width it had.
 */
export async function check(page, label) {
  const name = `${String(++shot).padStart(3, '0')}-${label}`.replace(/[^a-z0-9-]+/gi, '_');
  fs.mkdirSync(path.join(artifacts, 'screens'), { recursive: true });
  const own = page.viewportSize();
  try {
    for (const width of widths) {
      await page.setViewportSize({ width, height: own.height });
      const at = `${name}-${width}`;
      await page.screenshot({ path: path.join(artifacts, 'screens', `${at}.png`), fullPage: true });
      // With JavaScript off axe cannot run in the page; the same HTML is checked in the other modes.
      if (!noScript(page)) await axe(page, at);
      const by = await overflow(page);
      if (by > 0) {
        await saveFailure(page, at);
        throw new Error(`${page.url()} scrolls sideways by ${by}px at width ${width}`);
      }
      const header = await headerRows(page);
      if (!header.ok) {
        await saveFailure(page, at);
        throw new Error(`the header of ${page.url()} takes more than one row at width ${width} (${header.height}px high): ${header.parts}`);
      }
    }
    await page.setViewportSize({ width: narrowest, height: own.height });
    const by = await overflow(page);
    if (by > 0) {
      await saveFailure(page, `${name}-${narrowest}`);
      throw new Error(`${page.url()} scrolls sideways by ${by}px at width ${narrowest}`);
    }
  } finally {
    await page.setViewportSize(own);
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
