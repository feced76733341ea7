import { useInput, type Key } from 'ink';
import { useRef } from 'react';
import type { CommandResult } from '../src/controller/control.js';
import { useUi } from './use-ui.js';

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
 */
export function useKeys(): void {
  const { store, control, onForceQuit } = useUi();
  const interrupts = useRef(0);

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
  };

  useInput((input: string, key: Key) => {
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
        store.setOverlay('none');
        interrupts.current = 0;
      }
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
    else if (input === 'k') onSelected('kill', (unitId) => control.kill(unitId));
    else if (input === 'r') onSelected('retry', (unitId) => control.retry(unitId));
    else if (input === 'd') show(control.discover());
    else if (input === 'v') store.openProposals(control.proposals());
    else if (input === 'p') show(control.setPaused(!control.isPaused()));
    else if (input === 'q') requestQuit();
    else if (input === '?') store.setOverlay('help');
    else if (key.return) openDetail();
  });
}
