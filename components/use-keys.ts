import { useInput, type Key } from 'ink';
import { useRef } from 'react';
import type { CommandResult } from '../src/controller/control.js';
import { useReplayKeys } from './use-replay-keys.js';
import type { OutputScroll } from './output-scroll.js';
import type { UiServices } from './ui-context.js';
import { useUi } from './use-ui.js';
import { SORT_WORDS } from './view-model/units-view.js';

/**
 * The keys. Each one acts through the view model (selection, overlays) or
 * sends one command to the controller and shows its answer; none waits for
 * anything, so keys stay instant while workers flood output.
 *
 * q and the first Ctrl-C ask for confirmation while attempts run (y quits,
 * n or Esc goes back); a second Ctrl-C forces the exit.
 *
 * Enter opens the selected unit's detail (it scrolls with its own keys; Esc
 * or Enter closes it).
 *
 * v opens the proposals view, which has keys of its own (a accept, x reject,
 * j/k and the arrows move, Esc or v closes); d runs discovery there too.
 * u opens the Units view (j/k move, s sorts, / filters, r retries, K kills).
 * k (and K in the Units view) asks before it kills: y kills, any other key keeps it.
 * Every key gets an answer: one that does nothing here says so.
 */
export function useKeys(): void {
  const services = useUi();
  const { store, control, onForceQuit } = services;
  const interrupts = useRef(0);
  const replayKey = useReplayKeys();

  const show = (result: CommandResult): void =>
    store.showMessage(result.message, result.ok ? 'ok' : 'refused');

  const quitNow = (): void => {
    store.setOverlay('none');
    const result = control.quit();
    show(result);
    if (result.ok) store.setStopping();
  };

  const requestQuit = (): void => {
    const view = store.getSnapshot();
    if (view.header.stopping) {
      store.showMessage('already stopping: attempts are ending; Ctrl-C twice forces', 'info');
      return;
    }
    if (control.running().length > 0) store.setOverlay('confirm-quit');
    else quitNow();
  };

  const onSelected = (verb: string, act: (unitId: string) => CommandResult): void => {
    const { unitId } = store.getSnapshot().selection;
    if (unitId === null) {
      store.showMessage(
        `nothing selected to ${verb}: pick a worker or unit with ↑/↓ (Tab switches pane)`,
        'refused',
      );
      return;
    }
    show(act(unitId));
  };

  /** A kill asks first; a unit with no running attempt gets the controller's own refusal. */
  const askKill = (unitId: string): void => {
    const running = control.running().find((entry) => entry.unitId === unitId);
    if (running === undefined) show(control.kill(unitId));
    else store.askKill({ unitId, attempt: running.attempt });
  };

  const confirmKill = (input: string): void => {
    const asked = store.takeKill();
    if (asked === null) return;
    if (input === 'y' || input === 'Y') show(control.kill(asked.unitId));
    else store.showMessage(`kill cancelled: ${asked.unitId}'s attempt ${asked.attempt} goes on`, 'info');
  };

  const unknown = (input: string, key: Key, where: string): void => {
    const name = keyName(input, key);
    store.showMessage(`${name} does nothing ${where}: ? lists the keys`, 'info');
  };

  const unitsKey = (input: string, key: Key): void => {
    const view = store.getSnapshot().units;
    if (view.typing) {
      if (key.escape) store.endFilter(false);
      else if (key.return) store.endFilter(true);
      else if (key.backspace || key.delete) store.eraseFilter();
      else if (input !== '' && !key.ctrl && !key.meta) store.typeFilter(input);
      return;
    }
    const selected = (): string | null => store.selectedUnit()?.id ?? null;
    const onUnit = (verb: string, act: (unitId: string) => void): void => {
      const unitId = selected();
      if (unitId === null) store.showMessage(`no unit to ${verb}: the list is empty`, 'refused');
      else act(unitId);
    };
    if (key.escape && view.filter !== '') store.endFilter(false);
    else if (key.escape || input === 'u') store.setOverlay('none');
    else if (key.return) onUnit('show', (unitId) => store.openDetail(unitId));
    else if (key.upArrow || input === 'k') store.moveUnit(-1);
    else if (key.downArrow || input === 'j') store.moveUnit(1);
    else if (key.pageUp) store.moveUnit(-10);
    else if (key.pageDown) store.moveUnit(10);
    else if (key.home || input === 'g') store.moveUnit(-Infinity);
    else if (key.end || input === 'G') store.moveUnit(Infinity);
    else if (input === 's') store.showMessage(`units sorted by ${SORT_WORDS[store.cycleSort()]}`, 'info');
    else if (input === '/') store.startFilter();
    else if (input === 'r') onUnit('retry', (unitId) => show(control.retry(unitId)));
    else if (input === 'K') onUnit('kill', askKill);
    else if (input === 'q') requestQuit();
    else if (input === '?') store.setOverlay('help');
    else unknown(input, key, 'in the Units view');
  };

  const openDetail = (): void => {
    const { unitId } = store.getSnapshot().selection;
    if (unitId === null)
      store.showMessage('nothing selected to show: pick a worker or unit with ↑/↓, then Enter', 'refused');
    else store.openDetail(unitId);
  };

  const onProposal = (verb: string, act: (proposalId: number) => CommandResult): void => {
    const proposal = store.selectedProposal();
    if (proposal === undefined) {
      store.showMessage(`no proposal waits to ${verb}: d runs discovery`, 'refused');
      return;
    }
    show(act(proposal.id));
  };

  const proposalsKey = (input: string, key: Key): void => {
    if (key.escape || input === 'v') store.setOverlay('none');
    else if (key.upArrow || input === 'k') store.moveProposal(-1);
    else if (key.downArrow || input === 'j') store.moveProposal(1);
    else if (input === 'a') onProposal('accept', (id) => control.accept(id));
    else if (input === 'x') onProposal('reject', (id) => control.reject(id));
    else if (input === 'd') show(control.discover());
    else if (input === 'q') requestQuit();
    else unknown(input, key, 'in the proposals view');
  };

  /**
   * A terminal may hand several keys over in one read (typed fast, or sent
   * by a script): plain characters are taken one key at a time, so "\tr"
   * is Tab then r, never an unknown key.
   */
  useInput((input: string, key: Key) => {
    if (input.length > 1 && !key.ctrl && !key.meta && !input.includes('\u001b')) {
      for (const char of input) onKey(char, { ...key, tab: char === '\t', return: char === '\r' });
      return;
    }
    onKey(input, key);
  });

  function onKey(input: string, key: Key): void {
    // `gaffer replay`: its keys first (and the command keys answer that it is read-only).
    if (replayKey?.(input, key)) return;
    if (key.ctrl && input === 'c') {
      interrupts.current += 1;
      if (interrupts.current >= 2) onForceQuit();
      else requestQuit();
      return;
    }
    const overlay = store.getSnapshot().overlay;
    if (overlay === 'confirm-quit') {
      if (input === 'y' || input === 'Y') quitNow();
      else if (input === 'n' || input === 'N' || input === 'q' || key.escape) {
        store.setOverlay(store.dialogReturn());
        interrupts.current = 0;
        store.showMessage('quit cancelled: the mission goes on', 'info');
      } else store.showMessage('y quits, n or Esc goes back', 'info');
      return;
    }
    if (overlay === 'confirm-kill') {
      confirmKill(input);
      return;
    }
    if (overlay === 'units') {
      unitsKey(input, key);
      return;
    }
    if (overlay === 'help') {
      store.setOverlay('none');
      return;
    }
    if (overlay === 'proposals') {
      proposalsKey(input, key);
      return;
    }
    // The detail view scrolls with its own keys (UnitDetail); here only closing and quitting.
    if (overlay === 'detail') {
      if (key.escape || key.return) store.closeDetail();
      else if (input === 'q') requestQuit();
      return;
    }
    if (key.upArrow) store.moveSelection(-1);
    else if (key.downArrow) store.moveSelection(1);
    else if (key.tab || key.leftArrow || key.rightArrow) store.cycleFocus();
    else if (input === 'k') {
      const { unitId } = store.getSnapshot().selection;
      if (unitId === null) onSelected('kill', (id) => control.kill(id));
      else askKill(unitId);
    } else if (input === 'r') onSelected('retry', (unitId) => control.retry(unitId));
    else if (input === 'u') store.openUnits();
    else if (input === 'd') show(control.discover());
    else if (input === 'v') store.openProposals(control.proposals());
    else if (input === 'p') show(control.setPaused(!control.isPaused()));
    else if (input === 'q') requestQuit();
    else if (input === '?') store.setOverlay('help');
    else if (key.return) openDetail();
    else if (!outputKey(services, input, key)) unknown(input, key, 'here');
  }
}

