import { compileGlob } from '../../../src/emissions';

describe('compileGlob', () => {
  it('is anchored at both ends', () => {
    const glob = compileGlob('gpt-4o*');
    expect(glob.test('gpt-4o')).toBe(true);
    expect(glob.test('gpt-4o-mini')).toBe(true);
    expect(glob.test('chatgpt-4o')).toBe(false);
    expect(glob.test('x-gpt-4o')).toBe(false);
  });

  it('matches exactly when the pattern has no *', () => {
    const glob = compileGlob('gpt-4');
    expect(glob.test('gpt-4')).toBe(true);
    expect(glob.test('gpt-4-turbo')).toBe(false);
    expect(glob.test('gpt-40')).toBe(false);
    expect(glob.test('xgpt-4')).toBe(false);
  });

  it('lets * cross dots and dashes, and match the empty string', () => {
    const glob = compileGlob('gpt-5.*-mini*');
    expect(glob.test('gpt-5.1-codex-mini')).toBe(true);
    expect(glob.test('gpt-5.1-mini')).toBe(true);
    expect(glob.test('gpt-5.2.3-x-y-mini-2026')).toBe(true);
    expect(glob.test('gpt-5-mini')).toBe(false);
    expect(compileGlob('*').test('')).toBe(true);
    expect(compileGlob('*').test('anything.at-all:free')).toBe(true);
  });

  it('handles * in the middle and at the start', () => {
    expect(compileGlob('*-405b*').test('hermes-3-llama-3.1-405b')).toBe(true);
    expect(compileGlob('*-405b*').test('405b')).toBe(false);
    expect(compileGlob('gemini-*-pro*').test('gemini-2.5-pro-preview')).toBe(true);
    expect(compileGlob('gemini-*-pro*').test('gemini-pro')).toBe(false);
  });

  it('treats . and other regex metacharacters literally', () => {
    const glob = compileGlob('gpt-4.1*');
    expect(glob.test('gpt-4.1-mini')).toBe(true);
    expect(glob.test('gpt-4x1')).toBe(false);
    expect(compileGlob('a+b').test('aab')).toBe(false);
    expect(compileGlob('a+b').test('a+b')).toBe(true);
    expect(compileGlob('q(1)?').test('q(1)?')).toBe(true);
    expect(compileGlob('q(1)?*').test('q1')).toBe(false);
  });

  it('is case-sensitive (ids are lowercased before matching)', () => {
    expect(compileGlob('gpt-4o*').test('GPT-4o')).toBe(false);
  });

  it('keeps its source pattern', () => {
    expect(compileGlob('claude-3-haiku*').pattern).toBe('claude-3-haiku*');
  });
});
