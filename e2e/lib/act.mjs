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
      await go({ name: text, exact: true }, `t === ${JSON.stringify(text)}`, `"${text}"`);
    },
    /** Follows the link whose text starts with this (a link may carry a count, as «Сообщения 2»). */
    async follow(text) {
      await go({ name: new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) }, `t.startsWith(${JSON.stringify(text)})`, `"${text}…"`);
    },
  };

  /**
   * With the mouse: the first shown button (or else link) of that name; one inside a closed menu
   * (a <details>, as the header's on a phone) is reached by opening the menu first, as a person
   * would. With the keyboard: tabbing to it (`matches`: a condition on its text `t`).
   */
  async function go(name, matches, what) {
    const nav = page.waitForNavigation({ waitUntil: 'load' });
    if (!keyboardOnly) {
      const candidates = [
        page.getByRole('button', { ...name, includeHidden: true }),
        page.getByRole('link', { ...name, includeHidden: true }),
      ];
      let target = null;
      for (const list of candidates) {
        for (const one of await list.all()) {
          if (await one.isVisible()) { target = one; break; }
        }
        if (target) break;
      }
      if (!target) {
        for (const list of candidates) {
          if (await list.count()) { target = list.first(); break; }
        }
        if (!target) throw new Error(`no button or link ${what} on ${page.url()}`);
        const menu = target.locator('xpath=ancestor::details[not(@open)][1]/summary');
        if (await menu.count()) await menu.click();
      }
      await target.click();
    } else {
      await tabTo(
        new Function(`const e = document.activeElement; if (!e || (e.tagName !== 'BUTTON' && e.tagName !== 'A')) return false; const t = e.textContent.trim().replace(/\\s+/g, ' '); return ${matches};`),
        what,
      );
      await page.keyboard.press('Enter');
    }
    await nav;
  }
}
