import { DEFAULT_BASE_URL, parseOptions } from '../../../mcp/src/options';

const KEY = { CARBONPLAN_API_KEY: 'cp_live_abcdefghijklmnopqrstuvwxyz' };

describe('carbonplan-mcp options', () => {
  it('serves stdio by default, against the local API, read-only', () => {
    expect(parseOptions([], KEY)).toEqual({
      kind: 'run', warnings: [],
      options: { transport: 'stdio', port: undefined, host: '127.0.0.1', isWriteAllowed: false, apiKey: KEY.CARBONPLAN_API_KEY, baseUrl: DEFAULT_BASE_URL },
    });
    expect(DEFAULT_BASE_URL).toBe('http://127.0.0.1:3000');
  });

  it('serves HTTP on loopback unless --host says otherwise, and takes the base URL from the environment', () => {
    const parsed = parseOptions(['--http', '8080', '--allow-writes'], { ...KEY, CARBONPLAN_BASE_URL: 'https://api.example.test/' });
    expect(parsed).toMatchObject({ kind: 'run', options: { transport: 'http', port: 8080, host: '127.0.0.1', isWriteAllowed: true, baseUrl: 'https://api.example.test' } });
    expect(parseOptions(['--http', '0', '--host', '0.0.0.0'], KEY)).toMatchObject({ options: { port: 0, host: '0.0.0.0' } });
  });

  it.each([
    [['--http'], {}, '--http needs a value'],
    [['--http', '70000'], {}, '--http needs a port number 0-65535, not "70000"'],
    [['--http', '--allow-writes'], KEY, '--http needs a value'],
    [['--host', 'localhost'], {}, '--host applies to --http PORT only (stdio binds nothing)'],
    [['--allow-writes'], {}, '--allow-writes needs CARBONPLAN_API_KEY (sync_connection acts for an organization); set it to an organization API key'],
    [[], { CARBONPLAN_BASE_URL: 'ftp://files.example' }, 'CARBONPLAN_BASE_URL must be an http(s) URL, not ftp:'],
    [['stdio'], {}, 'unknown argument stdio'],
  ])('%j with %j is refused: %s', (argv, env, message) => {
    expect(parseOptions(argv, env)).toEqual({ kind: 'error', message });
  });

  it('warns, without refusing, when the key is missing or does not look like an organization API key', () => {
    expect(parseOptions([], {})).toMatchObject({ kind: 'run', warnings: [expect.stringMatching(/^CARBONPLAN_API_KEY is not set: estimate_emissions and verify_receipt work/)] });
    expect(parseOptions([], { CARBONPLAN_API_KEY: 'sk-proj-openai-key' })).toMatchObject({ kind: 'run', warnings: [expect.stringContaining('does not look like an organization API key')] });
    expect(parseOptions([], { CARBONPLAN_API_KEY: '  ' })).toMatchObject({ options: { apiKey: undefined } });
  });

  it('answers --help', () => {
    expect(parseOptions(['--http', '1', '--help'], {})).toEqual({ kind: 'help' });
  });
});
