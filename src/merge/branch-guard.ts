import fs from 'node:fs';
import path from 'node:path';
import type { EventSpec, Recorder } from '../controller/recorder.js';
import type { RepoGuard } from '../git/repo-guard.js';
import { branchTips, looseRef, tryGit, updateRefs, type RefUpdate } from '../git/git.js';
import { clearStaleLocks } from '../git/stale-locks.js';
import type { BranchRole } from '../store/branch-tips.js';

export interface Tampering {
  branch: string;
  role: BranchRole;
  /** moved: it points elsewhere; deleted: it is gone; reflog: it went elsewhere and came back. */
  kind: 'moved' | 'deleted' | 'reflog';
  expected: string;
  found: string | null;
  /** Where the foreign tip was kept, so no one's work is lost. */
  savedAs: string | null;
  restored: boolean;
}

export interface GuardOptions {
  recorder: Recorder;
  runId: number;
  repo: string;
  commonDir: string;
  branches: { working: string; green: string };
  /** Hooks and code-running configuration of the user's repository, compared with the branches. */
  repoGuard?: RepoGuard;
}

const ZERO = '0'.repeat(40);

/**
 * The one writer of the working and green branches, and their watchman. Every
 * tip gaffer gives them is recorded before the ref moves (an intent) and
 * after (written); before each merge and at the start the branches and their
 * reflogs are compared with that record. A move gaffer did not make is
 * tampering: the foreign tip is kept under `refs/gaffer/foreign/`, the branch
 * goes back to the recorded (verified) tip by a guarded update, and the caller
 * stops the run. A deleted branch is restored from the record.
 */
export class BranchGuard {
  /**
   * The newest reflog line already checked, per branch: entries after it are
   * new. A line, not a byte offset: git's own `reflog expire` (auto gc) may
   * rewrite the file shorter without anyone moving the branch.
   */
  private readonly reflogChecked = new Map<string, string>();
  /** Every tip gaffer gave each branch in this run: the reflog may hold only these. */
  private readonly ours = new Map<string, Set<string>>();

  constructor(private readonly options: GuardOptions) {}

  private get store() {
    return this.options.recorder.store;
  }

  roleOf(branch: string): BranchRole {
    return branch === this.options.branches.green ? 'green' : 'working';
  }

  branchOf(role: BranchRole): string {
    return this.options.branches[role];
  }

  /** Where gaffer last put the branch (undefined: never, or it does not exist yet). */
  recorded(role: BranchRole): string | undefined {
    const sha = this.store.branchTips.latest(this.branchOf(role))?.sha;
    return sha === undefined || sha === ZERO ? undefined : sha;
  }

  /**
   * A new run takes the branches as they are now (preflight has checked
   * them); a resumed run holds them to its record: anything else moved them
   * while no supervisor watched.
   */
  async start(resumed: boolean): Promise<Tampering[]> {
    const tips = await this.actualTips();
    for (const role of ['working', 'green'] as const) {
      const branch = this.branchOf(role);
      this.settleIntent(branch, tips.get(branch));
      const sha = tips.get(branch);
      if (!resumed && (this.recorded(role) ?? ZERO) !== (sha ?? ZERO)) {
        // A new run starts from the branches as they are (absent included): the record follows them.
        const taken = {
          runId: this.options.runId,
          branch,
          role,
          sha: sha ?? ZERO,
          state: 'written' as const,
        };
        this.options.recorder.record([], () =>
          this.store.branchTips.add({ ...taken, reason: 'taken at the start of the run' }),
        );
      }
      if (sha !== undefined) this.remember(branch, sha);
      this.advanceReflog(branch);
    }
    return resumed ? this.verify() : [];
  }

  /**
   * Compares both branches and their reflogs with the record; restores what it
   * can and returns what it found (empty when all is as gaffer left it).
   */
  async verify(): Promise<Tampering[]> {
    const tips = await this.actualTips();
    const found: Tampering[] = [];
    for (const role of ['working', 'green'] as const) {
      const branch = this.branchOf(role);
      const expected = this.recorded(role);
      const actual = tips.get(branch);
      if (expected === undefined) {
        if (actual !== undefined) found.push(await this.restore(branch, role, null, actual));
        continue;
      }
      if (actual === expected) {
        if (this.foreignReflogEntries(branch)) {
          found.push({
            branch,
            role,
            kind: 'reflog',
            expected,
            found: actual,
            savedAs: null,
            restored: false,
          });
        }
        continue;
      }
      found.push(await this.restore(branch, role, expected, actual ?? null));
    }
    return found;
  }

