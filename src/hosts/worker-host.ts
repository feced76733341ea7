/**
 * The worker interface: where an attempt runs. The supervisor asks a host
 * for a slot's workspace at a base commit (an AttemptPlace), runs the
 * attempt's commands there (setup, agent, a commit of its leftovers) with
 * their output streamed back line by line, then collects the attempt's
 * commits into the user's repository and gives the slot back. This machine
 * is one host (LocalHost); a machine reached over SSH is another
 * (RemoteHost). The store, the merge queue and the checks stay local.
 */
import type { AgentConfig } from '../config/schema.js';
import type { SupervisedResult, SupervisedSpec } from '../workers/supervised-process.js';
import type { Collected, Workspace } from '../workers/workspaces.js';

/** How a command of the attempt ended; `lost` when the host went away under it (infrastructure, no strike). */
export type PlaceResult = SupervisedResult & { lost?: string };

/** One attempt's slot on a host, from acquire until release. */
export interface AttemptPlace {
  /** The host's name ('local' for this machine). */
  readonly host: string;
  /** The branch and the workspace's path as the agent sees it (on its host). */
  readonly workspace: Workspace;
  /** The environment the attempt's commands run with: the agent's allowlist, its config and `extra`. */
  environment(
    agent: Pick<AgentConfig, 'passEnv' | 'env'>,
    extra: Record<string, string>,
  ): Record<string, string | undefined>;
  /** Runs one command in the workspace, as the agent would run it (cwd is the workspace unless given). */
  run(spec: Omit<SupervisedSpec, 'cwd'> & { cwd?: string }): Promise<PlaceResult>;
  /** Puts the prompt (already written at `localPath`) where the agent can read it; returns that path. */
  placePrompt(localPath: string, text: string): Promise<string>;
  /** Copies an untracked file of the user's repository into the workspace; returns why not, if not. */
  copyIn(repo: string, baseCommit: string, file: string): Promise<string | undefined>;
  /** Keeps paths out of the attempt's commits (the workspace's info/exclude); returns why not, if not. */
  exclude(paths: readonly string[], checkLinks: boolean): Promise<string | undefined>;
  /** Brings the attempt's commits into the user's repository as its branch (see Workspaces.collect). */
  collect(baseCommit: string): Promise<Collected>;
  /** The attempt has ended: the slot serves the next. */
  release(): void;
}

export type HostState = 'up' | 'down' | 'connecting';

export interface WorkerHost {
  readonly name: string;
  readonly slots: number;
  /** Names a unit's `host` may ask for: the host's name and its labels. */
  readonly labels: readonly string[];
  readonly state: HostState;
  /** Why it is down, when it is. */
  readonly downReason: string | undefined;
  /** A slot's workspace on a new branch at `baseCommit`. Throws when it cannot be made. */
  acquire(runId: number, unitId: string, attempt: number, baseCommit: string): Promise<AttemptPlace>;
  /** A commit attempts will start from (the working branch moved): a host may fetch it ahead of them. */
  offerBase(commit: string): void;
  /** Before the first attempt: connects, and ends what an earlier supervisor left running there. */
  start(): Promise<void>;
  /** Nothing runs any more: connections and slots go. */
  close(): Promise<void>;
}

/** The host went away under an attempt (a lost connection, a host that is down): infrastructure, never the agent's failure. */
export class HostLost extends Error {
  constructor(
    readonly host: string,
    readonly why: string,
  ) {
    super(`host ${host} was lost: ${why}`);
    this.name = 'HostLost';
  }
}
