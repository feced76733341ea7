import { branchTip, tryGit } from '../git/git.js';
import type { Plan } from '../plan/schema.js';
import type { Store } from '../store/store.js';
import { unitSpecJson } from './run-setup.js';

/**
 * Before a new run after earlier ones: the units an earlier run already
 * merged (the same unit: id and spec unchanged) whose change the working
 * branch still holds, each with the reason. The new run starts them as done.
 * "Still holds" is patch equivalence, as `git cherry` sees it: every commit
 * the merge brought has an equivalent in the working branch, even if that
 * branch was rebuilt since.
 */
export async function landedUnits(
  store: Store,
  input: { repo: string; plan: Plan; working: string },
): Promise<Map<string, string>> {
  const landed = new Map<string, string>();
  const tip = await branchTip(input.repo, input.working);
  const latest = store.runs.latest();
  if (!tip || !latest) return landed;
  for (const unit of input.plan.units) {
    for (const merge of store.merges.mergedEarlier(unit.id, unitSpecJson(unit), latest.id + 1)) {
      if (!merge.head_commit || !(await holds(input.repo, tip, merge.base_commit, merge.head_commit)))
        continue;
      const at = (merge.merged_commit ?? merge.head_commit).slice(0, 10);
      landed.set(
        unit.id,
        `already in ${input.working} (merged by run #${merge.run_id} at ${at}): not done again`,
      );
      break;
    }
  }
  return landed;
}

/**
 * True when every commit of `base..head` is in `tip` or has a patch-equivalent
 * commit there: `git cherry` lists the others with `+` (commits `tip` already
 * contains it does not list at all).
 */
async function holds(repo: string, tip: string, base: string, head: string): Promise<boolean> {
  if (base === head) return false;
  const cherry = await tryGit(repo, ['cherry', tip, head, base]);
  if (cherry.exitCode !== 0) return false;
  return cherry.stdout.split('\n').every((line) => !line.startsWith('+'));
}
