// A real SMTP server for the journeys: it speaks the protocol on a random local port and keeps
// every message, so that a journey reads the confirmation link exactly as a mail client would.
import net from 'node:net';

export async function startSmtp() {
  const inbox = [];
  const server = net.createServer((socket) => {
    socket.setEncoding('utf8');
    let buffer = '';
    let inData = false;
    let data = '';
    let from = '';
    let to = [];
    const reply = (line) => socket.write(line + '\r\n');
    reply('220 e2e.smtp ESMTP');
    socket.on('data', (chunk) => {
      buffer += chunk;
      let index;
      while ((index = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, index);
        buffer = buffer.slice(index + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            inbox.push({ from, to: [...to], data });
            reply('250 OK queued');
          } else {
            data += (line.startsWith('.') ? line.slice(1) : line) + '\n';
          }
          continue;
        }
        const upper = line.toUpperCase();
        if (upper.startsWith('EHLO')) socket.write('250-e2e.smtp\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n');
        else if (upper.startsWith('HELO')) reply('250 e2e.smtp');
        else if (upper.startsWith('MAIL FROM:')) { from = address(line.slice(10)); to = []; reply('250 OK'); }
        else if (upper.startsWith('RCPT TO:')) { to.push(address(line.slice(8))); reply('250 OK'); }
        else if (upper === 'DATA') { inData = true; data = ''; reply('354 End with <CR><LF>.<CR><LF>'); }
        else if (upper === 'QUIT') { reply('221 Bye'); socket.end(); }
        else if (upper === 'RSET' || upper === 'NOOP') reply('250 OK');
        else reply('502 Not implemented');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    inbox,
    /** Messages to an address, decoded from quoted-printable. */
    to(addr) {
      return inbox.filter((m) => m.to.some((t) => t.toLowerCase() === addr.toLowerCase())).map((m) => decodeQp(m.data));
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

function address(arg) {
  const m = /<([^>]*)>/.exec(arg);
  return (m ? m[1] : arg).trim();
}

function decodeQp(text) {
  const joined = text.replace(/=\r?\n/g, '');
  const bytes = [];
  for (let i = 0; i < joined.length; i++) {
    if (joined[i] === '=' && /^[0-9A-F]{2}$/i.test(joined.slice(i + 1, i + 3))) {
      bytes.push(parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      for (const b of Buffer.from(joined[i], 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
