/**
 * Every error a user can cause is a GafferError: it names what was wrong and
 * what to do, and carries the process exit code the CLI ends with. Codes are
 * part of the interface (README lists them); never reuse one for another meaning.
 */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  config: 3,
  plan: 4,
  notGitRepo: 5,
  branchMissing: 6,
  dirtyTree: 7,
  agentNotFound: 8,
  checkNotFound: 9,
  unitsUnfinished: 10,
  state: 11,
  busy: 12,
  tampered: 13,
  gitIdentity: 14,
  agentAuth: 15,
  hostUnusable: 16,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class GafferError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class UsageError extends GafferError {
  constructor(message: string) {
    super(message, 'usage', ExitCode.usage);
  }
}

export class ConfigError extends GafferError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'config', ExitCode.config, options);
  }
}

export class PlanError extends GafferError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'plan', ExitCode.plan, options);
  }
}

export type PreflightCode =
  | 'not-git-repo'
  | 'branch-missing'
  | 'dirty-tree'
  | 'agent-not-found'
  | 'check-not-found'
  | 'branch-in-use'
  // A working or green name that collides with a branch the repository already has.
  | 'branch-clash'
  // An existing working branch that does not descend from base's tip.
  | 'branch-diverged'
  // An existing green branch at a commit gaffer never verified.
  | 'branch-unverified'
  // git has no user.name/user.email here: neither agents nor the merge queue could commit.
  | 'git-identity';

const preflightExit: Record<PreflightCode, ExitCode> = {
  'not-git-repo': ExitCode.notGitRepo,
  'branch-missing': ExitCode.branchMissing,
  'branch-in-use': ExitCode.branchMissing,
  'branch-unverified': ExitCode.branchMissing,
  'git-identity': ExitCode.gitIdentity,
  'branch-clash': ExitCode.branchMissing,
  'branch-diverged': ExitCode.branchMissing,
  'dirty-tree': ExitCode.dirtyTree,
  'agent-not-found': ExitCode.agentNotFound,
  'check-not-found': ExitCode.checkNotFound,
};

export class PreflightError extends GafferError {
  constructor(
    readonly problem: PreflightCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, problem, preflightExit[problem], options);
  }
}

/** The state database or its lock is unusable (another supervisor, a newer schema). */
export class StateError extends GafferError {
  constructor(message: string, exitCode: ExitCode = ExitCode.state, options?: { cause?: unknown }) {
    super(message, 'state', exitCode, options);
  }
}

/** A git command exited non-zero where the caller needed it to succeed. */
export class GitError extends GafferError {
  constructor(
    readonly args: readonly string[],
    readonly exitCodeOfGit: number | undefined,
    readonly stderr: string,
  ) {
    super(
      `git ${args.join(' ')} failed (exit ${exitCodeOfGit ?? 'signal'}): ${stderr.trim() || 'no output'}`,
      'git',
      ExitCode.internal,
    );
  }
}

/** A transition the state machine forbids: a bug in gaffer, never user input. */
export class IllegalTransitionError extends GafferError {
  constructor(kind: string, id: string, from: string, to: string) {
    super(`illegal ${kind} transition for ${id}: ${from} -> ${to}`, 'illegal-transition', ExitCode.internal);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
