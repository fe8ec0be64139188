import net from 'node:net';

/**
 * A minimal PostgreSQL wire-protocol server that asks for a clear-text password and refuses it with
 * SQLSTATE 28P01, as a server with password authentication does. The local test server trusts every
 * connection, so this is how a wrong password reaches the real driver here. `echo` makes the
 * refusal quote the password back, to prove driver messages are cleaned before anything is printed.
 */
export async function startPasswordRefusingServer(
  opts: { echo?: boolean } = {},
): Promise<{ port: number; passwordsSeen: string[]; close(): Promise<void> }> {
  const passwordsSeen: string[] = [];
  const server = net.createServer((socket) => {
    let buf = Buffer.alloc(0);
    let started = false;
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        if (!started) {
          if (buf.length < 8) return;
          const len = buf.readInt32BE(0);
          if (buf.length < len) return;
          const code = buf.readInt32BE(4);
          buf = buf.subarray(len);
          if (code === 80877103) {
            socket.write('N'); // SSL request: no SSL here
            continue;
          }
          started = true;
          const auth = Buffer.alloc(9);
          auth.write('R', 0);
          auth.writeInt32BE(8, 1);
          auth.writeInt32BE(3, 5); // AuthenticationCleartextPassword
          socket.write(auth);
          continue;
        }
        if (buf.length < 5) return;
        const len = buf.readInt32BE(1);
        if (buf.length < len + 1) return;
        const type = String.fromCharCode(buf[0]!);
        const body = buf.subarray(5, len + 1);
        buf = buf.subarray(len + 1);
        if (type !== 'p') continue;
        const password = body.toString('utf8').replace(/\0$/, '');
        passwordsSeen.push(password);
        const text = opts.echo
          ? `password authentication failed for user "svc" (password "${password}")`
          : 'password authentication failed for user "svc"';
        const fields = Buffer.from(`SFATAL\0VFATAL\0C28P01\0M${text}\0\0`, 'utf8');
        const head = Buffer.alloc(5);
        head.write('E', 0);
        head.writeInt32BE(fields.length + 4, 1);
        socket.end(Buffer.concat([head, fields]));
        return;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    passwordsSeen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