/** A key as the message line names it. */
function keyName(input: string, key: Key): string {
  if (key.return) return 'Enter';
  if (key.escape) return 'Esc';
  if (key.pageUp) return 'PgUp';
  if (key.pageDown) return 'PgDn';
  if (key.home) return 'Home';
  if (key.end) return 'End';
  if (key.backspace || key.delete) return 'Backspace';
  if (key.ctrl) return `Ctrl-${input.toUpperCase()}`;
  if (input === ' ') return 'Space';
  return `"${input}"`;
}

/**
 * The output pane's keys: PgUp/PgDn scroll a page, Home goes to the oldest
 * line of the log, End to the newest (following again), f stops or resumes
 * following, l opens the attempt's whole log in the operator's pager.
 */
function outputKey(services: UiServices, input: string, key: Key): boolean {
  const { store, scroll } = services;
  const act: Partial<Record<string, (scroll: OutputScroll) => CommandResult | undefined>> = {
    pageUp: (s) => s.pageUp(),
    pageDown: (s) => s.pageDown(),
    home: (s) => s.home(),
    end: (s) => s.end(),
    f: (s) => s.toggleFollow(),
  };
  const name = key.pageUp
    ? 'pageUp'
    : key.pageDown
      ? 'pageDown'
      : key.home
        ? 'home'
        : key.end
          ? 'end'
          : input;
  const scrolled = act[name];
  if (scrolled) {
    const result = scrolled(scroll);
    if (result) store.showMessage(result.message, result.ok ? 'ok' : 'refused');
    return true;
  }
  if (input !== 'l') return false;
  openLog(services);
  return true;
}

/** `l`: the log of the attempt the pane shows, in $PAGER; the supervisor goes on meanwhile. */
function openLog({ store, control, scroll, openPager }: UiServices): void {
  const { unitId } = store.getSnapshot().selection;
  if (unitId === null) {
    store.showMessage('no log to open: select a worker or a unit with ↑/↓', 'refused');
    return;
  }
  const attempt = scroll.getSnapshot()?.attempt;
  const view = control.logWindow(unitId, attempt === undefined ? {} : { attempt });
  const logPath = attempt === undefined ? (control.output(unitId)?.logPath ?? view?.logPath) : view?.logPath;
  if (logPath === undefined) {
    store.showMessage(`${unitId} has no log yet: no attempt has started`, 'refused');
    return;
  }
  void openPager(logPath).then(
    (result) => store.showMessage(result.message, result.ok ? 'ok' : 'refused'),
    (error: unknown) => store.showMessage(`the pager failed: ${String(error)}`, 'refused'),
  );
}
