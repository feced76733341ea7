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

const URL_MASKED: [line: string, expected: string][] = [
  ['postgres://admin:S3cret@db/prod', `postgres://admin:${MASK}@db/prod`],
  ['mysql://root:hunter2@127.0.0.1:3306/app', `mysql://root:${MASK}@127.0.0.1:3306/app`],
  ['redis://:p4ssw0rd@cache:6379/0', `redis://:${MASK}@cache:6379/0`],
  ['amqp://guest:gu%40st-pw@rabbit/vhost', `amqp://guest:${MASK}@rabbit/vhost`],
  ['mongodb+srv://app:Xy9$pw@cluster0.example.net/db', `mongodb+srv://app:${MASK}@cluster0.example.net/db`],
  ['http://proxyuser:proxypass@proxy.corp:3128', `http://proxyuser:${MASK}@proxy.corp:3128`],
  // An unencoded @ in the password: all of it goes, up to the host.
  ['postgres://admin:p@ss@db/prod', `postgres://admin:${MASK}@db/prod`],
  [
    'git clone https://x-access-token:ghs_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789@github.com/o/r.git',
    `git clone https://x-access-token:${MASK}@github.com/o/r.git`,
  ],
  ['https://oauth2:glpat-AbCdEfGhIjKlMnOpQrSt@gitlab.com/o/r', `https://oauth2:${MASK}@gitlab.com/o/r`],
  // A token as the whole user part.
  ['https://3f2a9c1d4e5b6a7980f1e2d3c4b5a697@github.com/o/r', `https://${MASK}@github.com/o/r`],
  [
    'fatal: unable to access "https://bob:Sup3rS3cret@git.example.com/r/": 403',
    `fatal: unable to access "https://bob:${MASK}@git.example.com/r/": 403`,
  ],
  ['DATABASE_URL=postgres://admin:S3cret@db/prod', `DATABASE_URL=postgres://admin:${MASK}@db/prod`],
];

const URL_KEPT: [name: string, line: string][] = [
  ['a plain URL with a port', 'listening on http://localhost:8080/api?x=1'],
  ['an ssh user', 'cloning ssh://git@github.com/org/repo.git and git@github.com:org/repo'],
  ['a short user name', 'open https://deploy@registry.example.com/v2/'],
  ['an email in a query', 'GET https://example.com/invite?email=bob@example.com'],
  ['an @ in the path', 'see https://www.npmjs.com/package/@scope/name@1.2.3'],
  ['an address in prose', 'mail admin:ops@example.com about it'],
];

const HEADER_MASKED: [line: string, expected: string][] = [
  ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig', `Authorization: Bearer ${MASK}`],
  ['authorization: bearer abc123', `authorization: bearer ${MASK}`],
  ['Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l', `Authorization: Basic ${MASK}`],
  ['Authorization: Basic YTpi', `Authorization: Basic ${MASK}`],
  ['Authorization: token ghx_notaknownformat123', `Authorization: token ${MASK}`],
  ['Authorization: Bot MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ', `Authorization: Bot ${MASK}`],
  ['Authorization: MyScheme c2VjcmV0LXZhbHVlLTEyMw==', `Authorization: MyScheme ${MASK}`],
  ['Authorization: 9f8e7d6c5b4a39281706', `Authorization: ${MASK}`],
  [
    'Authorization: Digest username="bob", realm="api", nonce="dcd98b", response="6629fae49393a053"',
    `Authorization: Digest username=${MASK}, realm=${MASK}, nonce=${MASK}, response=${MASK}`,
  ],
  [
    'Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, Signature=5d672d79',
    `Authorization: AWS4-HMAC-SHA256 Credential=${MASK}, Signature=${MASK}`,
  ],
  ['Proxy-Authorization: Basic dXNlcjpwYXNzd29yZA==', `Proxy-Authorization: Basic ${MASK}`],
  [
    `curl -H "Authorization: Bearer abc123" https://api.example.com/v1`,
    `curl -H "Authorization: Bearer ${MASK}" https://api.example.com/v1`,
  ],
  [
    '{"Authorization": "Token abc123def", "Accept": "json"}',
    `{"Authorization": "Token ${MASK}", "Accept": "json"}`,
  ],
  ["headers = {'authorization': 'Bearer xyz789'}", `headers = {'authorization': 'Bearer ${MASK}'}`],
  ['Cookie: session=abc123; theme=dark', `Cookie: session=${MASK}; theme=${MASK}`],
  ['cookie: _ga=GA1.2.3; sid=s%3Aabc.def', `cookie: _ga=${MASK}; sid=${MASK}`],
  [
    'Set-Cookie: sid=31d4d96e407aad42; Path=/; Secure; HttpOnly',
    `Set-Cookie: sid=${MASK}; Path=/; Secure; HttpOnly`,
  ],
  ['< set-cookie: token=deadbeef; Max-Age=3600', `< set-cookie: token=${MASK}; Max-Age=3600`],
  ['"Cookie": "a=1; b=2"', `"Cookie": "a=${MASK}; b=${MASK}"`],
];

