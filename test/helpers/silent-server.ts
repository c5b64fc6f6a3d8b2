import net from 'node:net';

/**
 * A dependency that hangs: a loopback server that forwards to `target` while `isSilent` is false, and once
 * silenced accepts TCP, reads everything and never answers (a frozen process, or a network path that drops
 * replies). Silencing drops the forwarded connections, so clients reconnect into the silence. `greet` lets a
 * silent server answer a connection's handshake (each chunk until it says done) before it goes quiet.
 */
export interface SilentServer {
  readonly port: number;
  /** Connections accepted while silent. */
  readonly silentConnections: number;
  silence(): void;
  close(): Promise<void>;
}

export async function startSilentServer(options: { target?: { host: string; port: number }; greet?: (chunk: Buffer) => { answer: string; isDone: boolean } } = {}): Promise<SilentServer> {
  const sockets = new Set<net.Socket>();
  let isSilent = !options.target;
  let silentConnections = 0;
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client)).on('error', () => client.destroy());
    if (isSilent || !options.target) {
      silentConnections += 1;
      let isGreeted = false;
      client.on('data', (chunk: Buffer) => {
        if (isGreeted || !options.greet) return;
        const { answer, isDone } = options.greet(chunk);
        isGreeted = isDone;
        if (answer) client.write(answer);
      });
      return;
    }
    const upstream = net.connect(options.target);
    sockets.add(upstream);
    const drop = () => { client.destroy(); upstream.destroy(); };
    upstream.on('error', drop).on('close', () => { sockets.delete(upstream); drop(); });
    client.on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    get silentConnections() { return silentConnections; },
    silence() {
      isSilent = true;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
