// No Docker engine runs where the tests run, so the deployment files are checked by parsing them: the
// service graph, the environment each process gets, the Temporal setup jobs and the image recipe.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { SEARCH_ATTRIBUTES } from '../../../contracts/search-attributes';
import { loadConfig } from '../../../src/config';

const ROOT = path.resolve(__dirname, '../../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; target?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, unknown> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  ports?: (string | number | { published?: string | number; host_ip?: string })[];
  network_mode?: string;
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  healthcheck?: { test?: string | string[] };
  stop_grace_period?: string;
}

const composeText = read('docker-compose.yml');
// merge: true resolves the `<<: *anchor` merge keys the file uses for shared settings.
const compose = YAML.parse(composeText, { merge: true }) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const packageJson = JSON.parse(read('package.json')) as { scripts: Record<string, string> };

function service(name: string): Service {
  const found = compose.services?.[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}" (has: ${Object.keys(compose.services ?? {}).join(', ')})`);
  return found;
}

function envOf(name: string): Record<string, string> {
  const env = service(name).environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((entry) => { const i = entry.indexOf('='); return i < 0 ? [entry, ''] : [entry.slice(0, i), entry.slice(i + 1)]; }));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v == null ? '' : String(v)]));
}

/** Compose interpolation for one value, as `docker compose` would apply it with `vars` as the shell environment. */
function interpolate(value: string, vars: Record<string, string> = {}): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (match, name: string | undefined, op: string | undefined, arg: string) => {
    if (!name) return '$';
    const set = vars[name];
    if (op === ':-') return set ? set : arg;
    if (op === '-') return set ?? arg;
    if (op === ':?' || op === '?') {
      if (set === undefined || (op === ':?' && set === '')) throw new Error(`${name}: ${arg}`);
      return set;
    }
    return set ?? '';
  });
}

function dependencies(name: string): Record<string, string> {
  const deps = service(name).depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([d, opts]) => [d, opts?.condition ?? 'service_started']));
}

const words = (cmd: string | string[] | undefined) => (cmd === undefined ? [] : Array.isArray(cmd) ? cmd : cmd.split(/\s+/).filter(Boolean));

/** Host ports a service publishes; a container-only entry ("3000") publishes a random host port, reported as "random". */
function hostPorts(name: string): string[] {
  return (service(name).ports ?? []).map((entry) => {
    if (typeof entry === 'object') return String(entry.published ?? 'random');
    const spec = String(entry).replace(/\/(tcp|udp)$/, '');
    const parts = spec.split(':');
    return parts.length === 1 ? 'random' : parts[parts.length - 2];
  });
}

/** Host interface of each published port: "" means every interface. */
function publishedOn(name: string): { port: string; hostIp: string }[] {
  return (service(name).ports ?? []).map((entry) => {
    if (typeof entry === 'object') return { port: String(entry.published ?? 'random'), hostIp: entry.host_ip ?? '' };
    const parts = String(entry).replace(/\/(tcp|udp)$/, '').split(':');
    if (parts.length === 1) return { port: 'random', hostIp: '' };
    return { port: parts[parts.length - 2], hostIp: parts.length > 2 ? parts.slice(0, -2).join(':').replace(/^\[|\]$/g, '') : '' };
  });
}

function bindMounts(name: string): { source: string; target: string }[] {
  return (service(name).volumes ?? []).flatMap((v) => {
    if (typeof v === 'object') return v.type === 'bind' && v.source && v.target ? [{ source: v.source, target: v.target }] : [];
    const [source, target] = v.split(':');
    return source.startsWith('.') || source.startsWith('/') ? [{ source, target }] : [];
  });
}

function namedVolumes(name: string): Record<string, string> {
  return Object.fromEntries((service(name).volumes ?? []).flatMap((v) => {
    if (typeof v === 'object') return v.type === 'volume' && v.source && v.target ? [[v.target, v.source]] : [];
    const [source, target] = v.split(':');
    return source.startsWith('.') || source.startsWith('/') || !target ? [] : [[target, source]];
  }));
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  if (statSync(dir).isFile()) return [dir];
  return readdirSync(dir).flatMap((entry) => filesUnder(path.join(dir, entry)));
}

/**
 * Everything a one-shot job executes: its entrypoint, command and environment, plus the scripts of the repo
 * that it mounts and names in its command (so logic may live in compose or in deploy/ scripts).
 */
