// The citizen's and the operator's journeys, each done with the mouse, with the keyboard only,
// with JavaScript off, and on a phone; every page visited is checked by axe-core and for sideways
// scrolling at a desktop's and a phone's width (lib/browser.mjs).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startService } from '../lib/service.mjs';
import { launch, modes, check, saveFailure } from '../lib/browser.mjs';
import { actor } from '../lib/act.mjs';
import { png } from '../lib/files.mjs';
import { CHROMIUM_ACCEPT_ENCODING, fetchAs, sameBytes, zipEntries, zipEntry } from '../lib/downloads.mjs';
import { createHmac } from 'node:crypto';

const PASSWORD = 'Zorkiy-Ezh-2026!';
let service;
let browser;
let operator;

before(async () => {
  service = await startService();
  browser = await launch();
  const context = await browser.newContext(modes.desktop);
  operator = await context.newPage();
  await operator.goto(`${service.base}/login`);
  await operator.fill('[name="login"]', 'operator@demo.kabinet.test');
  await operator.fill('[name="password"]', 'Demo-Operator-2026');
  await Promise.all([operator.waitForNavigation(), operator.click('button[type="submit"]')]);
});

after(async () => {
  await browser?.close();
  await service?.stop();
});

/** The newest SMS to a phone, read from the sandbox outbox by the demo operator. */
async function smsCode(phone, notBefore = '') {
  for (let i = 0; i < 100; i++) {
    await operator.goto(`${service.base}/operator/outbox?to=${encodeURIComponent(phone)}`);
    const bodies = await operator.locator('.message-body').allTextContents();
    const code = bodies.length ? /\d{6}/.exec(bodies[0]) : null;
    if (code && code[0] !== notBefore) return code[0];
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no SMS to ${phone}`);
}

async function emailLink(address) {
  for (let i = 0; i < 100; i++) {
    const letters = service.smtp.to(address);
    for (const letter of letters) {
      const m = /https?:\/\/[^\s"<]*\/confirm-email\?token=[A-Za-z0-9_-]+/.exec(letter);
      if (m) return new URL(m[0]).pathname + new URL(m[0]).search;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no letter to ${address}`);
}

/** The code an authenticator app shows (RFC 6238), `stepsAhead` half-minutes from now. */
function totp(secretBase32, stepsAhead = 0) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = [];
  let bits = 0;
  let value = 0;
  for (const c of secretBase32.replace(/[\s=]/g, '').toUpperCase()) {
    value = ((value << 5) | alphabet.indexOf(c)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000) + stepsAhead));
  const h = createHmac('sha1', Buffer.from(bytes)).update(counter).digest();
  const o = h[h.length - 1] & 15;
  const n = (((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3]) % 1000000;
  return String(n).padStart(6, '0');
}

/** The footer's links on every page: (link text, which is the page's heading; address). */
const footerLinks = [
  ['Пользовательское соглашение', '/legal/terms'],
  ['Согласие на обработку персональных данных', '/legal/personal-data'],
  ['Политика обработки персональных данных', '/legal/privacy'],
  ['Заявление о доступности', '/legal/accessibility'],
  ['Поддержка', '/support'],
];

let counter = 0;
function uniquePhone(mode) {
  counter += 1;
  const base = { desktop: 1, keyboard: 2, nojs: 3, mobile: 4 }[mode];
  return `+7912${base}${String(Date.now() % 10000).padStart(4, '0')}${String(counter).padStart(2, '0')}`;
}

/** A valid SNILS of random digits (its check number by the Pension Fund's rule). */
function randomSnils() {
  const digits = Array.from({ length: 9 }, (_, i) => (i === 0 ? 2 + Math.floor(Math.random() * 7) : Math.floor(Math.random() * 10)));
  let sum = digits.reduce((acc, d, i) => acc + d * (9 - i), 0);
  let check = sum < 100 ? sum : sum === 100 || sum === 101 ? 0 : sum % 101;
  if (check === 100) check = 0;
  return digits.join('') + String(check).padStart(2, '0');
}

