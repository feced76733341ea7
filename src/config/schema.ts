import { z } from 'zod';
import { HOOK_EVENT_NAMES } from '../controller/hook-events.js';
import { PARSER_NAMES } from '../health/parsers/types.js';
import {
  branchNameProblem,
  branchSetProblems,
  describeBadBranchName,
  type BranchRole,
} from './branch-names.js';

/**
 * The config file format (gaffer.json / config.example.json). Defaults live
 * here, so a parsed Config is always complete; paths stay as written and the
 * loader resolves them (see resolveConfigPaths).
 */

const envField = z.record(z.string(), z.string()).default({});
const argsField = z.array(z.string()).default([]);
const modelField = z.string().min(1).optional();

/**
 * Variables of gaffer's own environment an agent gets besides the base
 * allowlist (src/workers/agent-env.ts); `NAME_*` is a prefix. The defaults are
 * what each real CLI needs to find its key; a given list replaces them.
 */
export const DEFAULT_PASS_ENV = {
  scripted: [],
  claude: [
    'ANTHROPIC_API_KEY',
    'ANTHROPIC_AUTH_TOKEN',
    'ANTHROPIC_BASE_URL',
    'ANTHROPIC_MODEL',
    'CLAUDE_CONFIG_DIR',
    'CLAUDE_CODE_*',
  ],
  codex: ['CODEX_API_KEY', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'CODEX_HOME'],
  aider: ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'OPENROUTER_API_KEY', 'AIDER_*'],
  command: [],
} as const satisfies Record<string, readonly string[]>;

function passEnvField(kind: keyof typeof DEFAULT_PASS_ENV) {
  return z
    .array(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*\*?$/, {
        error: 'must be a variable name like "MY_API_KEY", or a prefix ending in "*" like "AIDER_*"',
      }),
    )
    .default(() => [...DEFAULT_PASS_ENV[kind]]);
}

/** Node's setTimeout holds a signed 32-bit delay: a longer one fires at once, not late. */
export const MAX_TIMER_MS = 2_147_483_647;

/** A delay in ms that a timer can hold; `min` is the smallest allowed. */
export function timerMs(min: number) {
  return z
    .int()
    .min(min)
    .max(MAX_TIMER_MS, {
      error: `must be at most ${MAX_TIMER_MS} ms (${(MAX_TIMER_MS / 86_400_000).toFixed(2)} days): a Node timer cannot wait longer and would fire at once`,
    });
}

/** Agents that are real CLIs we know the flags of; `command` overrides the binary. */
function knownCliAgent<K extends 'claude' | 'codex' | 'aider'>(
  kind: K,
  command: string,
  autoCommit: boolean,
) {
  return z.strictObject({
    kind: z.literal(kind),
    command: z.string().min(1).default(command),
    args: argsField,
    model: modelField,
    env: envField,
    passEnv: passEnvField(kind),
    autoCommit: z.boolean().default(autoCommit),
  });
}

export const AgentSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('scripted'),
    env: envField,
    passEnv: passEnvField('scripted'),
    autoCommit: z.boolean().default(false),
  }),
  // claude and codex leave their edits uncommitted; aider commits by itself.
  knownCliAgent('claude', 'claude', true),
  knownCliAgent('codex', 'codex', true),
  knownCliAgent('aider', 'aider', false),
  z.strictObject({
    kind: z.literal('command'),
    command: z.string().min(1),
    args: argsField,
    prompt: z.enum(['stdin', 'file', 'arg']).default('stdin'),
    // How its output is read: plain text, Claude Code's stream-json events, or Codex's jsonl events.
    output: z.enum(['text', 'stream-json', 'jsonl']).default('text'),
    env: envField,
    passEnv: passEnvField('command'),
    autoCommit: z.boolean().default(false),
  }),
]);

/**
 * Checks run without a shell so arguments are never re-split or expanded;
 * a string here is almost always a shell line that needs splitting.
 */
const argvField = z
  .array(z.string(), {
    error: (issue) => {
      if (issue.code !== 'invalid_type' || typeof issue.input !== 'string') return undefined;
      return `expected an argv array like ["npm","test"], never a shell string: ${suggestArgv(issue.input)}`;
    },
  })
  .min(1, { error: 'must name at least the program to run, like ["npm","test"]' })
  .refine((argv) => argv[0] !== '', { error: 'the program (first element) must not be empty', path: [0] });

