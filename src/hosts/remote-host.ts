import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AgentConfig, HostConfig } from '../config/schema.js';
import { errorMessage } from '../errors.js';
import { tryGit } from '../git/git.js';
import type { SourceRepo } from '../git/source-repo.js';
import { matchesEnvPattern } from '../workers/agent-env.js';
import { runSupervised } from '../workers/supervised-process.js';
import { copyFileProblem, excludeText } from '../workers/workspace-setup.js';
import { collectAttempt, type Collected, type Workspace, Workspaces } from '../workers/workspaces.js';
import {
  CACHE_SCRIPT,
  END_SCRIPT,
  EXCLUDE_SCRIPT,
  EXIT_CODE_SCRIPT,
  PREPARE_SCRIPT,
  PROBE_SCRIPT,
  readProbe,
  remoteCommand,
  RUN_SCRIPT,
  toolProblems,
  workdirProblem,
  runInput,
  WRITE_FILE_SCRIPT,
} from './remote-scripts.js';
import { SshConnection } from './ssh.js';
import {
  HostLost,
  type AttemptPlace,
  type HostState,
  type PlaceResult,
  type WorkerHost,
} from './worker-host.js';

/** Rechecks of a down host wait 1 s, 2 s, 4 s... up to this. */
const MAX_RECHECK_MS = 60_000;
/** A bookkeeping session (a probe, an end, a file) that takes longer than this counts as a lost host. */
const SESSION_TIMEOUT_MS = 60_000;
/** The bound on making a slot's workspace: a checkout of the whole tree. */
const PREPARE_TIMEOUT_MS = 600_000;

export interface RemoteHostOptions {
  stateDir: string;
  source: SourceRepo;
  /** The command each attempt's agent runs: the host is unusable without it. */
  agentCommand: string;
  graceMs: number;
  /** The host went up or down. */
  onState: (host: RemoteHost, state: HostState, reason: string | undefined) => void;
  /** Something worth the operator's eye (orphans ended, a recheck failed). */
  onNote: (message: string) => void;
}

/** What a bookkeeping session printed. */
interface Said {
  ok: boolean;
  code: number | null;
  out: string;
  err: string;
}

/**
 * A worker host reached over SSH (see worker-host.ts and ssh.ts). Its folder
 * `<workdir>/<repository key>` holds a bare cache that receives each base
 * commit (only the objects it lacks cross), one workspace per slot whose git
 * directory is made anew for every attempt and borrows the cache's objects,
 * the prompts, and the run records of the commands running there. Every
 * process gaffer starts there carries a mark of this state folder in its
 * environment: after a lost connection or a crashed supervisor, what is left
 * is found by it and ended before the host takes work again.
 */
export class RemoteHost implements WorkerHost {
  readonly name: string;
  readonly slots: number;
  readonly labels: readonly string[];
  private currentState: HostState = 'connecting';
  private reason: string | undefined;
  private readonly connection: SshConnection;
  private readonly root: string;
  private readonly markPrefix: string;
  private readonly free: number[];
  /** The cache repository being made or made: the slots' first attempts start together and wait for one. */
  private cacheReady: Promise<void> | undefined;
  private recheckTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private closed = false;
  /** Base commits sent to the cache (or being sent), by commit. */
  private readonly bases = new Map<string, Promise<void>>();

  constructor(
    readonly config: HostConfig,
    private readonly options: RemoteHostOptions,
  ) {
    this.name = config.name;
    this.slots = config.slots;
    this.labels = [config.name, ...config.labels];
    this.free = Array.from({ length: config.slots }, (_, index) => config.slots - index);
    const stateKey = stateKeyOf(options.stateDir);
    // The host's name in it too: two hosts may be one machine, and a sweep of one must spare the other's attempts.
    this.markPrefix = `${remoteMarkPrefix(options.stateDir)}${createHash('sha256').update(config.name).digest('hex').slice(0, 6)}-`;
    const repoName = path.basename(options.source.repo).replace(/[^A-Za-z0-9._-]/g, '_') || 'repo';
    this.root = path.posix.join(config.workdir, `${repoName}-${stateKey}`);
    this.connection = new SshConnection(config, options.stateDir, (reason) => this.lost(reason));
  }

  get state(): HostState {
    return this.currentState;
  }

  get downReason(): string | undefined {
    return this.reason;
  }