/** The JSON API as a script calls it. */
async function api(method, path, token, body) {
  const r = await fetch(`${service.base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/**
 * A citizen made through the API (registration with the SMS code from the sandbox outbox, a
 * profile with passport and SNILS, a passport in «Мои документы» with a photo): their phone.
 */
async function citizenWithPassport(mode) {
  const phone = uniquePhone(mode);
  const started = await api('POST', '/api/v1/auth/register', null, {
    surname: 'Лебедева', given_name: 'Ирина', phone, email: `apply-${mode}-${counter}@example.ru`,
    password: PASSWORD, consent_user_agreement: true, consent_personal_data: true,
  });
  const code = await smsCode(phone);
  const { token } = await api('POST', '/api/v1/auth/confirm-phone', null, {
    registration_id: started.registration_id, code, device_name: 'e2e',
  });
  await api('PATCH', '/api/v1/profile', token, {
    snils: randomSnils(), passport_series: '4510', passport_number: String(100000 + counter * 7 + { desktop: 1, keyboard: 2, nojs: 3, mobile: 4 }[mode]),
    passport_issued_on: '2016-03-10', passport_issuer: 'ГУ МВД России по г. Москве', passport_division_code: '770-001',
    birth_date: '1996-02-20', sex: 'female', place_of_birth: 'г. Москва',
    reg_region: 'Москва', reg_city: 'Москва', reg_street: 'ул. Тверская', reg_house: '7', reg_flat: '15', reg_postcode: '125009', actual_same: true,
  });
  const doc = await api('POST', '/api/v1/documents', token, {
    kind: 'passport_rf', number: '45 16 123456', issuer: 'ГУ МВД России по г. Москве', issued_on: '2016-03-10',
    fields: { surname: 'Лебедева', given_name: 'Ирина', birth_date: '1996-02-20', division_code: '770-001' },
  });
  const form = new FormData();
  form.append('file', new Blob([png(350, 450)], { type: 'image/png' }), 'фото 35x45.png');
  const r = await fetch(`${service.base}/api/v1/documents/${doc.id}/files`, {
    method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form,
  });
  if (r.status !== 201) throw new Error(`upload: ${r.status} ${await r.text()}`);
  return phone;
}

async function signIn(page, act, login, password) {
  await page.goto(`${service.base}/login`);
  await act.fill('login', login);
  await act.fill('password', password);
  await act.press('Войти');
}

/** Today in Moscow as ДД.ММ.ГГГГ. */
function todayInMoscow() {
  const parts = new Intl.DateTimeFormat('ru-RU', { timeZone: 'Europe/Moscow', day: '2-digit', month: '2-digit', year: 'numeric' }).format(new Date());
  return parts;
}

async function journey(mode, name, body) {
  const context = await browser.newContext(modes[mode]);
  const page = await context.newPage();
  page.__noScript = mode === 'nojs';
  try {
    await body(page, actor(page, mode === 'keyboard'));
  } catch (err) {
    await saveFailure(page, `${mode}-${name}-failed`);
    throw err;
  } finally {
    await context.close();
  }
}

for (const mode of ['desktop', 'keyboard', 'nojs', 'mobile']) {
  describe(`${mode}`, () => {
    test('the home page is Russian and switches to English and back', () =>
      journey(mode, 'home', async (page, act) => {
        await page.goto(`${service.base}/`);
        assert.equal(await page.getAttribute('html', 'lang'), 'ru');
        await check(page, `${mode}-home-ru`);
        await act.press('English');
        assert.equal(await page.getAttribute('html', 'lang'), 'en');
        await check(page, `${mode}-home-en`);
        await act.press('Русский');
        assert.equal(await page.getAttribute('html', 'lang'), 'ru');
      }));

    test('a visitor finds a service by another form of the word and reads what it takes', () =>
      journey(mode, 'services', async (page, act) => {
        await page.goto(`${service.base}/services`);
        await check(page, `${mode}-services`);
        await act.fill('q', 'замену паспорта');
        await act.press('Найти');
        assert.match(await page.textContent('h2#results'), /Найдено: [1-9]/);
        await check(page, `${mode}-services-found`);
        await act.follow('Замена паспорта гражданина РФ');
        assert.equal(await page.textContent('h1'), 'Замена паспорта гражданина РФ');
        assert.match(await page.textContent('main'), /Госпошлина/);
        await check(page, `${mode}-service`);
      }));

    test('a citizen replaces a passport online; the officer asks for a better photo and issues the new one', () =>
      journey(mode, 'application', async (page, act) => {
        const phone = await citizenWithPassport(mode);
        await signIn(page, act, phone, PASSWORD);
        await page.goto(`${service.base}/registry`);
        await page.goto(`${service.base}/services/passport_replacement`);
        await check(page, `${mode}-apply-service`);
        await act.press('Подать заявление');
        assert.match(page.url(), /\/steps\/reason$/);
        await act.press('Продолжить');
        assert.ok(await page.locator('.error-summary').isVisible(), 'nothing chosen: the summary says so');
        await check(page, `${mode}-apply-reason-error`);
        await act.check('reason');
        await act.press('Продолжить');
        assert.match(page.url(), /\/steps\/person$/);
        assert.equal(await page.inputValue('[name="surname"]'), 'Лебедева', 'prefilled from the profile');
        await check(page, `${mode}-apply-person`);
        if (mode !== 'nojs') {
          // Checked as it is left, before «Продолжить»; a corrected answer clears the message.
          const snils = await page.inputValue('[name="snils"]');
          await act.fill('snils', '123-456-789 00');
          await page.keyboard.press('Tab');
          await page.locator('#snils-error').waitFor();
          assert.match(page.url(), /\/steps\/person$/, 'nothing was sent');
          assert.equal(await page.getAttribute('[name="snils"]', 'aria-invalid'), 'true');
          await check(page, `${mode}-apply-live-error`);
          await act.fill('snils', snils);
          await page.keyboard.press('Tab');
          await page.locator('#snils-error').waitFor({ state: 'detached' });
        }
        await act.press('Продолжить');
        await check(page, `${mode}-apply-current-passport`);
        await act.press('Продолжить');
        await act.press('Продолжить');
        assert.match(page.url(), /\/steps\/photo_and_children$/);
        await check(page, `${mode}-apply-photo`);
        await act.check('photo');
        await act.press('Продолжить');
        await act.check('data_correct');
        await act.check('agree');
        await act.press('Продолжить');
        assert.match(page.url(), /\/check$/);
        assert.match(await page.textContent('main'), /фото 35x45\.png/);
        await check(page, `${mode}-apply-check`);
        await act.fill('password', PASSWORD);
        await act.press('Подписать и отправить');
        const plain = new URL(page.url()).searchParams.get('submitted');
        assert.match(plain, /^\d{10}$/);
        const number = `${plain.slice(0, 4)}-${plain.slice(4, 8)}-${plain.slice(8)}`;
        assert.match(await page.textContent('main'), new RegExp(number));
        await check(page, `${mode}-apply-submitted`);
        const application = new URL(page.url()).pathname;

        // The officer, in a browser of their own.
        const officerContext = await browser.newContext(modes[mode]);
        const desk = await officerContext.newPage();
        const officer = actor(desk, mode === 'keyboard');
        try {
          await signIn(desk, officer, 'officer@demo.kabinet.test', 'Demo-Officer-2026');
          await desk.goto(`${service.base}/office?agency=mvd`);
          await check(desk, `${mode}-office-queue`);
          await officer.follow(number);
          await check(desk, `${mode}-office-application`);
          await officer.press('Взять в работу');
          await officer.fill('what', 'Пришлите фотографию лучшего качества');
          await officer.press('Запросить');
          assert.match(await desk.textContent('main'), /Ожидает уточнения/);
        } finally {
          await officerContext.close().catch(() => {});
        }

        // The citizen answers with the photo again.
        await page.goto(`${service.base}${application}`);
        assert.match(await page.textContent('main'), /Пришлите фотографию лучшего качества/);
        await check(page, `${mode}-apply-asked`);
        await act.fill('text', 'Прикладываю фото получше');
        await act.check('files');
        await act.press('Отправить ответ');
        assert.match(await page.textContent('main'), /Ответ отправлен/);

        const againContext = await browser.newContext(modes[mode]);
        const desk2 = await againContext.newPage();
        const officer2 = actor(desk2, mode === 'keyboard');
        try {
          await signIn(desk2, officer2, 'officer@demo.kabinet.test', 'Demo-Officer-2026');
          const onDesk = `${service.base}/office/applications/${application.split('/').pop()}`;
          await desk2.goto(onDesk);
          await officer2.fill('what', 'Уточните адрес регистрации: в доме 7 нет квартиры 15');
          await officer2.press('Запросить');

          // The citizen corrects the address in the application itself: a new version.
          await page.goto(`${service.base}${application}`);
          await act.press('Исправить ответы в заявлении');
          assert.match(page.url(), /\/check$/);
          await check(page, `${mode}-correct-check`);
          await act.follow('Изменить — Адрес регистрации');
          await act.fill('registration_address', '125009, Москва, ул. Тверская, 9, 15');
          await act.press('Продолжить');
          assert.match(page.url(), /\/check$/, 'a corrected step returns to the check');
          assert.match(await page.textContent('main'), /Тверская, 9, 15/);
          await check(page, `${mode}-correct-changes`);
          await act.fill('comment', 'Исправила номер дома');
          await act.fill('password', PASSWORD);
          await act.press('Подписать и отправить исправления');
          assert.match(await page.textContent('main'), /Исправленная версия отправлена/);
          assert.match(await page.textContent('main'), /Версия 2/);
          await check(page, `${mode}-corrected`);

          await desk2.goto(onDesk);
          assert.match(await desk2.textContent('main'), /Тверская, 9, 15/);
          await check(desk2, `${mode}-office-corrected`);
          await officer2.fill('number', `45 26 ${String(200000 + counter).padStart(6, '0')}`);
          await officer2.fill('issued_on', todayInMoscow());
          await officer2.fill('issuer', 'ГУ МВД России по г. Москве');
          await officer2.fill('field_division_code', '770-001');
          await officer2.press('Исполнить');
          assert.match(await desk2.textContent('main'), /Готово/);
        } finally {
          await againContext.close().catch(() => {});
        }

        await page.goto(`${service.base}${application}`);
        assert.match(await page.textContent('main'), /Готово/);
        await check(page, `${mode}-apply-done`);
        await act.press('Открыть новый документ');
        assert.match(await page.textContent('main'), /45 26/);

        // Applying again: a template of the answers, and a repeat that asks only the consents.
        await page.goto(`${service.base}${application}`);
        await act.follow('Сохранить как шаблон');
        await check(page, `${mode}-template-new`);
        await act.fill('name', `Паспорт ${mode}`);
        await act.press('Сохранить шаблон');
        assert.match(await page.textContent('main'), new RegExp(`Паспорт ${mode}`));
        await check(page, `${mode}-templates`);
        await page.goto(`${service.base}${application}`);
        await act.press('Повторить заявление');
        assert.match(page.url(), /\/steps\/photo_and_children$/, 'the photo was of the replaced passport: asked again');
        await check(page, `${mode}-repeat-photo`);
        await page.goto(page.url().replace(/photo_and_children$/, 'reason'));
        assert.equal(await page.locator('[name="reason"]:checked').count(), 1, 'the reason is carried over');
        await page.goto(page.url().replace(/reason$/, 'consent'));
        assert.equal(await page.locator('[name="agree"]:checked').count(), 0, 'the consent is asked anew');
        await page.goto(`${service.base}/applications`);
        await check(page, `${mode}-applications`);
      }));

    test('a citizen registers, confirms phone and e-mail, signs out and in again', () =>
      journey(mode, 'register', async (page, act) => {
        const phone = uniquePhone(mode);
        const email = `e2e-${mode}-${counter}@example.ru`;
        await page.goto(`${service.base}/register`);
        await check(page, `${mode}-register`);

        // A first try with mistakes shows the error summary and keeps what was typed.
        await act.fill('surname', 'Смирнова');
        await act.fill('given_name', 'Ольга');
        await act.fill('phone', phone);
        await act.fill('email', email);
        await act.fill('password', 'short');
        await act.press('Зарегистрироваться');
        assert.ok(await page.locator('.error-summary').isVisible(), 'error summary shown');
        assert.equal(await page.inputValue('[name="surname"]'), 'Смирнова');
        await check(page, `${mode}-register-errors`);

        await act.fill('password', PASSWORD);
        await act.check('consent_terms');
        await act.check('consent_personal_data');
        await act.press('Зарегистрироваться');
        assert.match(page.url(), /\/register\/[0-9a-f-]+$/);
        await check(page, `${mode}-confirm`);

        const code = await smsCode(phone);
        await act.fill('code', code);
        await act.press('Подтвердить');
        assert.match(page.url(), /\/profile/);
        assert.ok((await page.textContent('main')).includes('Смирнова Ольга'));
        await check(page, `${mode}-profile`);

        const link = await emailLink(email);
        await page.goto(`${service.base}${link}`);
        await check(page, `${mode}-email-confirmed`);
        await page.goto(`${service.base}/profile`);
        assert.ok(!(await page.textContent('main')).includes('не подтверждён'), 'both contacts confirmed');

        await act.press('Выйти');
        assert.match(page.url(), /\/login/);
        await check(page, `${mode}-signed-out`);

        await act.fill('login', phone.replace('+7', '8 '));
        await act.fill('password', 'Wrong-Password-1');
        await act.press('Войти');
        assert.ok((await page.textContent('.error-summary')).includes('Неверный логин или пароль'));
        await check(page, `${mode}-login-error`);
        await act.fill('password', PASSWORD);
        await act.press('Войти');
        assert.equal(new URL(page.url()).pathname, '/', 'sign-in lands on the cabinet home');
        await page.goto(`${service.base}/profile/logins`);
        await check(page, `${mode}-logins`);
        await page.goto(`${service.base}/profile/edit`);
        await check(page, `${mode}-profile-edit`);
        await page.goto(`${service.base}/profile/tokens`);
        await act.fill('name', `Скрипт (${mode})`);
        await act.press('Создать ключ');
        assert.ok(await page.locator('#new-token').isVisible(), 'the new key is shown once');
        await check(page, `${mode}-api-keys`);

        // The authenticator app as the second factor, then signing in with it.
        await page.goto(`${service.base}/security`);
        await check(page, `${mode}-security`);
        await act.press('Подключить приложение-аутентификатор');
        await check(page, `${mode}-security-totp-start`);
        await act.press('Начать');
        assert.ok(await page.locator('.qr svg').isVisible(), 'the QR code is drawn');
        await check(page, `${mode}-security-totp`);
        const secret = (await page.textContent('#secret')).trim();
        await act.fill('code', totp(secret));
        await act.press('Подтвердить');
        assert.equal(await page.locator('.recovery-codes li').count(), 10);
        await check(page, `${mode}-security-recovery-codes`);
        await act.press('Я сохранил коды');
        assert.ok((await page.textContent('main')).includes('Включена'));
        await act.press('Выйти');
        await act.fill('login', phone);
        await act.fill('password', PASSWORD);
        await act.press('Войти');
        assert.match(page.url(), /\/login\/second-factor/);
        await check(page, `${mode}-second-factor`);
        await act.fill('code', totp(secret, 1)); // the next half-minute's code: this one is spent
        await act.press('Войти');
        assert.equal(new URL(page.url()).pathname, '/', 'the second factor lands on the cabinet home');
      }));

    test('a citizen adds a passport with a scan, finds it in the registry, downloads, deletes and restores it', () =>
      journey(mode, 'documents', async (page, act) => {
        const title = `Паспорт (${mode})`;
        // Each mode's passport has its own number, so each differs from the profile it finds.
        const number = `45 21 ${{ desktop: '765432', keyboard: '765433', nojs: '765434', mobile: '765435' }[mode]}`;
        await page.goto(`${service.base}/login`);
        await act.fill('login', 'citizen@demo.kabinet.test');
        await act.fill('password', 'Demo-Citizen-2026');
        await act.press('Войти');
        await page.goto(`${service.base}/documents`);
        await check(page, `${mode}-documents`);
        await act.press('Добавить документ');
        await check(page, `${mode}-documents-choose`);
        await act.check('kind'); // the first kind: the passport
        await act.press('Продолжить');
        assert.match(page.url(), /kind=passport_rf/);
        assert.equal(await page.inputValue('[name="surname"]'), 'Иванова', 'filled from the profile');
        await check(page, `${mode}-documents-new`);

        // A wrong number first: the error is shown and the typing kept.
        await act.fill('title', title);
        await act.fill('number', '45 21 76543');
        await act.fill('issuer', 'ГУ МВД России по г. Москве');
        await act.fill('issued_on', '15.03.2021');
        await act.fill('division_code', '770-001');
        // The file dialog belongs to the operating system; the file is set on the input directly.
        await page.setInputFiles('input[name="files"]', { name: 'скан паспорта.png', mimeType: 'image/png', buffer: png() });
        await act.press('Сохранить');
        assert.ok((await page.textContent('.error-summary')).includes('Серия и номер'));
        assert.equal(await page.inputValue('[name="title"]'), title);
        await check(page, `${mode}-documents-new-errors`);

        await act.fill('number', number);
        await page.setInputFiles('input[name="files"]', { name: 'скан паспорта.png', mimeType: 'image/png', buffer: png() });
        await act.press('Сохранить');
        assert.match(page.url(), /\/documents\/[0-9a-f-]+\?added=1$/);
        const docUrl = page.url().replace('?added=1', '');
        assert.ok((await page.textContent('main')).includes('Документ добавлен.'));
        assert.ok(await page.locator('img.preview').isVisible(), 'the scan is previewed');
        await check(page, `${mode}-document`);

        const download = await act.download('Скачать «скан паспорта.png»');
        assert.equal(download.suggestedFilename(), 'скан паспорта.png');

        // The profile holds another passport: the page says so and offers to update it.
        assert.ok((await page.textContent('main')).includes('Не совпадает с профилем: '), 'the difference is shown');
        await act.press('Обновить профиль из документа');
        assert.match(page.url(), /\/profile\/from-document\/[0-9a-f-]+$/);
        assert.ok((await page.textContent('main')).includes('изменится'), 'what changes is marked');
        await check(page, `${mode}-profile-from-document`);
        await act.press('Заполнить профиль');
        assert.match(page.url(), /\/profile\?filled=1$/);
        const profile = await page.textContent('main');
        assert.ok(profile.includes('Профиль заполнен из документа.'));
        assert.ok(profile.includes(`Паспорт гражданина РФ, ${number}`), 'the profile names its source');
        await page.goto(docUrl);
        assert.ok((await page.textContent('main')).includes('Данные документа совпадают с профилем.'));

        await page.goto(`${service.base}/registry`);
        assert.ok((await page.textContent('main')).includes(title));
        if (mode === 'mobile') {
          assert.ok(await page.locator('.timeline-list').isVisible(), 'on a phone the timeline is a list');
          assert.ok(!(await page.locator('svg[role="img"]').isVisible()), 'too narrow for the picture');
        } else {
          assert.ok(await page.locator('svg[role="img"]').isVisible(), 'the timeline is drawn');
        }
        await check(page, `${mode}-registry`);

        await page.goto(`${docUrl}/edit`);
        await check(page, `${mode}-document-edit`);
        await page.goto(`${docUrl}/renew`);
        await check(page, `${mode}-document-renew`);

        await page.goto(docUrl);
        await act.press(`Удалить «${title}»`);
        assert.match(page.url(), /\/documents\?deleted=/);
        await check(page, `${mode}-documents-deleted`);
        await page.goto(`${service.base}/documents/trash`);
        await check(page, `${mode}-trash`);
        await act.press(`Восстановить «${title}»`);
        assert.equal(page.url(), `${docUrl}?restored=1`);
        assert.ok((await page.textContent('main')).includes('Документ восстановлен.'));
        await page.goto(`${service.base}/documents?q=${encodeURIComponent('паспорту')}`);
        assert.ok((await page.textContent('main')).includes(title), 'found by another word form');
        await check(page, `${mode}-documents-search`);

        await page.goto(`${service.base}/notifications`);
        await check(page, `${mode}-notifications`);
        await page.goto(`${service.base}/notifications/settings`);
        await check(page, `${mode}-notification-settings`);
        await act.check('system.sms');
        await act.press('Сохранить настройки');
        assert.ok((await page.textContent('main')).includes('Настройки сохранены.'));
        assert.ok(await page.isChecked('[name="system.sms"]'));
        await act.press('Вернуть настройки по умолчанию');
        assert.ok(!(await page.isChecked('[name="system.sms"]')), 'defaults again');
        const calendarButton = (await page.getByRole('button', { name: 'Включить календарь', exact: true }).count())
          ? 'Включить календарь' : 'Создать новую ссылку';
        await act.press(calendarButton);
        const feed = await page.textContent('#calendar-url');
        assert.match(feed, /\/calendar\/[A-Za-z0-9_-]+\/deadlines\.ics$/);
        await check(page, `${mode}-calendar-link`);
        await page.goto(`${service.base}/notifications/deliveries`);
        await check(page, `${mode}-deliveries`);
        await page.goto(`${service.base}/profile/sessions`);
        assert.ok((await page.textContent('main')).includes('это устройство'));
        await check(page, `${mode}-sessions`);
        await page.goto(`${service.base}/profile/journal?area=document`);
        assert.ok((await page.textContent('main')).includes('Добавлен документ'));
        await check(page, `${mode}-journal`);
      }));

    test('the demo citizen goes through the cabinet by its menus', () =>
      journey(mode, 'tour', async (page, act) => {
        await page.goto(`${service.base}/login`);
        await act.fill('login', 'citizen@demo.kabinet.test');
        await act.fill('password', 'Demo-Citizen-2026');
        await act.press('Войти');
        assert.equal(new URL(page.url()).pathname, '/', 'sign-in lands on the cabinet home');
        const home = await page.textContent('main');
        assert.ok(home.includes('Требует внимания') && home.includes('Ближайшие сроки'), 'the cabinet home');
        assert.equal(await page.getByRole('search').getByLabel('Поиск по моим документам').count(), 1, 'the search under the header');
        await check(page, `${mode}-tour-home`);

        // The search under the header (in keyboard mode tabbed to, typed in, its button pressed).
        await act.fill('q', 'паспорт');
        await act.press('Найти');
        assert.equal(new URL(page.url()).pathname, '/documents');
        assert.equal(new URL(page.url()).searchParams.get('q'), 'паспорт');
        assert.ok(await page.locator('main').getByRole('link', { name: 'Паспорт гражданина РФ', exact: true }).count(), 'the passport is found');
        await check(page, `${mode}-tour-search`);

        await act.press('Мои документы');
        assert.match(page.url(), /\/documents$/);
        await check(page, `${mode}-tour-documents`);
        await act.press('Паспорт гражданина РФ');
        assert.match(page.url(), /\/documents\/[0-9a-f-]+$/);
        await check(page, `${mode}-tour-document`);
        let pdf;
        if (mode === 'desktop' || mode === 'keyboard') {
          // The scan as Chromium downloads it (asking for gzip, br, zstd): the very bytes stored.
          const download = await act.download('Скачать «Паспорт, разворот.pdf»');
          assert.equal(download.suggestedFilename(), 'Паспорт, разворот.pdf');
          const href = await page.locator('main a[download][href*="/files/"]').first().getAttribute('href');
          pdf = await sameBytes(page, service.base, href, download);
          assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
          assert.ok(pdf.subarray(-1024).toString('latin1').includes('%%EOF'), 'the PDF ends with its trailer');
          // And Chromium's own request for it (a fetch in the page, with the browser's headers).
          const seen = await page.evaluate(async (u) => {
            const r = await fetch(u);
            return { encoding: r.headers.get('content-encoding'), length: (await r.arrayBuffer()).byteLength };
          }, href);
          assert.deepEqual(seen, { encoding: null, length: pdf.length }, 'Chromium gets the scan whole, without Content-Encoding');
        }
        await act.press('Сроки');
        assert.match(page.url(), /\/registry$/);
        assert.ok((await page.textContent('main')).includes('Осталось дней'));
        await check(page, `${mode}-tour-registry`);
        await act.follow('Сообщения');
        assert.match(page.url(), /\/notifications$/);
        await check(page, `${mode}-tour-messages`);
        await act.press('Настройки уведомлений');
        assert.match(page.url(), /\/notifications\/settings$/);
        await check(page, `${mode}-tour-notification-settings`);
        await act.follow('Профиль');
        assert.match(page.url(), /\/profile$/);
        await check(page, `${mode}-tour-profile`);
        if (mode === 'desktop' || mode === 'keyboard') {
          // All one's data as one ZIP, complete as Chromium saves it.
          // Made anew each time (its activity log holds the previous export), so not compared
          // byte for byte: opened instead, and asked for as Chromium asks.
          const download = await act.download('Скачать все мои данные (ZIP)');
          assert.equal(await download.failure(), null, 'the export downloaded');
          assert.equal(download.suggestedFilename(), 'мои-данные-кабинет.zip');
          const entries = zipEntries(await download.path());
          for (const name of ['profile.json', 'documents.json']) assert.ok(entries.includes(name), `${name} in ${entries}`);
          const scan = entries.find((e) => e.endsWith('-Паспорт, разворот.pdf'));
          assert.ok(scan, `the passport's scan in ${entries}`);
          assert.ok(zipEntry(await download.path(), scan).equals(pdf), 'the scan in the ZIP is the one downloaded');
          const asChromium = await fetchAs(page.context(), service.base, '/profile/export.zip', CHROMIUM_ACCEPT_ENCODING);
          assert.equal(asChromium.headers.get('content-encoding'), null, 'the ZIP is sent uncompressed to a browser');
          assert.equal(asChromium.headers.get('content-type'), 'application/zip');
          assert.ok(zipEntries(asChromium.body).includes('documents.json'), 'complete when asked for as Chromium asks');
        }
        await act.press('Журнал действий');
        assert.match(page.url(), /\/profile\/journal$/);
        await check(page, `${mode}-tour-journal`);
        await act.press('Безопасность');
        assert.match(page.url(), /\/security$/);
        await check(page, `${mode}-tour-security`);
        // The footer's links: the legal texts and support.
        for (const [name, path] of footerLinks) {
          await act.press(name);
          assert.equal(new URL(page.url()).pathname, path);
          assert.equal(await page.textContent('h1'), name);
          await check(page, `${mode}-tour${path.replaceAll('/', '-')}`);
        }
        await act.press('Выйти');
        assert.match(page.url(), /\/login/);
      }));
  });
}