const HEADER_KEPT: [name: string, line: string][] = [
  ['prose after the header name', 'authorization: failed for user bob'],
  ['a single word', 'Authorization: required'],
  ['a known scheme and a plain word', 'error 401: Authorization: token expired'],
  ['a header with no value', 'Authorization:'],
  ['a cookie without a value', 'cookie: none set'],
  ['a word that contains the name', 'the preauthorization: step and cookies: none'],
  ['an X- header', 'X-Cookie-Policy: strict'],
];

const ASSIGNMENT_MASKED: [line: string, expected: string][] = [
  ['AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG', `AWS_SECRET_ACCESS_KEY=${MASK}`],
  ['GITHUB_PAT=abcdef123456', `GITHUB_PAT=${MASK}`],
  ['NPM_AUTH=bnBtdG9rZW4=', `NPM_AUTH=${MASK}`],
  ['SENTRY_DSN=https://abc123@o1.ingest.sentry.io/1', `SENTRY_DSN=${MASK}`],
  ['SMTP_PASS: mailpass99', `SMTP_PASS: ${MASK}`],
  ['export SIGNING_KEY="k3y-material"', `export SIGNING_KEY="${MASK}"`],
  ['private_key: MIIEvQIBADANBg', `private_key: ${MASK}`],
];

const ASSIGNMENT_KEPT: [name: string, line: string][] = [
  ['token counts', 'usage: input_tokens: 1234, output_tokens: 567, cache_read_input_tokens: 0'],
  ['a numeric key count', 'MAX_KEY=4096 and RETRY_AUTH=3'],
  ['passwordless', 'passwordless: true, tokenizer: cl100k'],
  ['lower-case code using key names', 'cache_key = build(url_pat, session_cookie)'],
  ['an ordinary sentence', 'The session cookie and the private key are configured elsewhere.'],
];

describe('Redactor: credentials in URLs', () => {
  it.each(URL_MASKED)('masks the password of %s, keeping scheme, user and host', (line, expected) => {
    expect(patterns.redact(line)).toBe(expected);
  });

  it.each(URL_KEPT)('leaves %s untouched', (_name, line) => {
    expect(patterns.redact(line)).toBe(line);
  });
});

describe('Redactor: Authorization and Cookie headers', () => {
  it.each(HEADER_MASKED)('masks %s', (line, expected) => {
    expect(patterns.redact(line)).toBe(expected);
  });

  it.each(HEADER_KEPT)('leaves %s untouched', (_name, line) => {
    expect(patterns.redact(line)).toBe(line);
  });
});