  async start(): Promise<void> {
    // Said at once: the screen shows the host before its first connection succeeds or fails.
    this.options.onState(this, this.currentState, undefined);
    await this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.recheckTimer);
    await this.connection.close();
  }

  async acquire(runId: number, unitId: string, attempt: number, baseCommit: string): Promise<AttemptPlace> {
    if (this.currentState !== 'up') throw new HostLost(this.name, this.reason ?? 'it is not connected');
    const slot = this.free.pop();
    if (slot === undefined) throw new Error(`host ${this.name} has no free slot`);
    const branch = Workspaces.branchName(runId, unitId, attempt);
    const workspace: Workspace = { branch, path: path.posix.join(this.root, `slot-${slot}`) };
    let pendingFile: { path: string; text: string } | undefined;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.free.push(slot);
    };
    try {
      await this.prepare(slot, workspace, baseCommit);
    } catch (error) {
      release();
      throw error;
    }
    return {
      host: this.name,
      workspace,
      environment: (agent, extra) => this.environment(agent, extra),
      run: (spec) => {
        const file = pendingFile;
        pendingFile = undefined;
        return this.run(spec, workspace.path, file);
      },
      // One prompt file per slot, written by the agent's own session before it starts (no session of
      // its own): none piles up on the host.
      placePrompt: (_localPath, text) => {
        const file = path.posix.join(this.root, 'prompts', `slot-${slot}.md`);
        pendingFile = { path: file, text };
        return Promise.resolve(file);
      },
      copyIn: (repo, base, file) => this.copyIn(repo, base, workspace.path, file),
      exclude: async (paths) => {
        const said = await this.session(EXCLUDE_SCRIPT, [workspace.path], excludeText(paths));
        return said.ok
          ? undefined
          : `could not keep ${paths.join(', ')} out of the attempt's commits on ${this.name}: ${said.err || said.out}`;
      },
      collect: (base) => this.collect(workspace, base),
      release,
    };
  }

  /**
   * The attempt's environment on the host: the host's own base variables
   * (set by the run script), the variables the agent's `passEnv` takes from
   * gaffer's environment (its keys), then the agent's `env`, the host's
   * `env` (it knows where that host keeps things) and `extra`. Nothing else
   * of this machine's environment crosses.
   */
  private environment(
    agent: Pick<AgentConfig, 'passEnv' | 'env'>,
    extra: Record<string, string>,
  ): Record<string, string> {
    const passed: Record<string, string> = {};
    for (const [name, value] of Object.entries(process.env)) {
      if (value !== undefined && matchesEnvPattern(name, agent.passEnv)) passed[name] = value;
    }
    return { ...passed, ...agent.env, ...this.config.env, ...extra };
  }

  /** Runs one command on the host through the run script; see RUN_SCRIPT. */
  private async run(
    spec: Parameters<AttemptPlace['run']>[0],
    workspacePath: string,
    file: { path: string; text: string } | undefined,
  ): Promise<PlaceResult> {
    if (this.currentState !== 'up') throw new HostLost(this.name, this.reason ?? 'it is not connected');
    const mark = `${this.markPrefix}${randomBytes(6).toString('hex')}`;
    const graceSec = String(Math.ceil((spec.graceMs ?? this.options.graceMs) / 1000));
    const records = path.posix.join(this.root, 'run');
    const command = remoteCommand(RUN_SCRIPT, [
      mark,
      spec.cwd ?? workspacePath,
      records,
      graceSec,
      file?.path ?? '',
      spec.command,
      ...spec.args,
    ]);
    const result: PlaceResult = await runSupervised({
      ...spec,
      command: 'ssh',
      args: [...this.connection.clientArgs(), command],
      cwd: os.tmpdir(),
      env: {},
      stdinText: runInput(spec.env ?? {}, file?.text ?? '', spec.stdinText ?? ''),
      stopRemote: () => this.endMarked(mark, Number(graceSec)),
    });
    if (result.outcome !== 'exited' || result.exitCode !== 255) return result;
    // 255 is ssh's own failure, or the command's code: the run script's record says which.
    if (!(await this.connection.check())) {
      const why = `the connection to ${this.config.ssh} was lost`;
      this.lost(why);
      return { ...result, lost: this.reason ?? why };
    }
    const recorded = await this.session(EXIT_CODE_SCRIPT, [records, mark]).catch(() => undefined);
    const code = recorded?.ok === true ? Number.parseInt(recorded.out.trim(), 10) : Number.NaN;
    if (!Number.isNaN(code)) return { ...result, exitCode: code };
    return { ...result, lost: this.reason ?? `the connection to ${this.config.ssh} was lost` };
  }

  /** Ends every process of one command (its mark) on the host: the agent's group and whatever left it. */
  private async endMarked(mark: string, graceSec: number): Promise<void> {
    await this.session(END_SCRIPT, [mark, String(graceSec)]).catch(() => undefined);
  }

  /** The base commit into the host's cache, then the slot's workspace made anew at it. */
  private async prepare(slot: number, workspace: Workspace, baseCommit: string): Promise<void> {
    const cache = this.cache;
    await this.sendBase(baseCommit);
    const config = this.options.source.workspaceConfig;
    const stdin = `${Buffer.byteLength(config)}\n${config}${this.options.source.exclude}`;
    this.check(
      // A large repository's first checkout on a slow disk takes minutes; setup has a budget of its own.
      await this.session(
        PREPARE_SCRIPT,
        [cache, workspace.path, baseCommit, workspace.branch, path.posix.join(this.root, 'trash')],
        stdin,
        PREPARE_TIMEOUT_MS,
      ),
      `could not prepare the workspace of slot ${slot}`,
    );
  }

  /**
   * The base commit into the host's cache, once per commit: the slots of a
   * wave start from the same working tip. Each base keeps a ref of its own,
   * so no later push or gc takes its objects while a slot uses them.
   */
  private sendBase(baseCommit: string): Promise<void> {
    let sending = this.bases.get(baseCommit);
    if (sending === undefined) {
      const cache = this.cache;
      sending = this.cacheMade()
        .then(() =>
          tryGit(
            this.options.source.repo,
            [
              'push',
              '--quiet',
              '--force',
              '--no-verify',
              '--receive-pack=git -c core.hooksPath=/dev/null -c receive.autogc=false receive-pack',
              this.connection.url(cache),
              `${baseCommit}:refs/gaffer/bases/${baseCommit}`,
            ],
            { env: { GIT_SSH_COMMAND: this.connection.gitSshCommand() } },
          ),
        )
        .then((pushed) => {
          if (pushed.exitCode !== 0)
            this.failed(`could not send the base commit ${baseCommit.slice(0, 10)}`, pushed.stderr);
        });
      this.bases.set(baseCommit, sending);
      // A failed push is tried again by the next attempt.
      sending.catch(() => this.bases.delete(baseCommit));
    }
    return sending;
  }

  /**
   * A commit attempts will start from (the working branch moved): sent now,
   * in the background, so the next attempt here finds it on the host.
   */
  offerBase(commit: string): void {
    if (this.currentState === 'up') this.sendBase(commit).catch(() => undefined);
  }

  private get cache(): string {
    return path.posix.join(this.root, 'cache.git');
  }

  /** The host's cache repository, made once: the slots' first attempts start together and wait for one. */
  private async cacheMade(): Promise<void> {
    this.cacheReady ??= this.session(CACHE_SCRIPT, [this.cache]).then((said) =>
      this.check(said, 'could not make its cache repository'),
    );
    const making = this.cacheReady;
    try {
      await making;
    } catch (error) {
      // The next attempt tries again (unless another already did).
      if (this.cacheReady === making) this.cacheReady = undefined;
      throw error;
    }
  }

  /** Fetches the attempt's commits by the tip the workspace's HEAD names (see collectAttempt). */
  private async collect(workspace: Workspace, baseCommit: string): Promise<Collected> {
    const collected = await collectAttempt(this.options.source, {
      from: this.connection.url(workspace.path),
      branch: workspace.branch,
      baseCommit,
      env: { GIT_SSH_COMMAND: this.connection.gitSshCommand() },
    });
    if (!collected.ok && this.currentState !== 'up')
      throw new HostLost(this.name, this.reason ?? 'the connection was lost while its commits were fetched');
    return collected;
  }

  private async copyIn(
    repo: string,
    base: string,
    workspacePath: string,
    file: string,
  ): Promise<string | undefined> {
    const problem = await copyFileProblem(repo, base, file);
    if (problem !== undefined) return problem;
    let text: string;
    let mode: number;
    try {
      // A link in the repository is copied as what it points to, as locally.
      const stat = await fs.promises.stat(path.join(repo, file));
      if (!stat.isFile())
        return `${file} is not a regular file: only files are copied to a worker host; not copied`;
      mode = stat.mode & 0o777;
      text = await fs.promises.readFile(path.join(repo, file), 'utf8');
    } catch (error) {
      return `${file} could not be read: ${errorMessage(error)}`;
    }
    const said = await this.writeFile(workspacePath, file, text, mode).catch((error: unknown) => ({
      ok: false,
      code: null,
      out: '',
      err: errorMessage(error),
    }));
    return said.ok ? undefined : `${file} could not be copied to ${this.name}: ${said.err || said.out}`;
  }

  private writeFile(dir: string, file: string, text: string, mode: number): Promise<Said> {
    return this.session(WRITE_FILE_SCRIPT, [file, dir, mode.toString(8)], text);
  }

  /** One short bookkeeping session over the master; throws HostLost when the host is gone. */
  private async session(
    script: string,
    args: readonly string[],
    stdinText?: string,
    timeoutMs = SESSION_TIMEOUT_MS,
  ): Promise<Said> {
    const out: string[] = [];
    const err: string[] = [];
    const result = await runSupervised({
      command: 'ssh',
      args: [...this.connection.clientArgs(), remoteCommand(script, args)],
      cwd: os.tmpdir(),
      env: {},
      timeoutMs,
      graceMs: 500,
      ...(stdinText !== undefined ? { stdinText } : {}),
      onLine: (line, stream) => (stream === 'stdout' ? out : err).push(line),
    });
    if (result.outcome === 'exited' && result.exitCode === 255 && !(await this.connection.check()))
      this.lost(
        `the connection to ${this.config.ssh} was lost: ${err.join(' ').slice(0, 300) || 'ssh exited 255'}`,
      );
    if (result.outcome !== 'exited' || result.exitCode === 255) {
      const said = err.join(' ');
      if (/refused by peer|administratively prohibited/i.test(said))
        throw new Error(
          `host ${this.name} refused another session over its connection: its sshd's MaxSessions (10 by default) is below what ${this.slots} slot(s) need (one session each while an agent runs, and one more while a workspace is prepared or collected); lower the host's slots or raise MaxSessions`,
        );
      const why = result.outcome === 'exited' ? said.slice(0, 300) : result.outcome;
      throw new HostLost(this.name, this.reason ?? `a session failed: ${why || 'ssh exited 255'}`);
    }
    return { ok: result.exitCode === 0, code: result.exitCode, out: out.join('\n'), err: err.join('\n') };
  }

  private check(said: Said, what: string): void {
    if (!said.ok) this.failed(what, said.err || said.out);
  }

  private failed(what: string, said: string): never {
    throw new Error(
      `host ${this.name} ${what}: ${said.trim().split('\n').slice(-3).join(' ').slice(0, 400)}`,
    );
  }

  /**
   * Connects, checks that git and the agent's command are there, and ends
   * whatever an earlier connection or supervisor left running (by its
   * marks). The host is up only after all three; otherwise down, and
   * checked again later.
   */
  private async connect(): Promise<void> {
    this.setState('connecting', undefined);
    // A host that was away may have lost its folder (a reboot that cleared it): its cache is checked anew.
    this.cacheReady = undefined;
    this.bases.clear();
    try {
      await this.connection.connect();
      const probe = await this.session(PROBE_SCRIPT, [
        this.options.agentCommand,
        this.root,
        this.config.env.PATH ?? '',
      ]);
      if (!probe.ok) throw new Error(probeProblem(this.config, this.options.agentCommand, probe));
      const ended = await this.session(END_SCRIPT, [
        this.markPrefix,
        String(Math.ceil(this.options.graceMs / 1000)),
      ]);
      const count = Number.parseInt(ended.out.trim(), 10);
      if (count > 0)
        this.options.onNote(
          `host ${this.name}: ended ${count} process(es) an earlier connection or supervisor left running there`,
        );
      this.failures = 0;
      this.setState('up', undefined);
    } catch (error) {
      await this.connection.close();
      this.down(errorMessage(error));
    }
  }

  private lost(reason: string): void {
    if (this.closed || this.currentState === 'down') return;
    // A master that no longer answers is ended: the next check makes a new one.
    void this.connection.close();
    this.down(reason);
  }

  private down(reason: string): void {
    this.setState('down', reason);
    if (this.closed) return;
    const delay = Math.min(MAX_RECHECK_MS, 1000 * 2 ** this.failures);
    this.failures += 1;
    clearTimeout(this.recheckTimer);
    this.recheckTimer = setTimeout(() => void this.connect(), delay);
    this.recheckTimer.unref();
  }

  private setState(state: HostState, reason: string | undefined): void {
    const changed = state !== this.currentState || reason !== this.reason;
    this.currentState = state;
    this.reason = reason;
    if (changed) this.options.onState(this, state, reason);
  }
}

/** This state folder on this machine, in a name: two supervisors never share a host's folder or marks. */
function stateKeyOf(stateDir: string): string {
  return createHash('sha256')
    .update(`${os.hostname()}\0${path.resolve(stateDir)}`)
    .digest('hex')
    .slice(0, 12);
}

/** The start of the mark every process of this state folder's attempts carries on any host (GAFFER_REMOTE_MARK). */
export function remoteMarkPrefix(stateDir: string): string {
  return `g${stateKeyOf(stateDir)}-`;
}

/** What the probe found missing, with what to do (the words gaffer doctor uses). */
function probeProblem(host: HostConfig, agentCommand: string, probe: Said): string {
  const found = readProbe(probe.out);
  const [first] = [
    ...toolProblems(host, agentCommand, found),
    ...(found.missingWorkdir ? [workdirProblem(host)] : []),
  ];
  return first ?? `host ${host.name} failed its probe: ${`${probe.out}\n${probe.err}`.trim().slice(0, 300)}`;
}
