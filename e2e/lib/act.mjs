// Acting on forms either with the mouse or with the keyboard alone (Tab, Shift+Tab, Enter,
// Space): the keyboard journeys find each field by tabbing to it, as a keyboard user would.

export function actor(page, keyboardOnly) {
  async function tabTo(matches, what) {
    for (let i = 0; i < 120; i++) {
      await page.keyboard.press('Tab');
      const hit = await page.evaluate(matches);
      if (hit) return;
    }
    throw new Error(`could not reach ${what} with the Tab key on ${page.url()}`);
  }

  return {
    async fill(name, value) {
      if (!keyboardOnly) {
        await page.fill(`[name="${name}"]`, value);
        return;
      }
      await tabTo(new Function(`return document.activeElement && document.activeElement.name === ${JSON.stringify(name)}`), `field ${name}`);
      await page.keyboard.press('Control+A');
      await page.keyboard.type(value);
    },
    async check(name) {
      if (!keyboardOnly) {
        await page.check(`[name="${name}"]`);
        return;
      }
      await tabTo(new Function(`return document.activeElement && document.activeElement.name === ${JSON.stringify(name)}`), `checkbox ${name}`);
      await page.keyboard.press('Space');
    },
    /** Follows the link (or presses the button) with this text and returns the download. */
    async download(text) {
      const download = page.waitForEvent('download');
      if (!keyboardOnly) {
        await page.getByRole('link', { name: text, exact: true }).first().click();
      } else {
        await tabTo(
          new Function(`const e = document.activeElement; return !!e && e.tagName === 'A' && e.textContent.trim() === ${JSON.stringify(text)}`),
          `"${text}"`,
        );
        await page.keyboard.press('Enter');
      }
      return download;
    },
    /** Presses the button (or follows the link) with this text and waits for the next page. */
    async press(text) {
      const nav = page.waitForNavigation({ waitUntil: 'load' });
      if (!keyboardOnly) {
        const button = page.getByRole('button', { name: text, exact: true });
        const target = (await button.count()) > 0 ? button.first() : page.getByRole('link', { name: text, exact: true }).first();
        await target.click();
      } else {
        await tabTo(
          new Function(`const e = document.activeElement; return !!e && (e.tagName === 'BUTTON' || e.tagName === 'A') && e.textContent.trim() === ${JSON.stringify(text)}`),
          `"${text}"`,
        );
        await page.keyboard.press('Enter');
      }
      await nav;
    },
  };
}
