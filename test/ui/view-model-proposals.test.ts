import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_PROPOSALS_KEPT } from '../../components/view-model/mission-state.js';
import { ViewModelStore } from '../../components/view-model/store.js';
import { ev, missionInfo } from './helpers.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const proposed = (id: number) =>
  ev('discovery:proposed', {
    runId: 1,
    proposalId: id,
    unitId: `unit-${id}`,
    title: `Title ${id}`,
    source: 'health',
    discoveredFrom: 'check "tests"',
  });
const decided = (id: number) =>
  ev('discovery:decided', {
    runId: 1,
    proposalId: id,
    unitId: `unit-${id}`,
    decision: 'rejected',
    by: 'operator',
    reason: 'the operator rejected it',
  });

describe('waiting proposals in the view model', () => {
  it('are bounded: beyond the bound they are counted, not kept, and their decisions count down', () => {
    const store = new ViewModelStore(missionInfo());
    const total = MAX_PROPOSALS_KEPT + 5;
    for (let id = 1; id <= total; id += 1) store.apply(proposed(id));
    store.flush();
    let view = store.getSnapshot().proposals;
    expect(view.rows).toHaveLength(MAX_PROPOSALS_KEPT);
    expect(view.waiting).toBe(total);
    store.apply(decided(total));
    store.apply(decided(1));
    store.flush();
    view = store.getSnapshot().proposals;
    expect(view.waiting).toBe(total - 2);
    expect(view.rows[0]?.id).toBe(2);
  });

  it('a proposal seen twice (an event, then the controller list) is one; the selection follows its proposal', () => {
    const store = new ViewModelStore(missionInfo());
    for (const id of [1, 2, 3]) store.apply(proposed(id));
    store.flush();
    store.openProposals([
      { id: 2, unitId: 'unit-2', title: 'Title 2', source: 'health', discoveredFrom: 'x' },
    ]);
    store.moveProposal(1);
    store.moveProposal(1);
    expect(store.selectedProposal()?.id).toBe(3);
    store.apply(decided(1));
    store.flush();
    expect(store.getSnapshot().proposals.waiting).toBe(2);
    expect(store.selectedProposal()?.id).toBe(3);
    // The selected one decided: the selection moves to the one now in its place.
    store.apply(decided(3));
    store.flush();
    expect(store.selectedProposal()?.id).toBe(2);
  });

  it('a resumed run starts with the proposals it had waiting, and a decision of one it never listed changes nothing', () => {
    const store = new ViewModelStore(
      missionInfo({
        proposals: [{ id: 7, unitId: 'docs', title: 'Docs', source: 'agent', discoveredFrom: 'the agent' }],
      }),
    );
    expect(store.getSnapshot().proposals).toMatchObject({ waiting: 1, selected: 0 });
    const before = store.getSnapshot();
    store.apply(decided(99));
    store.flush();
    expect(store.getSnapshot()).toBe(before);
  });
});
