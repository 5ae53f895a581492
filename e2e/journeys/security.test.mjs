// Security journeys in real Chromium. Passkeys with its virtual authenticator (CDP WebAuthn
// domain): the demo citizen adds a passkey, signs out and signs in with it alone — with the
// mouse and with the keyboard only. The service runs on http://localhost, since WebAuthn needs a
// domain name. The inactivity warning, with the page's clock run forward. The account deletion
// page is checked here too (without deleting the shared demo account).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startService } from '../lib/service.mjs';
import { launch, modes, check, saveFailure } from '../lib/browser.mjs';
import { actor } from '../lib/act.mjs';

let service;
let browser;

before(async () => {
  service = await startService({ host: 'localhost' });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await service?.stop();
});

async function withAuthenticator(mode, name, body) {
  const context = await browser.newContext(modes[mode]);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2', transport: 'internal', hasResidentKey: true,
      hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true,
    },
  });
  try {
    await body(page, actor(page, mode === 'keyboard'), async () =>
      (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials);
  } catch (err) {
    await saveFailure(page, `${mode}-${name}-failed`);
    throw err;
  } finally {
    await context.close();
  }
}

for (const mode of ['desktop', 'keyboard']) {
  describe(`${mode}`, () => {
    test('a passkey is added and signs in without a password', () =>
      withAuthenticator(mode, 'passkey', async (page, act, credentials) => {
        await page.goto(`${service.base}/login`);
        await act.fill('login', 'citizen@demo.kabinet.test');
        await act.fill('password', 'Demo-Citizen-2026');
        await act.press('Войти');
        await page.goto(`${service.base}/security/passkeys`);
        await check(page, `${mode}-passkeys`);
        await act.fill('passkey-name', `Ноутбук ${mode}`);
        await act.press('Создать ключ доступа');
        assert.match(page.url(), /\/security\/passkeys\?added=1$/);
        assert.ok((await page.textContent('main')).includes('Ключ доступа добавлен'));
        assert.equal(await page.inputValue(`input[value="Ноутбук ${mode}"]`), `Ноутбук ${mode}`);
        await check(page, `${mode}-passkeys-added`);
        const stored = await credentials();
        assert.equal(stored.length, 1, 'the device holds the new passkey');
        assert.ok(stored[0].isResidentCredential, 'a discoverable passkey');

        await act.press('Выйти');
        await page.goto(`${service.base}/login`);
        await check(page, `${mode}-login-with-passkey`);
        await act.press('Войти с ключом доступа');
        assert.equal(new URL(page.url()).pathname, '/', 'a passkey sign-in lands on the cabinet home');
        await page.goto(`${service.base}/profile/logins`);
        assert.ok((await page.textContent('main')).includes('ключ доступа'), 'the history names the passkey');

        await page.goto(`${service.base}/profile/delete`);
        await check(page, `${mode}-delete-account`);
        await act.press('Отозвать согласие и удалить учётную запись');
        assert.ok(await page.locator('.error-summary').isVisible(), 'the box must be ticked');
        await check(page, `${mode}-delete-account-error`);
      }));
  });
}

test('without JavaScript the passkey buttons stay hidden and the forms still work', async () => {
  const context = await browser.newContext(modes.nojs);
  const page = await context.newPage();
  try {
    await page.goto(`${service.base}/login`);
    assert.equal(await page.getByRole('button', { name: 'Войти с ключом доступа' }).count(), 0);
    await page.fill('[name="login"]', 'citizen@demo.kabinet.test');
    await page.fill('[name="password"]', 'Demo-Citizen-2026');
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
    await page.goto(`${service.base}/security/passkeys`);
    assert.ok((await page.textContent('main')).includes('включите JavaScript'));
  } finally {
    await context.close();
  }
});

test('a minute before the inactivity limit the page offers to stay, then signs out', async () => {
  const context = await browser.newContext(modes.desktop);
  const page = await context.newPage();
  try {
    await page.clock.install();
    await page.goto(`${service.base}/login`);
    await page.fill('[name="login"]', 'citizen@demo.kabinet.test');
    await page.fill('[name="password"]', 'Demo-Citizen-2026');
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
    await page.goto(`${service.base}/documents`);
    const limit = Number(await page.getAttribute('body', 'data-idle-seconds'));
    assert.ok(limit >= 300, `an inactivity limit is on the page (${limit} s)`);

    await page.clock.fastForward((limit - 59) * 1000);
    const dialog = page.getByRole('alertdialog');
    await dialog.waitFor();
    assert.ok((await dialog.textContent()).includes('Через минуту мы выйдем'));
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Остаться в кабинете',
      'the choice to stay has the focus');
    await check(page, 'idle-warning');
    const kept = page.waitForResponse((r) => r.url().endsWith('/session/keep-alive'));
    await page.keyboard.press('Enter');
    assert.equal((await kept).status(), 204, 'the server counts the session as active again');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(page.url(), `${service.base}/documents`, 'still in the cabinet');

    await page.clock.fastForward((limit + 1) * 1000);
    await page.waitForURL(/\/login\?idle=1$/);
    assert.ok((await page.textContent('main')).includes('Вы долго не пользовались кабинетом'));
  } catch (err) {
    await saveFailure(page, 'idle-warning-failed');
    throw err;
  } finally {
    await context.close();
  }
});

test('the notification settings save as a box is ticked, without pressing the button', async () => {
  const context = await browser.newContext(modes.desktop);
  const page = await context.newPage();
  try {
    await page.goto(`${service.base}/login`);
    await page.fill('[name="login"]', 'citizen@demo.kabinet.test');
    await page.fill('[name="password"]', 'Demo-Citizen-2026');
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
    await page.goto(`${service.base}/notifications/settings`);
    const box = page.locator('[name="personal_data.push"]');
    const was = await box.isChecked();
    const saved = page.waitForResponse((r) => r.url().endsWith('/notifications/settings') && r.request().method() === 'POST');
    await box.click();
    await saved;
    await page.locator('#settings-status', { hasText: 'Сохранено.' }).waitFor();
    await check(page, 'settings-autosaved');
    await page.reload();
    assert.equal(await page.locator('[name="personal_data.push"]').isChecked(), !was, 'kept after a reload');
    // Turning security off everywhere is refused and the box flips back.
    for (const ch of ['inbox', 'email', 'sms']) {
      const b = page.locator(`[name="security.${ch}"]`);
      if (await b.isChecked()) {
        const answer = page.waitForResponse((r) => r.url().endsWith('/notifications/settings') && r.request().method() === 'POST');
        await b.click();
        await answer;
      }
    }
    await page.locator('#settings-status', { hasText: 'безопасности' }).waitFor();
    const stillOn = await Promise.all(['inbox', 'email', 'sms'].map((ch) => page.locator(`[name="security.${ch}"]`).isChecked()));
    assert.ok(stillOn.some(Boolean), 'security notices stay on somewhere');
  } catch (err) {
    await saveFailure(page, 'settings-autosave-failed');
    throw err;
  } finally {
    await context.close();
  }
});
