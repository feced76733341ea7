/**
 * Redaction of secrets from everything gaffer prints or stores: agent output
 * (log files, ring buffers, events), check output and error messages.
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
// an all-digit value is a count, not a secret.
const assignment =
  /\b([A-Za-z0-9_]*(?:api[_-]?key|token|secret|password|passwd))(["']?\s*[:=]\s*["']?)(?!\d+\b)([^\s"',;]{6,})/gi;
const bearer = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{12,}/g;

const SECRET_ENV_NAME = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)$/i;

export class Redactor {
  private readonly literals: string[];

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.literals = Object.entries(env)
      .filter(([name, value]) => SECRET_ENV_NAME.test(name) && typeof value === 'string' && value.length >= 8)
      .map(([, value]) => value as string)
      .sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let result = text;
    for (const literal of this.literals) {
      if (result.includes(literal)) result = result.split(literal).join(MASK);
    }
    for (const pattern of tokenPatterns) result = result.replace(pattern, MASK);
    result = result.replace(bearer, (_match, scheme: string) => `${scheme} ${MASK}`);
    return result.replace(
      assignment,
      (_match, name: string, separator: string) => `${name}${separator}${MASK}`,
    );
  }
}

let shared: Redactor | undefined;

/** Redacts with the secrets of this process's environment. */
export function redact(text: string): string {
  shared ??= new Redactor();
  return shared.redact(text);
}