describe('Redactor: secret-looking assignments', () => {
  it.each(ASSIGNMENT_MASKED)('masks %s', (line, expected) => {
    expect(patterns.redact(line)).toBe(expected);
  });

  it.each(ASSIGNMENT_KEPT)('leaves %s untouched', (_name, line) => {
    expect(patterns.redact(line)).toBe(line);
  });
});

describe('Redactor literals: which variable names count as secret', () => {
  const value = 'Zq7-literal-value-0001';

  it.each([
    'MY_API_KEY',
    'SERVICE_TOKEN',
    'CLIENT_SECRET',
    'DB_PASSWORD',
    'LDAP_PASSWD',
    'GCP_CREDENTIALS',
    'GITHUB_PAT',
    'NPM_AUTH',
    'SMTP_PASS',
    'DB_PWD',
    'SSH_PRIVATE_KEY_B64',
    'JIRA_COOKIE_JAR',
    'APP_SESSION_ID',
  ])('masks the value of %s', (name) => {
    expect(new Redactor({ [name]: value }).redact(`got ${value} back`)).toBe(`got ${MASK} back`);
  });

  it.each([
    'HOME',
    'EDITOR',
    'XDG_SESSION_TYPE',
    'DBUS_SESSION_BUS_ADDRESS',
    'KEYBOARD_LAYOUT',
    'PWD',
    'OLDPWD',
  ])('leaves the value of %s alone', (name) => {
    expect(new Redactor({ [name]: value }).redact(`got ${value} back`)).toBe(`got ${value} back`);
  });

  it('masks a URL value with credentials, and its password alone, whatever the name', () => {
    const redactor = new Redactor({
      DATABASE_URL: 'postgres://admin:Tr0ub4dor-3@db.internal:5432/prod',
      HTTPS_PROXY: 'http://me:pr0xy%21pass@proxy:3128',
    });
    expect(redactor.redact('connecting to postgres://admin:Tr0ub4dor-3@db.internal:5432/prod')).toBe(
      `connecting to ${MASK}`,
    );
    expect(redactor.redact('PGPASSWORD=Tr0ub4dor-3 psql')).toBe(`PGPASSWORD=${MASK} psql`);
    expect(redactor.redact('the password is Tr0ub4dor-3.')).toBe(`the password is ${MASK}.`);
    // The proxy's password both as written in the URL and decoded.
    expect(redactor.redact('pr0xy%21pass or pr0xy!pass')).toBe(`${MASK} or ${MASK}`);
  });

  it('does not treat a credential-free URL variable as a secret', () => {
    const redactor = new Redactor({ API_BASE_URL: 'https://api.example.com/v1' });
    expect(redactor.redact('calling https://api.example.com/v1/items')).toBe(
      'calling https://api.example.com/v1/items',
    );
  });
});

describe('Redactor: masking twice changes nothing, and JSON stays JSON', () => {
  const inputs = [...URL_MASKED, ...HEADER_MASKED, ...ASSIGNMENT_MASKED].map(([line]) => line);
  const kept = [...URL_KEPT, ...HEADER_KEPT, ...ASSIGNMENT_KEPT].map(([, line]) => line);

  // gaffer redacts each output line, and again where it prints (printLine): the second pass must be a no-op.
  it.each([...inputs, ...kept])('is idempotent on %s', (line) => {
    const once = patterns.redact(line);
    expect(patterns.redact(once)).toBe(once);
  });

  // `--json` lines are redacted as a whole: a mask must never swallow a quote, bracket or brace of the JSON.
  it.each(inputs)('keeps a JSON line holding %s parseable', (line) => {
    for (const text of [line, patterns.redact(line)]) {
      const json = JSON.stringify({ type: 'worker:output', line: text, attempt: 1 });
      const parsed = JSON.parse(patterns.redact(json)) as { type: string; line: string; attempt: number };
      expect(parsed.type).toBe('worker:output');
      expect(parsed.attempt).toBe(1);
      expect(parsed.line).toBe(patterns.redact(line));
    }
  });
});