function suggestArgv(line: string): string {
  if (/[|&;<>()$`\\"'*?~]/.test(line)) {
    return `write each argument as its own string, or ["sh","-c",${JSON.stringify(line)}] if it needs a shell`;
  }
  return `write ${JSON.stringify(line.trim().split(/\s+/))}`;
}

/** A path inside the repository: relative, no `..`, not into `.git`. */
const repoRelativePath = z
  .string()
  .min(1)
  .superRefine((file, ctx) => {
    const problem = repoPathProblem(file);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });

function repoPathProblem(file: string): string | undefined {
  if (file.startsWith('/') || /^[A-Za-z]:[\\/]/.test(file)) {
    return `"${file}" is absolute: write it relative to the repository, like ".env"`;
  }
  const parts = file.split(/[\\/]/).filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) return `"${file}" leaves the repository ("..")`;
  if (parts.length === 0) return `"${file}" names the repository itself: name a file in it, like ".env"`;
  if (parts[0] === '.git') return `"${file}" is inside .git: name a file of the work tree, like ".env"`;
  return undefined;
}

export const CheckSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9._-]+$/, { error: 'may only contain letters, digits, ".", "_" and "-"' }),
  command: argvField,
  timeoutMs: timerMs(1).default(600_000),
  // A non-gating check is measured in health snapshots but never blocks a merge.
  gate: z.boolean().default(true),
  // Which tool's output format to read counts and failing names from; exit-code reads none.
  parser: z.enum(PARSER_NAMES).default('exit-code'),
});

export const ChecksSchema = z.array(CheckSchema).superRefine((checks, ctx) => {
  const firstIndex = new Map<string, number>();
  checks.forEach((check, index) => {
    const first = firstIndex.get(check.name);
    if (first === undefined) {
      firstIndex.set(check.name, index);
      return;
    }
    ctx.addIssue({
      code: 'custom',
      path: [index, 'name'],
      message: `duplicate check name "${check.name}" (also used by checks.${first}); check names must be unique, rename one`,
    });
  });
});

/** A branch name git accepts and gaffer can pass to git unambiguously (see branch-names.ts). */
function branchField(role: BranchRole, fallback: string) {
  return z
    .string()
    .min(1)
    .superRefine((name, ctx) => {
      const problem = branchNameProblem(name);
      if (problem !== undefined)
        ctx.addIssue({ code: 'custom', message: describeBadBranchName(role, name, problem) });
    })
    .default(fallback);
}

export const BranchesSchema = z
  .strictObject({
    base: branchField('base', 'main'),
    working: branchField('working', 'gaffer/working'),
    green: branchField('green', 'gaffer/green'),
  })
  .superRefine((branches, ctx) => {
    for (const { role, message } of branchSetProblems(branches)) {
      ctx.addIssue({ code: 'custom', path: [role], message });
    }
  });

/** A name that reads well in a slot's label, a log line and a file name. */
const hostName = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[A-Za-z0-9._-]+$/, { error: 'may only contain letters, digits, ".", "_" and "-"' })
  .refine((name) => name !== 'local', {
    error: '"local" names this machine\'s own slots: pick another name',
  });

/**
 * A worker host reached over SSH: attempts run there, in a workspace per slot
 * under `workdir`; the store, the merge queue and the checks stay local.
 */
export const HostSchema = z.strictObject({
  name: hostName,
  // user@host (or a Host alias of ~/.ssh/config); key authentication only, never a password.
  ssh: z
    .string()
    .min(1)
    .regex(/^(?:[A-Za-z0-9._-]+@)?[A-Za-z0-9.:_-]+$/, {
      error: 'must be "user@host" (or a host name), like "dev@build-1.example.com"',
    }),
  port: z.int().min(1).max(65_535).default(22),
  identityFile: z.string().min(1).optional(),
  // Where the host's key is looked up; ssh's own known_hosts files when absent. Never learned on the fly.
  knownHostsFile: z.string().min(1).optional(),
  slots: z.int().min(1).max(64).default(1),
  workdir: z.string().refine((dir) => dir.startsWith('/'), {
    error: 'must be an absolute path on the host, like "/home/dev/gaffer"',
  }),
  // Variables the host's attempts get over the agent's (a PATH where the host keeps its CLIs).
  env: envField,
  // Names a unit's `host` may ask for besides the host's name.
  labels: z.array(hostName).default([]),
  forwardAgent: z.boolean().default(false),
  // The connection is given up after aliveCountMax keepalives of aliveIntervalSec go unanswered.
  aliveIntervalSec: z.int().min(1).max(300).default(5),
  aliveCountMax: z.int().min(1).max(20).default(3),
});

export const HostsSchema = z.array(HostSchema).superRefine((hosts, ctx) => {
  const firstIndex = new Map<string, number>();
  hosts.forEach((host, index) => {
    const first = firstIndex.get(host.name);
    if (first === undefined) firstIndex.set(host.name, index);
    else
      ctx.addIssue({
        code: 'custom',
        path: [index, 'name'],
        message: `duplicate host name "${host.name}" (also used by hosts.${first}); host names must be unique, rename one`,
      });
  });
});

export const ConfigSchema = z
  .strictObject({
    repo: z.string().min(1).default('.'),
    plan: z.string().min(1).optional(),
    branches: BranchesSchema.prefault({}),
    stateDir: z.string().min(1).default('.gaffer'),
    concurrency: z.int().min(1).max(64).default(2),
    // This machine's attempt slots; `concurrency` when not given. 0 runs every attempt on the hosts.
    local: z.strictObject({ slots: z.int().min(0).max(64).optional() }).prefault({}),
    // Worker hosts reached over SSH (see HostSchema).
    hosts: HostsSchema.default([]),
    maxAttempts: z.int().min(1).max(20).default(3),
    attemptTimeoutMs: timerMs(1000).default(1_800_000),
    killGraceMs: timerMs(0).default(2000),
    agent: AgentSchema.prefault({ kind: 'scripted' }),
    checks: ChecksSchema.default([]),
    rounds: z.strictObject({ max: z.int().min(1).max(1000).default(3) }).prefault({}),
    // An agent that shows only retry or reconnect events this long is ended as infrastructure (no strike).
    stallMs: timerMs(1000).default(300_000),
    // An infrastructure failure (rate limit, overload, stall) waits this long before the unit runs again; doubled each time in a row.
    retryBackoffMs: timerMs(0).default(30_000),
    // A retry after a rejected merge or a failed check resumes the agent's session where the tool can.
    warmRetry: z.boolean().default(true),
    // Cost and token limits; at a limit no new attempt starts, and running ones finish or are ended.
    budget: z
      .strictObject({
        perUnitUsd: z.number().positive().optional(),
        perRunUsd: z.number().positive().optional(),
        perUnitTokens: z.int().positive().optional(),
        perRunTokens: z.int().positive().optional(),
        onLimit: z.enum(['finish', 'stop']).default('finish'),
      })
      .prefault({}),
    // Commands run in each new workspace before its agent (argv arrays, no shell); a failure is infrastructure.
    setup: z.array(argvField).default([]),
    setupTimeoutMs: timerMs(1000).default(600_000),
    // Untracked files of the repository (such as .env) copied into each workspace, as paths relative to it.
    copyFiles: z.array(repoRelativePath).default([]),
    // Commands run on events (argv arrays, the event as JSON on stdin); never awaited by the run.
    hooks: z
      .record(z.string(), z.array(argvField))
      .superRefine((hooks, ctx) => {
        for (const name of Object.keys(hooks)) {
          if ((HOOK_EVENT_NAMES as readonly string[]).includes(name)) continue;
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `no event is called ${JSON.stringify(name)}; hooks can run on: ${HOOK_EVENT_NAMES.join(', ')}`,
          });
        }
      })
      .default({}),
    hookTimeoutMs: timerMs(100).default(10_000),
    // A terminal bell and/or an OSC 9 desktop notification when the run ends or a unit needs the operator.
    notify: z
      .strictObject({ bell: z.boolean().default(false), desktop: z.boolean().default(false) })
      .prefault({}),
    // Candidates verified together (searched on failure); 1 is serial. Verifiers check prefixes of the
    // stack at once, each in a workspace of its own (speculative: candidate k on top of 1..k-1).
    merge: z
      .strictObject({
        batchSize: z.int().min(1).max(64).default(1),
        verifiers: z.int().min(1).max(16).default(1),
        // A lone candidate's failure is run once more before it is called red (flaky checks land, said).
        confirmFailures: z.boolean().default(true),
      })
      .prefault({}),
    // The agent that writes a plan from an objective (`gaffer plan --objective`); its agent defaults to `agent`.
    planner: z
      .strictObject({
        agent: AgentSchema.optional(),
        maxUnits: z.int().min(1).max(500).default(100),
        timeoutMs: timerMs(1000).default(600_000),
      })
      .prefault({}),
    // Proposed units: from health, from handoffs and from an optional discovery agent (none when `agent` is absent).
    discovery: z
      .strictObject({
        mode: z.enum(['auto', 'confirm', 'off']).default('confirm'),
        maxPerRound: z.int().min(1).max(100).default(5),
        agent: AgentSchema.optional(),
        timeoutMs: timerMs(1000).default(600_000),
        fromHealth: z.boolean().default(true),
        fromHandoffs: z.boolean().default(true),
      })
      .prefault({}),
    // A unit that repairs a red working branch: proposed, added by itself, or never.
    fixup: z.enum(['off', 'propose', 'auto']).default('propose'),
    // Bounds of the per-worker output buffer the screen shows; the log file keeps everything.
    ring: z
      .strictObject({
        lines: z.int().positive().default(500),
        bytes: z.int().positive().default(262_144),
      })
      .prefault({}),
  })
  .superRefine((config, ctx) => {
    if (config.local.slots === 0 && config.hosts.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['local', 'slots'],
        message:
          'is 0 and no hosts are configured: no attempt could ever run; give this machine slots or add hosts',
      });
  });

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
export type AgentConfig = z.infer<typeof AgentSchema>;
export type AgentKind = AgentConfig['kind'];
export type CheckConfig = z.infer<typeof CheckSchema>;
export type BranchesConfig = z.infer<typeof BranchesSchema>;
export type HostConfig = z.infer<typeof HostSchema>;