function jobText(name: string): string {
  const s = service(name);
  const args = [...words(s.entrypoint), ...words(s.command)];
  const scripts = bindMounts(name).flatMap(({ source, target }) =>
    filesUnder(path.join(ROOT, source))
      .filter((file) => args.some((arg) => arg === path.posix.join(target, path.relative(path.join(ROOT, source), file).split(path.sep).join('/'))))
      // Comment lines dropped: a usage example in a comment must not pass for a real command.
      .map((file) => readFileSync(file, 'utf8').split('\n').filter((line) => !/^\s*#/.test(line)).join('\n')));
  return [args.join(' '), ...Object.values(envOf(name)), ...scripts].join('\n');
}

const APP_SERVICES = ['api', 'worker', 'migrate'];
// What an operator would export before `docker compose up`.
const PASSWORDS = { POSTGRES_PASSWORD: 'super-secret', CARBONPLAN_DB_PASSWORD: 'app-secret', SECRETS_MASTER_KEY: 'k' };
const REQUIRED_IN_PRODUCTION = [
  'DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE', 'SECRETS_BACKEND', 'SECRETS_MASTER_KEY',
  'AWS_REGION', 'S3_BUCKET', 'CLERK_PUBLISHABLE_KEY', 'CLERK_SECRET_KEY', 'CLERK_JWT_KEY', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET',
];

describe('docker-compose.yml', () => {
  it('defines every service with the expected image', () => {
    expect(service('postgresql').image).toBe('postgres:16');
    expect(service('temporal-schema').image).toBe('temporalio/admin-tools:1.30.1');
    expect(service('temporal').image).toBe('temporalio/server:1.30.1');
    expect(service('temporal-namespace').image).toBe('temporalio/admin-tools:1.30.1');
    expect(service('temporal-ui').image).toBe('temporalio/ui:2.34.0');
  });

  it.each([['api', 'api'], ['migrate', 'api'], ['worker', 'worker']])('builds %s from the Dockerfile at the repository root, target %s', (name, target) => {
    const build = service(name).build;
    expect(build).toBeDefined();
    const { context = '.', dockerfile = 'Dockerfile', target: built } = typeof build === 'string' ? { context: build } : build!;
    expect(path.resolve(ROOT, context, dockerfile)).toBe(path.join(ROOT, 'Dockerfile'));
    // The worker's image carries Chromium; the API and the migration job run the image without it.
    expect(built).toBe(target);
    expect(service(name).image).not.toBe(service(name === 'worker' ? 'api' : 'worker').image);
  });

  it('runs the compiled entry points that package.json declares', () => {
    const script = (name: string) => packageJson.scripts[name].split(/\s+/);
    expect(words(service('worker').command)).toEqual(script('start:worker'));
    expect(words(service('migrate').command)).toEqual(script('db:migrate'));
    // api keeps the image's CMD; the Dockerfile test checks that CMD.
    expect(service('api').command).toBeUndefined();
  });

  it.each(APP_SERVICES)('points %s at the compose Postgres and Temporal', (name) => {
    const env = envOf(name);
    const url = new URL(interpolate(env.DATABASE_URL, PASSWORDS));
    expect(url.protocol).toMatch(/^postgres(ql)?:$/);
    expect(url.hostname).toBe('postgresql');
    expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(env.TEMPORAL_NAMESPACE).toBe('default');
    expect(env.TEMPORAL_TASK_QUEUE).toBe('carbonplan');
    expect(env.NODE_ENV).toBe('production');
  });

  it("keeps the app database apart from Temporal's databases", () => {
    const database = new URL(interpolate(envOf('api').DATABASE_URL, PASSWORDS)).pathname.slice(1);
    expect(database).toBe('carbonplan');
    expect(['temporal', 'temporal_visibility', 'postgres']).not.toContain(database);
  });

  it('requires both Postgres passwords from the operator instead of shipping defaults', () => {
    for (const name of ['POSTGRES_PASSWORD', 'CARBONPLAN_DB_PASSWORD']) {
      const uses = [...composeText.matchAll(new RegExp(`\\$\\{${name}([^}]*)\\}`, 'g'))].map((m) => m[1]);
      expect({ name, count: uses.length > 0 }).toEqual({ name, count: true });
      // Every use fails the start with a message when unset or empty: no `:-default`, no bare ${NAME}.
      expect({ name, unguarded: uses.filter((rest) => !/^:\?\S/.test(rest)) }).toEqual({ name, unguarded: [] });
    }
    expect(() => interpolate(envOf('postgresql').POSTGRES_PASSWORD)).toThrow(/POSTGRES_PASSWORD/);
    expect(() => interpolate(envOf('temporal').POSTGRES_PWD)).toThrow(/POSTGRES_PASSWORD/);
    for (const name of APP_SERVICES) expect(() => interpolate(envOf(name).DATABASE_URL)).toThrow(/CARBONPLAN_DB_PASSWORD/);
  });

  it('connects api, worker and migrate as their own non-superuser role that owns the app database', () => {
    const url = new URL(interpolate(envOf('api').DATABASE_URL, PASSWORDS));
    const role = url.username;
    const superuser = envOf('postgresql').POSTGRES_USER;
    // Migrations run as the same role as the API and the worker, so that role owns every table they create.
    for (const name of APP_SERVICES) expect(envOf(name).DATABASE_URL).toBe(envOf('api').DATABASE_URL);
    expect(decodeURIComponent(url.password)).toBe(PASSWORDS.CARBONPLAN_DB_PASSWORD);
    expect(role).not.toBe(superuser || 'postgres');
    // Temporal keeps its own user (the bootstrap superuser, which creates Temporal's databases).
    expect(envOf('temporal').POSTGRES_USER).toBe(superuser);
    expect(envOf('temporal-schema').SQL_USER).toBe(superuser);
    expect(role).not.toBe(envOf('temporal').POSTGRES_USER);

    // The role is created at initialisation by the scripts mounted into the image's init directory.
    const init = bindMounts('postgresql').find(({ target }) => target === '/docker-entrypoint-initdb.d');
    expect(init).toBeDefined();
    const sql = filesUnder(path.join(ROOT, init!.source))
      .filter((f) => /\.(sh|sql)$/.test(f))
      .map((f) => readFileSync(f, 'utf8').split('\n').filter((line) => !/^\s*(#|--)/.test(line)).join('\n'))
      .join('\n');
    const createRole = new RegExp(`CREATE\\s+(ROLE|USER)\\s+"?${role}"?\\b[^;]*;`, 'i').exec(sql)?.[0] ?? '';
    expect(createRole).toMatch(/\bLOGIN\b/i);
    expect(createRole).toMatch(/\bNOSUPERUSER\b/i);
    for (const right of ['SUPERUSER', 'CREATEROLE', 'CREATEDB', 'REPLICATION', 'BYPASSRLS']) {
      expect({ right, granted: new RegExp(`(?<!NO)\\b${right}\\b`, 'i').test(createRole) }).toEqual({ right, granted: false });
    }
    expect(sql).not.toMatch(new RegExp(`ALTER\\s+(ROLE|USER)\\s+"?${role}"?[^;]*(?<!NO)SUPERUSER`, 'i'));
    expect(sql).toMatch(new RegExp(`CREATE\\s+DATABASE\\s+"?${url.pathname.slice(1)}"?\\s+(WITH\\s+)?OWNER\\s*=?\\s*"?${role}"?`, 'i'));
    // Its password comes from the same required variable as the app's DATABASE_URL.
    expect(sql).toContain('CARBONPLAN_DB_PASSWORD');
    expect(envOf('postgresql').CARBONPLAN_DB_PASSWORD).toMatch(/^\$\{CARBONPLAN_DB_PASSWORD:\?[^}]+\}$/);
  });

  it.each(['api', 'worker'])('gives %s every setting production needs', (name) => {
    const env = envOf(name);
    expect(REQUIRED_IN_PRODUCTION.filter((key) => !(key in env))).toEqual([]);
  });

  it('requires the master key from the operator instead of shipping one', () => {
    for (const name of APP_SERVICES) expect(envOf(name).SECRETS_MASTER_KEY).toMatch(/^\$\{SECRETS_MASTER_KEY:\?[^}]+\}$/);
    expect(() => interpolate(envOf('api').SECRETS_MASTER_KEY)).toThrow(/SECRETS_MASTER_KEY/);
  });

  it('shares the local secret store between api and worker on a named volume', () => {
    const declared = Object.keys(compose.volumes ?? {});
    const volumeAt = (name: string) => namedVolumes(name)[envOf(name).SECRETS_LOCAL_DIR];
    expect(volumeAt('api')).toBeDefined();
    expect(volumeAt('worker')).toBe(volumeAt('api'));
    expect(declared).toContain(volumeAt('api'));
    expect(envOf('worker').SECRETS_LOCAL_DIR).toBe(envOf('api').SECRETS_LOCAL_DIR);
  });

  it('shares the API rate-limit counters through the redis service', () => {
    expect(service('redis').image).toMatch(/^redis:/);
    expect(envOf('api').RATE_LIMIT_REDIS_URL).toBe('redis://redis:6379');
  });

  it('gives the worker longer to stop than it gives polls in flight, so a stop never SIGKILLs a poll mid-ingest', () => {
    const seconds = (d: string) => { const [, n, unit] = /^(\d+)(s|m)$/.exec(d) ?? []; return Number(n) * (unit === 'm' ? 60 : 1); };
    // The worker's own default applies unless compose sets the variable.
    const grace = Number(envOf('worker').WORKER_SHUTDOWN_GRACE_SECONDS || loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/x', SECRETS_MASTER_KEY: Buffer.alloc(32).toString('base64') }).worker.shutdownGraceSeconds);
    const stop = service('worker').stop_grace_period;
    expect(stop).toBeDefined();
    expect(seconds(stop!)).toBeGreaterThan(grace);
  });

  it('passes the API and the worker every billing setting the config requires once STRIPE_SECRET_KEY is set', () => {
    const billing = ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'STRIPE_PRICE_PRO', 'STRIPE_PRICE_ENTERPRISE', 'BILLING_SUCCESS_URL', 'BILLING_CANCEL_URL', 'RECEIPT_GRACE_SECONDS'];
    for (const name of ['api', 'worker']) {
      expect({ service: name, missing: billing.filter((v) => !(v in envOf(name))) }).toEqual({ service: name, missing: [] });
    }
  });

  it('starts services in dependency order', () => {
    expect(dependencies('temporal-schema')).toMatchObject({ postgresql: 'service_healthy' });
    expect(dependencies('temporal')).toMatchObject({ 'temporal-schema': 'service_completed_successfully' });
    expect(dependencies('temporal-namespace')).toMatchObject({ temporal: 'service_healthy' });
    expect(dependencies('migrate')).toMatchObject({ postgresql: 'service_healthy' });
    for (const name of ['api', 'worker']) {
      expect(dependencies(name)).toMatchObject({ migrate: 'service_completed_successfully', 'temporal-namespace': 'service_completed_successfully' });
    }
    expect(Object.keys(dependencies('temporal-ui'))).toContain('temporal');
  });

  it('has the health checks the start-up order waits on', () => {
    expect(words(service('postgresql').healthcheck?.test).join(' ')).toContain('pg_isready');
    expect(service('temporal').healthcheck?.test).toBeDefined();
    expect(words(service('api').healthcheck?.test).join(' ')).toContain('/health');
  });

  it('runs the Temporal server on the Postgres schema the schema job creates', () => {
    const env = envOf('temporal');
    expect(env).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql', BIND_ON_IP: '0.0.0.0', DYNAMIC_CONFIG_FILE_PATH: 'config/dynamicconfig/development-sql.yaml' });
    expect(env.POSTGRES_USER).toBe(envOf('temporal-schema').SQL_USER ?? envOf('postgresql').POSTGRES_USER);
    // The server image ships only docker.yaml: the dynamic config file must come from the repository.
    const mount = bindMounts('temporal').find(({ target }) => target === '/etc/temporal/config/dynamicconfig');
    expect(mount).toBeDefined();
    expect(existsSync(path.join(ROOT, mount!.source, 'development-sql.yaml'))).toBe(true);
  });

  it('creates and migrates both Temporal databases', () => {
    const text = jobText('temporal-schema');
    expect(text).toContain('temporal-sql-tool');
    expect(text).toMatch(/--plugin[ =]postgres12/);
    for (const step of ['create', 'setup-schema', 'update-schema']) expect(text).toContain(step);
    expect(text).toMatch(/\btemporal_visibility\b/);
    expect(text).toContain('/etc/temporal/schema/postgresql/v12');
    expect(text).toMatch(/temporal\/versioned/);
    expect(text).toMatch(/visibility\/versioned/);
  });

  it('registers the namespace and every search attribute from contracts/search-attributes.ts', () => {
    expect(envOf('temporal-namespace').TEMPORAL_ADDRESS).toBe('temporal:7233');
    const text = jobText('temporal-namespace');
    expect(text).toContain('temporal operator namespace create');
    expect(text).toContain('temporal operator search-attribute create');
    expect(text).toMatch(/already exists/i);
    for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) {
      const pair = new RegExp(`\\b${name}=${type}\\b|--name[ =]${name}\\s+--type[ =]${type}\\b`);
      expect({ name, type, registered: pair.test(text) }).toEqual({ name, type, registered: true });
    }
  });

  it('points the Temporal UI at the server', () => {
    expect(envOf('temporal-ui').TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('publishes only the API, the Temporal UI and optionally Temporal and Postgres on the host', () => {
    const allowed: Record<string, string[]> = { api: ['3000'], 'temporal-ui': ['8080'], temporal: ['7233'], postgresql: ['5432'] };
    for (const name of Object.keys(compose.services)) {
      expect({ name, ports: hostPorts(name).filter((p) => !(allowed[name] ?? []).includes(p)) }).toEqual({ name, ports: [] });
    }
    expect(hostPorts('api')).toContain('3000');
    expect(hostPorts('temporal-ui')).toContain('8080');
  });

  it('publishes nothing but the API port on every interface (the rest on loopback, if at all)', () => {
    for (const name of Object.keys(compose.services)) {
      expect({ name, network_mode: service(name).network_mode }).toEqual({ name, network_mode: undefined });
      const open = publishedOn(name).filter(({ port, hostIp }) => !['127.0.0.1', '::1'].includes(hostIp) && !(name === 'api' && port === '3000'));
      expect({ name, open }).toEqual({ name, open: [] });
    }
    expect(publishedOn('temporal-ui')).toEqual([{ port: '8080', hostIp: '127.0.0.1' }]);
    // Metrics listen on loopback inside their containers and are never published.
    for (const name of ['api', 'worker']) expect(envOf(name).METRICS_HOST ?? '').not.toBe('0.0.0.0');
  });

  it('interpolates only variables documented in .env.example (when it exists)', () => {
    const examplePath = path.join(ROOT, '.env.example');
    if (!existsSync(examplePath)) return;
    // Commented-out entries (`# NAME=`) count as documented optional settings.
    const documented = new Set([...readFileSync(examplePath, 'utf8').matchAll(/^\s*#?\s*(?:export\s+)?([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    const used = [...new Set([...composeText.replace(/\$\$/g, '').matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]))];
    expect(used.filter((name) => !documented.has(name))).toEqual([]);
  });
});

interface Instruction { keyword: string; args: string }

/** Dockerfile instructions with line continuations joined and comments dropped, split into stages. */
function dockerfileStages(text: string): { from: string; name?: string; instructions: Instruction[] }[] {
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const stages: { from: string; name?: string; instructions: Instruction[] }[] = [];
  for (const line of logical) {
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(line)!;
    if (keyword.toUpperCase() === 'FROM') {
      const [, from, name] = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(args)!;
      stages.push({ from, name, instructions: [] });
    } else if (stages.length) {
      stages[stages.length - 1].instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return stages;
}

describe('Dockerfile', () => {
  const stages = dockerfileStages(read('Dockerfile'));
  const byName = (name: string) => {
    const found = stages.find((s) => s.name === name);
    if (!found) throw new Error(`Dockerfile has no stage "${name}" (has: ${stages.map((s) => s.name).join(', ')})`);
    return found;
  };
  /** A target's instructions, inherited ones (FROM <stage>) first. */
  const chain = (name: string): Instruction[] => {
    const stage = byName(name);
    return [...(stages.some((s) => s.name === stage.from) ? chain(stage.from) : []), ...stage.instructions];
  };
  const args = (instructions: Instruction[], keyword: string) => instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
  /** ARG defaults, substituted into RUN lines. */
  const withArgs = (instructions: Instruction[]) => {
    const defaults = Object.fromEntries(args(instructions, 'ARG').map((a) => a.split('=')).filter((kv) => kv.length === 2));
    return args(instructions, 'RUN').map((r) => r.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (m, n: string) => defaults[n] ?? m));
  };
  const TARGETS = ['api', 'worker'];

  it('builds an api and a worker target, which compose uses', () => {
    for (const target of TARGETS) expect(byName(target)).toBeDefined();
    for (const name of APP_SERVICES) {
      const build = service(name).build;
      expect(typeof build === 'object' && TARGETS.includes(build.target ?? '')).toBe(true);
    }
    // `docker build .` without a target gets the API image.
    expect(stages[stages.length - 1].name).toBe('api');
  });

  it('compiles in a separate build stage and leaves the dev launcher out', () => {
    const build = stages.find((s) => !TARGETS.includes(s.name ?? '') && args(s.instructions, 'RUN').some((r) => /\bnpm run build\b/.test(r)));
    expect(build).toBeDefined();
    expect(args(build!.instructions, 'RUN').some((r) => /\bnpm ci\b/.test(r))).toBe(true);
    expect(args(build!.instructions, 'RUN').some((r) => /\brm -rf dist\/src\/dev\b/.test(r))).toBe(true);
    for (const target of TARGETS) {
      expect(args(chain(target), 'COPY').some((c) => new RegExp(`--from=${build!.name}\\b.*\\bdist\\b`).test(c))).toBe(true);
      // Sources, scripts/ (embedded Postgres) and src/dev never reach a runtime image.
      expect(args(chain(target), 'COPY').filter((c) => !/--from=/.test(c) && !/^(package\.json package-lock\.json|templates) /.test(c))).toEqual([]);
    }
  });

  it('starts every stage from an exact Node release of node:20-bookworm-slim', () => {
    const names = new Set(stages.map((s) => s.name));
    const bases = stages.map((s) => s.from).filter((from) => !names.has(from));
    expect(bases.length).toBeGreaterThan(0);
    // A tag of one release, optionally with its digest; never the moving node:20 or node:20-bookworm-slim.
    for (const from of bases) expect(from).toMatch(/^node:20\.\d+\.\d+-bookworm-slim(@sha256:[0-9a-f]{64})?$/);
  });

  it('uses one exact npm 11 wherever it installs, so "allowScripts" is honoured', () => {
    for (const stage of stages) {
      const commands = withArgs(chain(stage.name ?? ''));
      const install = commands.findIndex((r) => /\bnpm ci\b/.test(r));
      if (install < 0) continue;
      expect(commands.slice(0, install + 1).some((r) => /npm install -g npm@11\.\d+\.\d+(\s|$)/.test(r))).toBe(true);
    }
  });

  it.each(TARGETS)('installs nothing unpinned in the %s image: npm ci from the lockfile, production dependencies only, exact versions', (target) => {
    const runs = withArgs(chain(target));
    expect(runs.some((r) => /\bnpm ci\b.*--omit=dev/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm (ci|install|i)\b(?!.*--omit=dev)(?!.*-g\b)/.test(r))).toBe(false);
    for (const run of runs) {
      for (const [, packages] of run.matchAll(/npm (?:install|i) -g ([^&|;]+)/g)) {
        for (const pkg of packages.trim().split(/\s+/)) expect(pkg).toMatch(/^(@[^/]+\/)?[^@\s]+@\d+\.\d+\.\d+$/);
      }
      for (const [, packages] of run.matchAll(/apt-get install ([^&|;]+)/g)) {
        const names = packages.trim().split(/\s+/).filter((word) => !word.startsWith('-'));
        expect(names.length).toBeGreaterThan(0);
        expect({ run, unpinned: names.filter((name) => !/^[a-z0-9.+-]+=\S+$/.test(name)) }).toEqual({ run, unpinned: [] });
      }
      expect(run).not.toMatch(/\b(curl|wget|pip3? install|npx)\b/);
    }
    expect(args(chain(target), 'COPY').some((c) => /\btemplates\b/.test(c))).toBe(true);
  });

  it('gives the API image no browser', () => {
    const api = chain('api');
    expect(withArgs(api).filter((r) => /\bapt-get install\b|\bchromium\b/i.test(r))).toEqual([]);
    expect(args(api, 'ENV').join(' ')).not.toMatch(/CHROMIUM|PUPPETEER/);
  });

  it('installs Debian Chromium in the worker image for receipt PDFs instead of letting Puppeteer download one', () => {
    const worker = chain('worker');
    expect(withArgs(worker).some((r) => /apt-get install\b.*\bchromium=\S+/.test(r))).toBe(true);
    const env = args(worker, 'ENV').join(' ');
    expect(env).toMatch(/\bPUPPETEER_SKIP_DOWNLOAD=true\b/);
    expect(env).toMatch(/\bCHROMIUM_PATH=\/usr\/bin\/chromium\b/);
  });

  it.each([['api', 'start:api'], ['worker', 'start:worker']])('runs the %s image as the unprivileged node user with %s', (target, script) => {
    const users = args(chain(target), 'USER');
    expect(users[users.length - 1]).toBe('node');
    const cmd = args(chain(target), 'CMD');
    expect(JSON.parse(cmd[cmd.length - 1])).toEqual(packageJson.scripts[script].split(/\s+/));
  });

  it('keeps local state and dependencies out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim().replace(/^\/|\/$/g, ''));
    for (const entry of ['node_modules', 'dist', '.tools', '.data', '.git', 'coverage']) expect(ignored).toContain(entry);
  });
});
