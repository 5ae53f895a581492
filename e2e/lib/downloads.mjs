// What a download must be: the same bytes the service stores, whatever the browser asked for.
// Chromium always sends `Accept-Encoding: gzip, deflate, br, zstd`; a download is compared with
// the same address fetched here without compression, as the signed-in browser (its cookies).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** The header Chromium sends with every request. */
export const CHROMIUM_ACCEPT_ENCODING = 'gzip, deflate, br, zstd';

/** Fetches a path of the service as the browser context's person, asking for `encoding`. */
export async function fetchAs(context, base, path, encoding) {
  const cookie = (await context.cookies(base)).map((c) => `${c.name}=${c.value}`).join('; ');
  const response = await fetch(new URL(path, base), {
    headers: { cookie, 'accept-encoding': encoding },
    redirect: 'manual',
  });
  assert.equal(response.status, 200, `GET ${path} as the signed-in person`);
  return { headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

/**
 * Checks a finished download of `path` (a Playwright download): the browser saved it completely,
 * byte for byte what the service sends uncompressed, and the service answers a browser's request
 * for it without `Content-Encoding` (compressed formats are sent as they are).
 */
export async function sameBytes(page, base, path, download) {
  assert.equal(await download.failure(), null, `the download of ${path} finished`);
  const saved = fs.readFileSync(await download.path());
  const plain = await fetchAs(page.context(), base, path, 'identity');
  assert.equal(plain.headers.get('content-encoding'), null, `${path} without compression asked`);
  assert.ok(saved.length > 0, `${path} is not empty`);
  assert.equal(saved.length, plain.body.length, `the download of ${path} has every byte`);
  assert.ok(saved.equals(plain.body), `the download of ${path} is byte for byte the file`);
  const asChromium = await fetchAs(page.context(), base, path, CHROMIUM_ACCEPT_ENCODING);
  assert.equal(asChromium.headers.get('content-encoding'), null, `${path} is sent uncompressed to a browser`);
  assert.ok(asChromium.body.equals(plain.body), `${path} is the same whatever the browser accepts`);
  return saved;
}

/**
 * A ZIP (a file's path or its bytes) opened by Python's zipfile (the end of central directory
 * found, every entry's CRC checked): the names of its entries.
 */
export function zipEntries(fileOrBytes) {
  const bytes = Buffer.isBuffer(fileOrBytes) ? fileOrBytes : fs.readFileSync(fileOrBytes);
  const eocd = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd >= 0 && eocd >= bytes.length - 22 - 0xffff, 'the end of central directory record is there');
  const script = [
    'import io, sys, zipfile',
    'with zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read())) as z:',
    '    bad = z.testzip()',
    '    assert bad is None, "bad CRC in " + bad',
    '    sys.stdout.buffer.write("\\n".join(z.namelist()).encode("utf-8"))',
  ].join('\n');
  return execFileSync('python3', ['-c', script], { input: bytes, encoding: 'utf8' }).split('\n').filter(Boolean);
}

/** One entry of a ZIP (a file's path), read by Python's zipfile. */
export function zipEntry(file, name) {
  const script = 'import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1]) as z:\n    sys.stdout.buffer.write(z.read(sys.argv[2]))';
  return execFileSync('python3', ['-c', script, file, name], { maxBuffer: 64 << 20 });
}
