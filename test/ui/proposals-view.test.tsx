import { describe, expect, it, vi } from 'vitest';
import type { OpenProposal } from '../../src/controller/control.js';
import {
  KEY,
  ev,
  missionInfo,
  renderWithProviders,
  settle,
  type Rendered,
  useFakeClock,
  footerMessage,
} from './helpers.js';

let ui: Rendered | undefined;

useFakeClock(() => {
  ui?.unmount();
  ui = undefined;
});

const LONG_PROMPT =
  'The test "math > adds" fails on the working branch: expected 4, received 5. ' +
  'Find why add() is off by one in src/math.ts, fix it without touching the test, ' +
  'and keep every other test in test/math.test.ts passing. '.repeat(20) +
  'LAST-WORDS-OF-THE-PROMPT';

const proposals: OpenProposal[] = [
  {
    id: 3,
    unitId: 'fix-math-adds',
    title: 'Fix failing test math > adds',
    prompt: 'Make "math > adds" pass again.\nIt fails with: expected 4, received 5.',
    source: 'health',
    discoveredFrom: 'check "tests" on cccccccccc (round 1)',
  },
  {
    id: 4,
    unitId: 'docs-api',
    title: 'Document the public API',
    prompt: LONG_PROMPT,
    source: 'agent',
    discoveredFrom: 'the discovery agent (round 1)',
  },
];

function proposed(proposal: OpenProposal) {
  return ev('discovery:proposed', {
    runId: 1,
    proposalId: proposal.id,
    unitId: proposal.unitId,
    title: proposal.title,
    source: proposal.source,
    discoveredFrom: proposal.discoveredFrom,
  });
}

function decided(proposal: OpenProposal, decision: 'accepted' | 'rejected') {
  return ev('discovery:decided', {
    runId: 1,
    proposalId: proposal.id,
    unitId: proposal.unitId,
    decision,
    by: 'operator',
    reason: decision === 'accepted' ? 'joined the plan' : 'the operator rejected it',
  });
}

/** A mission with both proposals waiting, as the controller holds them and the events told. */
async function waiting(): Promise<Rendered> {
  const rendered = await renderWithProviders();
  rendered.control.open = [...proposals];
  await rendered.feed(proposals.map(proposed));
  return rendered;
}

const selectedRow = (rendered: Rendered): string | undefined =>
  rendered.lines().find((line) => /^│ › /.test(line));

describe('proposals waiting', () => {
  it('the footer says how many wait and which key reviews them; none, no word', async () => {
    ui = await renderWithProviders();
    expect(ui.lines().at(-1)).not.toContain('proposal');
    await ui.feed(proposals.map(proposed));
    expect(ui.lines().at(-1)).toMatch(/^2 proposals: v to review │ ↑↓ select/);
    await ui.feed(decided(proposals[0]!, 'accepted'));
    expect(ui.lines().at(-1)).toMatch(/^1 proposal: v to review │/);
    await ui.feed(decided(proposals[1]!, 'rejected'));
    expect(ui.lines().at(-1)).toMatch(/^↑↓ select/);
  });
});

