import type { QueueWorkspace } from './queue-workspace.js';

/**
 * The merge queue's verification slots, each a workspace of its own: a job
 * (a rebase chain, a check run) takes a free one and gives it back, so as
 * many jobs run at once as there are slots and never two in one folder.
 */
export class VerifierPool {
  private readonly free: QueueWorkspace[];
  private readonly waiting: ((workspace: QueueWorkspace) => void)[] = [];

  constructor(private readonly workspaces: readonly QueueWorkspace[]) {
    if (workspaces.length === 0) throw new Error('a verifier pool needs at least one workspace');
    // Popped from the end: the first workspace is taken first.
    this.free = [...workspaces].reverse();
  }

  get size(): number {
    return this.workspaces.length;
  }

  async use<T>(job: (workspace: QueueWorkspace) => Promise<T>): Promise<T> {
    const workspace =
      this.free.pop() ?? (await new Promise<QueueWorkspace>((take) => this.waiting.push(take)));
    try {
      return await job(workspace);
    } finally {
      const next = this.waiting.shift();
      if (next) next(workspace);
      else this.free.push(workspace);
    }
  }

  /** Something failed mid-operation: every slot rebuilds before its next use. */
  markBroken(): void {
    for (const workspace of this.workspaces) workspace.markBroken();
  }
}
