import { describe, expect, it } from 'vitest';
import { Redactor } from '../../src/util/redact.js';

const MASK = '[REDACTED]';
// No environment secrets: only the patterns apply.
const patterns = new Redactor({});

describe('Redactor patterns', () => {
  it.each([
    ['Anthropic key', 'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abc'],
    ['OpenAI project key', 'sk-proj-AbCdEfGhIjKlMnOpQrSt0123456789'],
    ['OpenAI key', 'sk-AbCdEfGhIjKlMnOpQrSt0123456789'],
    ['GitHub classic token', 'ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789'],
    ['GitHub OAuth token', 'gho_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789'],
    ['GitHub fine-grained token', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz'],
    ['AWS access key id', 'AKIAIOSFODNN7EXAMPLE'],
    ['Slack bot token', 'xoxb-1234567890-0987654321-AbCdEfGhIjKl'],
  ])('masks a bare %s', (_name, secret) => {
    const line = `using ${secret} for the request`;
    const redacted = patterns.redact(line);
    expect(redacted).toBe(`using ${MASK} for the request`);
    expect(redacted).not.toContain(secret.slice(-8));
  });

  it('masks a bearer token and keeps the scheme', () => {
    const redacted = patterns.redact('Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.signature');
    expect(redacted).toBe(`Authorization: Bearer ${MASK}`);
  });

  it.each([
    ['API_KEY=abc123def456ghi', `API_KEY=${MASK}`],
    ['export OPENAI_API_KEY="abc123def456ghi"', `export OPENAI_API_KEY="${MASK}"`],
    ['{"token": "abc123def456ghi", "user": "bob"}', `{"token": "${MASK}", "user": "bob"}`],
    ["password: 'hunter2hunter2'", `password: '${MASK}'`],
    ['client_secret=s3cr3t-value;next', `client_secret=${MASK};next`],
  ])('masks the value of an assignment: %s', (line, expected) => {
    expect(patterns.redact(line)).toBe(expected);
  });

  it('masks several secrets on one line', () => {
    const line = 'ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789 then AKIAIOSFODNN7EXAMPLE';
    expect(patterns.redact(line)).toBe(`${MASK} then ${MASK}`);
  });

  it.each([
    ['a commit SHA', 'merged at 3f2a9c1d4e5b6a7980f1e2d3c4b5a69788a7b6c5'],
    ['an abbreviated SHA', 'HEAD is now at 3f2a9c1d4e Add parser'],
    ['a file path', 'src/auth/token-store.ts:42:7 - error TS2322'],
    ['a secret-named path', 'wrote config/secrets/README.md'],
    ['the word token alone', 'the token was refreshed and the password prompt closed'],
    ['a short value', 'token=abc and API_KEY=xyz12'],
    ['an ordinary sk- word', 'task-runner-0123456789abcdefgh finished'],
    ['a diff stat', ' 3 files changed, 42 insertions(+), 7 deletions(-)'],
    ['empty text', ''],
  ])('leaves %s untouched', (_name, line) => {
    expect(patterns.redact(line)).toBe(line);
  });
});

describe('Redactor literals from the environment', () => {
  it('masks the literal value of a secret-named variable wherever it appears', () => {
    const redactor = new Redactor({ MY_SERVICE_TOKEN: 'abcdefgh12345' });
    expect(redactor.redact('curl https://svc/?k=abcdefgh12345 failed; retry abcdefgh12345')).toBe(
      `curl https://svc/?k=${MASK} failed; retry ${MASK}`,
    );
    // Without the env it is ordinary text: the literal is what caught it.
    expect(patterns.redact('retry abcdefgh12345')).toBe('retry abcdefgh12345');
  });

  it('masks the longer of two overlapping secrets whole', () => {
    const redactor = new Redactor({ A_KEY: 'abcdefgh', B_KEY: 'abcdefgh-and-more' });
    expect(redactor.redact('x abcdefgh-and-more y abcdefgh z')).toBe(`x ${MASK} y ${MASK} z`);
  });

  it('ignores variables that are not secrets and values too short to be one', () => {
    const redactor = new Redactor({
      HOME: '/home/someone',
      PATH: '/usr/local/bin:/usr/bin',
      SHORT_TOKEN: 'abc',
      EMPTY_SECRET: '',
    });
    const line = 'cd /home/someone && PATH=/usr/local/bin:/usr/bin abc';
    expect(redactor.redact(line)).toBe(line);
  });
});
