import type { AgentConfig } from '../config/schema.js';
import { agentEnvironment, replacingEnvironment } from '../workers/agent-env.js';
import { runSupervised } from '../workers/supervised-process.js';
import { copyIntoLocalWorkspace, excludeFromLocalWorkspace } from '../workers/workspace-setup.js';
import type { Collected, Workspace, Workspaces } from '../workers/workspaces.js';
import type { AttemptPlace, HostState, WorkerHost } from './worker-host.js';

export const LOCAL_HOST = 'local';

/** This machine's slots: isolated workspaces under the state folder (see Workspaces). */
export class LocalHost implements WorkerHost {
  readonly name = LOCAL_HOST;
  readonly labels = [LOCAL_HOST];
  readonly state: HostState = 'up';
  readonly downReason = undefined;

  constructor(
    private readonly workspaces: Workspaces,
    readonly slots: number,
  ) {}

  offerBase(): void {
    // The workspaces borrow the user's objects: every commit is already here.
  }

  async start(): Promise<void> {
    // The workspaces are made anew by the run's reconciliation (Workspaces.reset).
  }

  async close(): Promise<void> {
    // The mission resets the workspaces itself once nothing runs (after its merges too).
  }

  async acquire(runId: number, unitId: string, attempt: number, baseCommit: string): Promise<AttemptPlace> {
    const workspaces = this.workspaces;
    const workspace = await workspaces.acquire(runId, unitId, attempt, baseCommit);
    return localPlace(
      workspace,
      (base) => workspaces.collect(workspace, base),
      () => workspaces.release(workspace),
    );
  }
}

/** A workspace on this machine as an attempt's place: its commands run here, as the agent. */
export function localPlace(
  workspace: Workspace,
  collect: (baseCommit: string) => Promise<Collected>,
  release: () => void = () => undefined,
): AttemptPlace {
  return {
    host: LOCAL_HOST,
    workspace,
    environment: (agent: Pick<AgentConfig, 'passEnv' | 'env'>, extra: Record<string, string>) =>
      // runSupervised merges this over gaffer's own environment: every variable the agent may
      // not see is set to undefined, which removes it (see agent-env.ts).
      replacingEnvironment(process.env, { ...agentEnvironment(agent, process.env), ...extra }),
    run: (spec) => runSupervised({ ...spec, cwd: spec.cwd ?? workspace.path }),
    placePrompt: (localPath) => Promise.resolve(localPath),
    copyIn: (repo, base, file) => copyIntoLocalWorkspace(repo, base, workspace.path, file),
    exclude: (paths, checkLinks) =>
      Promise.resolve(excludeFromLocalWorkspace(workspace.path, paths, { checkLinks })),
    collect,
    release,
  };
}