  /**
   * Moves branches by one atomic, guarded ref transaction from their recorded
   * tips, plus any extra updates (attempt branches); false when a guard
   * failed (then nothing moved and the caller verifies).
   */
  async move(
    moves: { role: BranchRole; to: string }[],
    extra: RefUpdate[],
    reason: string,
  ): Promise<boolean> {
    const { runId } = this.options;
    const updates: RefUpdate[] = [];
    const intents: number[] = [];
    this.options.recorder.record([], () => {
      for (const move of moves) {
        const branch = this.branchOf(move.role);
        updates.push({ ref: `refs/heads/${branch}`, to: move.to, from: this.recorded(move.role) ?? null });
        intents.push(
          this.store.branchTips.add({
            runId,
            branch,
            role: move.role,
            sha: move.to,
            state: 'intended',
            reason,
          }),
        );
      }
    });
    for (const move of moves) this.remember(this.branchOf(move.role), move.to);
    const ok = await updateRefs(this.options.repo, [...updates, ...extra], reason);
    this.options.recorder.record([], () => {
      for (const id of intents) this.store.branchTips.setState(id, ok ? 'written' : 'void');
    });
    if (ok) for (const move of moves) this.advanceReflog(this.branchOf(move.role));
    return ok;
  }

  /**
   * Removes lock files in the repository that no live git process owns, and
   * says which it removed and which it left (held by a live git process);
   * returns those removed.
   */
  async clearStaleLocks(): Promise<string[]> {
    const { repo, commonDir, runId } = this.options;
    const sweep = await clearStaleLocks(repo, commonDir);
    const shown = (file: string): string => {
      const inside = path.relative(repo, file);
      return inside.startsWith('..') ? file : inside;
    };
    this.options.recorder.record([
      ...sweep.removed.map((lock): EventSpec => [
        'supervisor:warning',
        { runId, message: `removed ${shown(lock)}: a git process killed mid-write left it` },
      ]),
      ...sweep.held.map(({ lock, pids }): EventSpec => [
        'supervisor:warning',
        {
          runId,
          message: `${shown(lock)} is held${pids.length > 0 ? ` by live git process(es) ${pids.join(', ')}` : ''}: left alone; if that process hangs, end it and run again`,
        },
      ]),
    ]);
    return sweep.removed;
  }

  /** Creates a branch that does not exist yet (working from base, green at the verified baseline). */
  async create(role: BranchRole, at: string, reason: string): Promise<boolean> {
    const branch = this.branchOf(role);
    const existing = (await this.actualTips()).get(branch);
    if (existing !== undefined) return false;
    return this.move([{ role, to: at }], [], reason);
  }

  /**
   * Compares the branches (with `verify`, unless the caller already did) and
   * the repository's hooks and code-running configuration with what gaffer
   * knows, records every finding as an event, and returns why the run must
   * stop: undefined when all holds, or when only a deleted branch was
   * restored from the record.
   */
  async inspect(found?: readonly Tampering[]): Promise<string | undefined> {
    const branches = found ?? (await this.verify());
    const changes = this.options.repoGuard ? await this.options.repoGuard.changes() : [];
    const { runId } = this.options;
    const events: EventSpec[] = [];
    const messages: string[] = [];
    for (const item of branches) {
      const message = describeTampering(item);
      events.push(['branch:tampered', { runId, ...item, message }]);
      messages.push(message);
    }
    if (changes.length > 0) {
      const message = `the repository's hooks or configuration changed during the run, not by gaffer: ${changes.join(', ')}. Inspect .git/config and .git/hooks before running git there`;
      events.push(['repo:tampered', { runId, changes, message }]);
      messages.push(message);
    }
    if (events.length === 0) return undefined;
    this.options.recorder.record(events);
    const onlyRestored =
      changes.length === 0 && branches.every((item) => item.kind === 'deleted' && item.restored);
    return onlyRestored ? undefined : messages[0];
  }

