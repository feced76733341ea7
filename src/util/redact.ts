/**
 * Redaction of secrets from everything gaffer prints or stores: agent output
 * (log files, ring buffers, events), check output and error messages.
 *
 * Two kinds of knowledge: the literal values of this process's secret-looking
 * environment variables (exact, wherever they appear), and patterns for what
 * a secret looks like in text (known token formats, `NAME=value` with a
 * secret-sounding name, credentials in URLs, Authorization and Cookie
 * headers). The patterns must never hit ordinary words or counts
 * (`input_tokens: 1234`, `passwordless`): a log full of masks is unreadable.
 */
const MASK = '[REDACTED]';

const tokenPatterns: readonly RegExp[] = [
  /\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{16,}/g, // Anthropic / OpenAI keys
  /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}/g, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /\bglpat-[A-Za-z0-9_-]{20,}/g, // GitLab
  /\bAKIA[0-9A-Z]{16}\b/g, // AWS access key ids
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g, // Slack
  /\bAIza[0-9A-Za-z_-]{35}\b/g, // Google API keys
];

// `API_KEY=...`, `"token": "..."`, `Authorization: Bearer ...`: keep the name, hide the value.
// The name must end in the keyword (`ACCESS_TOKEN=`, not `input_tokens:` or `passwordless:`), and
// an all-digit value is a count, not a secret. Not inside a URL's user info
// (`https://x-access-token:...@host`): urlCredentials masks the password and keeps the host.
// (The look-behind comes after the keyword, so it only runs where a keyword matched.)
const assignment =
  /\b([A-Za-z0-9_]*(?:api[_-]?key|access[_-]?key|secret[_-]?key|private[_-]?key|token|secret|password|passwd))(?<!\/\/[^\s/@]*)((?:\\?["'])?\s*[:=]\s*(?:\\?["'])?)(?!\d+\b)([^\s"',;\\]{6,})/gi;
// Environment-style names only (upper case, so `cache_key = ...` or `url_pat = ...` in code stay):
// `SIGNING_KEY=`, `GITHUB_PAT=`, `NPM_AUTH=`, `SENTRY_DSN=`, `SMTP_PASS=`, `SESSION_COOKIE=`.
const envAssignment =
  /\b([A-Z][A-Z0-9_]*_(?:KEY|PAT|AUTH|DSN|PASS|PWD|COOKIE|SESSION(?:_ID)?))(?<!\/\/[^\s/@]*)((?:\\?["'])?\s*[:=]\s*(?:\\?["'])?)(?!\d+\b)([^\s"',;\\]{6,})/g;
const bearer = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{12,}/g;

/**
 * Credentials in a URL's user info: `postgres://admin:S3cret@db/prod` keeps
 * scheme, user and host and loses the password; a user part alone is masked
 * only when it looks like a token (`https://<token>@host`), never `ssh://git@host`.
 */
const urlCredentials = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/?#@"'<>]*)(?::([^\s/?#"'<>]+))?@(?=[^\s/?#@"'<>])/gi;

/**
 * An Authorization, Proxy-Authorization, Cookie or Set-Cookie header: as
 * `Name: value` in a dump or curl line, or `"Name": "value"` in JSON or a dict.
 * Only the start is matched here; maskHeader finds where the value ends.
 */
const headerStart =
  /(?<![\w-])(proxy-authorization|authorization|set-cookie|cookie)((?:\\?["'])?\s*[:=]\s*)((?:\\?["'])?)/gi;
/**
 * A parameter's or a cookie's value: quoted (`"..."`, or `\"...\"` inside JSON text) or a
 * token. Never a bare quote, so a mask cannot swallow the quote that closes a JSON string.
 */
const PARAM_VALUE = String.raw`\\?"[^"\r\n]*?\\?"|[^\s,;"'\\]+`;
const AUTH_PARAM = new RegExp(String.raw`([A-Za-z0-9_-]+)(\s*=\s*)(?:${PARAM_VALUE})`, 'g');
const COOKIE_PAIR = new RegExp(String.raw`(^|;)(\s*)([^=;\s"']+)=(${PARAM_VALUE}|)`, 'g');
/** Schemes whose credential is masked whatever it looks like. */
const AUTH_SCHEME =
  /^(?:basic|bearer|digest|token|negotiate|ntlm|oauth|hoba|mutual|vapid|scram-sha-1|scram-sha-256|aws4-hmac-sha256|dpop|gnap|privatetoken|bot|apikey|api-key|key|jwt|sso-key|ssws|splunk|hawk|googlelogin)$/i;

/** Variables whose value is a secret: the name says so. */
const SECRET_ENV_NAME =
  /(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?|_PAT|_AUTH|_PASS|_PWD)$|PRIVATE_KEY|COOKIE|SESSION/i;
/** Session-named variables of desktop and terminal sessions: never secrets, often long. */
const HARMLESS_ENV_NAME = /^(?:XDG_|DBUS_|DESKTOP_SESSION$|GDMSESSION$|SESSION_MANAGER$|TERM_SESSION_ID$)/i;
/** The password of a URL inside a value (`DATABASE_URL`, `HTTPS_PROXY`, any name). */
const URL_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*:([^\s/?#]+)@/gi;
/** Shorter values are too likely to appear in ordinary text by chance. */
const MIN_LITERAL = 8;

export class Redactor {
  private readonly literals: string[];

  constructor(env: NodeJS.ProcessEnv = process.env) {
    const literals = new Set<string>();
    for (const [name, value] of Object.entries(env)) {
      if (typeof value !== 'string') continue;
      const passwords = [...value.matchAll(URL_PASSWORD)].map((match) => match[1] ?? '');
      // A value that carries URL credentials is a secret whatever its name.
      const secretName = SECRET_ENV_NAME.test(name) && !HARMLESS_ENV_NAME.test(name);
      if (secretName || passwords.length > 0) literals.add(value);
      for (const password of passwords) {
        literals.add(password);
        literals.add(safeDecode(password));
      }
    }
    this.literals = [...literals]
      .filter((literal) => literal.length >= MIN_LITERAL)
      .sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let result = text;
    for (const literal of this.literals) {
      if (result.includes(literal)) result = result.split(literal).join(MASK);
    }
    for (const pattern of tokenPatterns) result = result.replace(pattern, MASK);
    result = result.replace(urlCredentials, maskUrlCredentials);
    result = maskHeaders(result);
    result = result.replace(bearer, (_match, scheme: string) => `${scheme} ${MASK}`);
    result = result.replace(
      envAssignment,
      (_match, name: string, separator: string) => `${name}${separator}${MASK}`,
    );
    return result.replace(
      assignment,
      (_match, name: string, separator: string) => `${name}${separator}${MASK}`,
    );
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function maskUrlCredentials(
  match: string,
  scheme: string,
  user: string,
  password: string | undefined,
): string {
  if (password !== undefined) return `${scheme}${user}:${MASK}@`;
  return looksLikeToken(user) ? `${scheme}${MASK}@` : match;
}

/** A user name that is really a credential: long, or long enough and holding digits. */
function looksLikeToken(text: string): boolean {
  if (text === MASK) return false;
  return text.length >= 32 || (text.length >= 16 && /\d/.test(text));
}

/** A lone header value that is a credential rather than a word (`Authorization: required`). */
function looksLikeCredential(text: string): boolean {
  return text.length >= 24 || (text.length >= 8 && /[0-9+/=_~.-]/.test(text));
}

function maskHeaders(text: string): string {
  let out = '';
  let from = 0;
  headerStart.lastIndex = 0;
  for (let match = headerStart.exec(text); match !== null; match = headerStart.exec(text)) {
    const [whole, name = '', , quote = ''] = match;
    const valueStart = match.index + whole.length;
    const valueEnd = endOfValue(text, valueStart, quote);
    const value = text.slice(valueStart, valueEnd);
    const masked = /cookie/i.test(name) ? maskCookie(value, /^set-/i.test(name)) : maskAuthorization(value);
    out += text.slice(from, valueStart) + masked;
    from = valueEnd;
    headerStart.lastIndex = Math.max(valueEnd, headerStart.lastIndex);
  }
  return from === 0 ? text : out + text.slice(from);
}

/**
 * A quoted value ends at its closing quote (escaped quotes skipped), one quoted inside JSON
 * text (`\"`) at the next `\"`, and a bare one at the end of the line.
 */
function endOfValue(text: string, start: number, quote: string): number {
  if (quote.length === 2) {
    const close = text.indexOf(quote, start);
    const line = /[\r\n]/.exec(text.slice(start))?.index;
    const end = line === undefined ? text.length : start + line;
    return close === -1 ? end : Math.min(close, end);
  }
  for (let i = start; i < text.length; i += 1) {
    const char = text[i];
    if (char === '\n' || char === '\r') return i;
    if (quote !== '' && char === '\\') i += 1;
    else if (quote !== '' && char === quote) return i;
  }
  return text.length;
}

function maskAuthorization(value: string): string {
  const parts = /^(\s*)([^\s"',;\\]+)(\s+)(.*)$/s.exec(value);
  if (parts === null) {
    // One word: a credential without a scheme, or prose (`authorization: required`).
    const single = /^(\s*)([^\s"',;\\]+)(.*)$/s.exec(value);
    if (single === null) return value;
    const [, lead = '', word = '', rest = ''] = single;
    return word !== MASK && looksLikeCredential(word) ? `${lead}${MASK}${rest}` : value;
  }
  const [, lead = '', scheme = '', gap = '', rest = ''] = parts;
  // Parameters (Digest, AWS4-HMAC-SHA256: `Credential=..., Signature=...`): every value goes,
  // and nothing else, so a closing quote after them (JSON, a curl line) stays where it was.
  if (/^[A-Za-z0-9_-]+\s*=\s*[^\s=,;]/.test(rest))
    return `${lead}${scheme}${gap}${rest.replace(AUTH_PARAM, (_match, name: string, equals: string) => `${name}${equals}${MASK}`)}`;
  const credential = /^[^\s"',;\\]+/.exec(rest)?.[0] ?? '';
  if (credential === '' || credential === MASK) return value;
  // A known scheme's credential goes unless it is a plain word (`Authorization: token expired`).
  const secret = AUTH_SCHEME.test(scheme)
    ? !/^[a-z]+$/.test(credential) || credential.length >= 16
    : looksLikeCredential(credential);
  if (!secret) return value;
  return `${lead}${scheme}${gap}${MASK}${rest.slice(credential.length)}`;
}

/** Cookie: every value; Set-Cookie: the cookie's own value, not its attributes (Path, Expires...). */
function maskCookie(value: string, setCookie: boolean): string {
  let first = true;
  return value.replace(
    COOKIE_PAIR,
    (match, separator: string, space: string, name: string, cookie: string) => {
      const secret = !setCookie || first;
      first = false;
      if (!secret || cookie.trim() === '' || cookie === MASK) return match;
      return `${separator}${space}${name}=${MASK}`;
    },
  );
}

let shared: Redactor | undefined;

/** Redacts with the secrets of this process's environment. */
export function redact(text: string): string {
  shared ??= new Redactor();
  return shared.redact(text);
}
