// Starts `kabinet serve --demo` on a random port with a fresh data folder and the SMTP test
// server, and stops both afterwards.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { startSmtp } from './smtp.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * `host`: the name the browser uses; `localhost` gives the service a domain name (public_url),
 * which passkeys need (WebAuthn refuses IP addresses).
 */
export async function startService({ host = '127.0.0.1' } = {}) {
  const smtp = await startSmtp();
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kabinet-e2e-'));
  const bin = process.env.KABINET_BIN || path.join(repo, 'target', 'debug', 'kabinet');
  if (!fs.existsSync(bin)) throw new Error(`no kabinet binary at ${bin}: build it (cargo build) or set KABINET_BIN`);
  const child = spawn(bin, ['serve', '--demo', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir], {
    env: {
      ...process.env,
      KABINET_LOG_LEVEL: 'warn',
      KABINET_EMAIL__SMTP_HOST: '127.0.0.1',
      KABINET_EMAIL__SMTP_PORT: String(smtp.port),
      KABINET_EMAIL__TLS: 'none',
      KABINET_WORKER__POLL_INTERVAL_MS: '100',
      ...(host === '127.0.0.1' ? {} : { KABINET_PUBLIC_URL: `http://${host}:${port}` }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const ready = `http://127.0.0.1:${port}`;
  const base = `http://${host}:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(`${ready}/readyz`);
      if (r.ok) break;
    } catch { /* not yet */ }
    if (child.exitCode !== null) throw new Error(`kabinet exited early:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    base,
    smtp,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      await smtp.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
