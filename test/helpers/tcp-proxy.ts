import net from 'node:net';

/**
 * A loopback TCP proxy in front of one server, so a test can take that server away from one client while the
 * others keep their direct connection: `cut()` resets every live connection and every new one (what a client
 * sees when the server goes down or the network between them drops), `restore()` forwards again.
 */
export interface TcpProxy {
  readonly port: number;
  /** Connections forwarded, and connections reset because they arrived while cut. */
  readonly counts: { forwarded: number; refused: number };
  /** `url` with its host and port replaced by the proxy's (user, password, path and query stay). */
  urlThrough(url: string): string;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  const counts = { forwarded: 0, refused: 0 };
  let isCut = false;

  const server = net.createServer((client) => {
    if (isCut) {
      counts.refused += 1;
      client.resetAndDestroy();
      return;
    }
    counts.forwarded += 1;
    const upstream = net.connect(target);
    const pair = { client, upstream };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) socket.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;

  const resetAll = () => {
    for (const { client, upstream } of pairs) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    pairs.clear();
  };

  return {
    port,
    counts,
    urlThrough(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    cut() {
      isCut = true;
      resetAll();
    },
    restore() {
      isCut = false;
    },
    async close() {
      resetAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