test('on a phone the menu opens without JavaScript, by keyboard alone', async () => {
  const context = await browser.newContext({ ...modes.nojs, viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  try {
    await page.goto(`${service.base}/login`);
    await page.fill('[name="login"]', 'citizen@demo.kabinet.test');
    await page.fill('[name="password"]', 'Demo-Citizen-2026');
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
    const registry = page.locator('.site-nav a[href="/registry"]');
    assert.ok(!(await registry.isVisible()), 'the menu is folded on a phone');
    const menu = page.locator('.site-header summary');
    assert.ok(await menu.isVisible(), 'the menu button is shown');
    for (let i = 0; i < 10 && !(await menu.evaluate((e) => e === document.activeElement)); i++) await page.keyboard.press('Tab');
    assert.ok(await menu.evaluate((e) => e === document.activeElement), 'the menu button takes the focus');
    await page.keyboard.press('Enter');
    assert.ok(await registry.isVisible(), 'Enter opens the menu');
    await check(page, 'phone-menu-open');
    for (let i = 0; i < 10 && !(await registry.evaluate((e) => e === document.activeElement)); i++) await page.keyboard.press('Tab');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.match(page.url(), /\/registry$/);
    assert.ok(!(await registry.isVisible()), 'folded again on the next page');
  } catch (err) {
    await saveFailure(page, 'phone-menu-failed');
    throw err;
  } finally {
    await context.close();
  }
});

test('the operator pages pass the same checks', async () => {
  for (const path of ['/operator', '/operator/outbox', '/operator/locks', '/operator/recovery', '/operator/jobs', '/operator/kinds', '/operator/kinds/passport_rf', '/operator/audit', '/operator/audit?action=session.', '/operator/bulletins', '/operator/agencies', '/operator/agencies/mvd/systems', '/operator/services', '/operator/services/new', '/operator/services/passport_replacement']) {
    await operator.goto(`${service.base}${path}`);
    await check(operator, `operator${path.replaceAll('/', '-')}`);
  }
});

test('the anonymous pages pass the same checks', () =>
  journey('desktop', 'anonymous', async (page) => {
    for (const path of ['/login', '/login/code', '/recover', '/recover/request', '/no-such-page', ...footerLinks.map(([, p]) => p)]) {
      await page.goto(`${service.base}${path}`);
      await check(page, `anonymous${path.replaceAll('/', '-')}`);
    }
  }));