  private async restore(
    branch: string,
    role: BranchRole,
    expected: string | null,
    actual: string | null,
  ): Promise<Tampering> {
    const { repo } = this.options;
    let savedAs: string | null = null;
    if (actual !== null) {
      savedAs = `refs/gaffer/foreign/${role}-${Date.now()}`;
      const saved = await tryGit(repo, ['update-ref', savedAs, actual, ZERO]);
      if (saved.exitCode !== 0) savedAs = null;
    }
    let restored = false;
    if (expected !== null) {
      restored = await updateRefs(
        repo,
        [{ ref: `refs/heads/${branch}`, to: expected, from: actual }],
        `gaffer: restore ${branch} after a foreign move`,
      );
    } else if (actual !== null) {
      // gaffer never wrote this branch in this run, yet it appeared: take it away, kept under savedAs.
      restored =
        savedAs !== null &&
        (await updateRefs(
          repo,
          [{ ref: `refs/heads/${branch}`, delete: true, from: actual }],
          'gaffer: remove a foreign branch',
        ));
    }
    if (restored) this.advanceReflog(branch);
    return {
      branch,
      role,
      kind: actual === null ? 'deleted' : 'moved',
      expected: expected ?? ZERO,
      found: actual,
      savedAs,
      restored,
    };
  }

  /** An intent whose ref update happened before a crash is gaffer's own move; one that did not is void. */
  private settleIntent(branch: string, actual: string | undefined): void {
    const latest = this.store.branchTips.latest(branch);
    if (latest?.state !== 'intended') return;
    this.options.recorder.record([], () =>
      this.store.branchTips.setState(latest.id, latest.sha === actual ? 'written' : 'void'),
    );
    // A void intent may hide an older intent beneath it: settle down to a written row.
    if (latest.sha !== actual) this.settleIntent(branch, actual);
  }

  private remember(branch: string, sha: string): void {
    const set = this.ours.get(branch) ?? new Set<string>();
    set.add(sha);
    this.ours.set(branch, set);
  }

  /**
   * Both branches' tips, from their loose ref files when both have one (no git
   * process before every merge); from git when either has none (packed, deleted,
   * another ref storage), so a branch packed or deleted by someone is seen as
   * git sees it.
   */
  private async actualTips(): Promise<Map<string, string>> {
    const { repo, commonDir, branches } = this.options;
    const tips = new Map<string, string>();
    for (const branch of [branches.working, branches.green]) {
      const sha = looseRef(commonDir, `refs/heads/${branch}`);
      if (sha === undefined) return branchTips(repo, [branches.working, branches.green]);
      tips.set(branch, sha);
    }
    return tips;
  }

  private reflogPath(branch: string): string {
    return path.join(this.options.commonDir, 'logs', 'refs', 'heads', ...branch.split('/'));
  }

  private readReflog(branch: string): string[] | undefined {
    try {
      return fs
        .readFileSync(this.reflogPath(branch), 'utf8')
        .split('\n')
        .filter((line) => line !== '');
    } catch {
      return undefined;
    }
  }

  private advanceReflog(branch: string): void {
    this.reflogChecked.set(branch, this.readReflog(branch)?.at(-1) ?? '');
  }

  /** Entries added to the reflog since the last check that moved the branch somewhere gaffer never put it. */
  private foreignReflogEntries(branch: string): boolean {
    const lines = this.readReflog(branch);
    if (lines === undefined) return false;
    const checked = this.reflogChecked.get(branch) ?? '';
    const from = checked === '' ? 0 : lines.lastIndexOf(checked) + 1;
    // The last line gaffer saw is gone (not merely older ones expired): the reflog was rewritten.
    if (checked !== '' && from === 0) return true;
    const ours = this.ours.get(branch) ?? new Set<string>();
    const foreign = lines.slice(from).some((line) => {
      const next = line.split(' ')[1];
      return next !== undefined && next !== ZERO && !ours.has(next);
    });
    this.advanceReflog(branch);
    return foreign;
  }
}

export function describeTampering(item: Tampering): string {
  const short = (sha: string | null): string => (sha ? sha.slice(0, 10) : 'nothing');
  const kept = item.savedAs ? `; the foreign tip is kept as ${item.savedAs}` : '';
  switch (item.kind) {
    case 'moved':
      return `${item.branch} was moved to ${short(item.found)} by someone other than gaffer (it was at ${short(item.expected)})${kept}; ${item.restored ? `it is back at ${short(item.expected)}` : 'it could not be put back'}`;
    case 'deleted':
      return `${item.branch} was deleted by someone other than gaffer; ${item.restored ? `restored at ${short(item.expected)}` : 'it could not be restored'}`;
    case 'reflog':
      return `${item.branch} was moved and moved back by someone other than gaffer (its reflog shows commits gaffer never put there)`;
    default: {
      const unreachable: never = item.kind;
      return unreachable;
    }
  }
}
