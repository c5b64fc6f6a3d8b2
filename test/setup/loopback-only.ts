// Every test talks only to loopback: a connection attempt to any other address fails the test at once.
import net from 'node:net';
import tls from 'node:tls';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|::ffff:127\.\d+\.\d+\.\d+)$/;

function guard(host: unknown): void {
  if (typeof host === 'string' && host !== '' && !LOOPBACK.test(host)) {
    throw new Error(`test tried to reach ${host}: tests may only connect to loopback addresses`);
  }
}

function hostOf(args: unknown[]): unknown {
  const [first] = args;
  if (typeof first === 'object' && first !== null) {
    const opts = first as { host?: string; path?: string };
    return opts.path ? undefined : (opts.host ?? 'localhost');
  }
  if (typeof first === 'number') return typeof args[1] === 'string' ? args[1] : 'localhost';
  return undefined; // unix socket path
}

for (const mod of [net, tls] as Array<{ connect: (...a: unknown[]) => unknown }>) {
  const original = mod.connect;
  mod.connect = (...args: unknown[]) => { guard(hostOf(args)); return original.apply(mod, args); };
}
const originalCreate = net.createConnection;
(net as { createConnection: (...a: unknown[]) => unknown }).createConnection = (...args: unknown[]) => {
  guard(hostOf(args));
  return (originalCreate as (...a: unknown[]) => unknown).apply(net, args);
};

// http.Agent captured net.createConnection at load time; guard it too (fetch/undici goes through net.connect).
import http from 'node:http';
const agentCreate = http.Agent.prototype.createConnection;
http.Agent.prototype.createConnection = function (this: http.Agent, ...args: unknown[]) {
  guard(hostOf(args));
  return (agentCreate as (...a: unknown[]) => unknown).apply(this, args) as ReturnType<typeof agentCreate>;
} as typeof agentCreate;