describe('the proposals view', () => {
  it('v lists each proposal with its id, unit, source, title and origin, and the selected prompt', async () => {
    ui = await waiting();
    await ui.press('v');
    const frame = ui.lastFrame() ?? '';
    expect(frame).toContain('Proposals: 2 waiting');
    expect(frame).toMatch(
      /› #3 +fix-math-adds +health +Fix failing test math > adds · from check "tests" on/,
    );
    expect(frame).toMatch(/ {3}#4 +docs-api +agent +Document the public API · from the discovery agent/);
    expect(frame).toContain('prompt of #3 (fix-math-adds):');
    expect(frame).toContain('Make "math > adds" pass again.');
    expect(frame).toContain('It fails with: expected 4, received 5.');
  });

  it('j/k and the arrows move, wrapping, and the prompt follows the selection', async () => {
    ui = await waiting();
    await ui.press('v', 'j');
    expect(selectedRow(ui)).toContain('#4');
    expect(ui.lastFrame()).toContain('prompt of #4 (docs-api):');
    await ui.press('j');
    expect(selectedRow(ui)).toContain('#3');
    await ui.press(KEY.up);
    expect(selectedRow(ui)).toContain('#4');
    await ui.press('k', KEY.down);
    expect(selectedRow(ui)).toContain('#4');
    // k moves here: it kills nothing.
    expect(ui.control.calls).toEqual([]);
  });

  it('a accepts the selected proposal, shows the answer, and the list drops it when decided', async () => {
    ui = await waiting();
    await ui.press('v', 'j', 'a');
    expect(ui.control.calls).toEqual([{ command: 'accept', arg: 4 }]);
    expect(footerMessage(ui)).toBe('✓ proposal #4 joined the plan');
    await ui.feed(decided(proposals[1]!, 'accepted'));
    const frame = ui.lastFrame() ?? '';
    expect(frame).toContain('Proposals: 1 waiting');
    expect(frame).not.toMatch(/#4 +docs-api/);
    expect(selectedRow(ui)).toContain('#3');
  });

  it('x rejects the selected proposal; a refusal shows as such', async () => {
    ui = await waiting();
    ui.control.answers.reject = { ok: false, message: 'proposal #3 was already decided (accepted)' };
    await ui.press('v', 'x');
    expect(ui.control.calls).toEqual([{ command: 'reject', arg: 3 }]);
    expect(footerMessage(ui)).toBe('✗ proposal #3 was already decided (accepted)');
  });

  it('Esc closes the view, and v toggles it', async () => {
    ui = await waiting();
    await ui.press('v');
    expect(ui.lastFrame()).toContain('Proposals: 2 waiting');
    await ui.press(KEY.escape);
    vi.runOnlyPendingTimers(); // Ink waits a moment to tell a lone Esc from an escape sequence
    await settle();
    expect(ui.lastFrame()).not.toContain('Proposals: 2 waiting');
    expect(ui.lastFrame()).toContain('Workers');
    await ui.press('v', 'v');
    expect(ui.lastFrame()).not.toContain('Proposals: 2 waiting');
    expect(ui.control.calls).toEqual([]);
  });

  it('empty: says so and how to find some; a and x send nothing', async () => {
    ui = await renderWithProviders();
    await ui.press('v');
    expect(ui.lastFrame()).toContain('Proposals: 0 waiting');
    expect(ui.lastFrame()).toContain('No proposal waits. d runs discovery');
    await ui.press('a');
    expect(ui.control.calls).toEqual([]);
    expect(footerMessage(ui)).toBe('✗ no proposal waits to accept: d runs discovery');
    await ui.press('x');
    expect(ui.control.calls).toEqual([]);
  });

  it('d runs discovery from the view and shows its answer', async () => {
    ui = await renderWithProviders();
    ui.control.answers.discover = { ok: true, message: 'discovery started' };
    await ui.press('v', 'd');
    expect(ui.control.calls).toEqual([{ command: 'discover' }]);
    expect(footerMessage(ui)).toBe('✓ discovery started');
  });

  it('opening it takes the proposals the controller has that the screen never heard of', async () => {
    ui = await renderWithProviders();
    ui.control.open = [proposals[1]!];
    expect(ui.lines().at(-1)).not.toContain('proposal');
    await ui.press('v');
    expect(ui.lastFrame()).toContain('Proposals: 1 waiting');
    expect(selectedRow(ui)).toContain('docs-api');
  });

  it('a long prompt is wrapped at 80 columns and cut to the space, saying how much is left', async () => {
    ui = await waiting();
    await ui.resize(80, 24);
    await ui.press('v', 'j');
    const lines = ui.lines();
    expect(lines.every((line) => line.length <= 80)).toBe(true);
    const heading = lines.findIndex((line) => line.includes('prompt of #4 (docs-api):'));
    expect(heading).toBeGreaterThan(0);
    const body = lines.slice(heading + 1).filter((line) => line.startsWith('│ '));
    expect(body.length).toBeGreaterThan(2);
    // Wrapped at word boundaries: the first line holds the prompt's start and no word is split.
    expect(body[0]).toContain('The test "math > adds" fails on the working branch');
    const text = body.map((line) => line.slice(2, -1).trimEnd());
    for (const line of text.slice(0, -1)) expect(line.length).toBeLessThanOrEqual(76);
    expect(text.slice(0, -1).join(' ')).toContain(
      'Find why add() is off by one in src/math.ts, fix it without touching the test,',
    );
    // Cut: the end does not fit, and the last line says how many lines were left out.
    expect(ui.lastFrame()).not.toContain('LAST-WORDS-OF-THE-PROMPT');
    expect(text.at(-1)).toMatch(/^… \(\+\d+ lines\)$/);
  });

  it('keeps its prompt text free of control sequences', async () => {
    ui = await renderWithProviders();
    const hostile = { ...proposals[0]!, prompt: 'fix it\u001b[2J\u001b[31m now\u0007' };
    ui.control.open = [hostile];
    await ui.feed(proposed(hostile));
    await ui.press('v');
    const frame = ui.lastFrame() ?? '';
    expect(frame).toContain('fix it now');
    expect(frame).not.toContain('\u001b[2J');
    expect(frame).not.toContain('\u0007');
  });
});

describe('the help', () => {
  it('names v and explains the origin marks', async () => {
    ui = await renderWithProviders({ info: missionInfo() });
    await ui.resize(100, 40);
    await ui.press('?');
    const frame = ui.lastFrame() ?? '';
    expect(frame).toContain('v   review the proposals waiting');
    expect(frame).toContain('Units: + discovered · ~ added by an edit of the plan file · ! fixup');
  });
});
