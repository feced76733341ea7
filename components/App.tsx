import { Box } from 'ink';
import { useMemo, type ReactNode } from 'react';
import type { MissionControl } from '../src/controller/control.js';
import { Footer, footerLines } from './Footer.js';
import { Header } from './Header.js';
import { HealthPane } from './HealthPane.js';
import { HelpOverlay } from './HelpOverlay.js';
import { layoutFor } from './layout.js';
import { MergeQueuePane } from './MergeQueuePane.js';
import { OutputPane, type OutputTarget } from './OutputPane.js';
import { OutputScroll } from './output-scroll.js';
import { ProposalsView } from './ProposalsView.js';
import { KillConfirm, QuitConfirm } from './QuitConfirm.js';
import type { ReplayService } from './replay/replay-service.js';
import { RoundsPane } from './RoundsPane.js';
import { themeFor, type Theme } from './theme.js';
import { NO_PAGER, UiContext, type UiServices } from './ui-context.js';
import { UnitDetail } from './UnitDetail.js';
import { UnitsPane } from './UnitsPane.js';
import { UnitsView } from './UnitsView.js';
import { useKeys } from './use-keys.js';
import { useNow } from './use-now.js';
import { useTerminalSize } from './use-terminal-size.js';
import { useUi } from './use-ui.js';
import { useView } from './use-view.js';
import type { ViewModelStore } from './view-model/store.js';
import type { ViewSnapshot } from './view-model/types.js';
import { WorkersPane } from './WorkersPane.js';

export interface AppProps {
  store: ViewModelStore;
  control: MissionControl;
  theme?: Theme;
  onForceQuit?: () => void;
  /** `gaffer replay`: see components/replay. */
  replay?: ReplayService;
  /** Opens a log in the operator's pager (render.tsx's); without it `l` says no pager can open. */
  openPager?: UiServices['openPager'];
}

/** The one provider: the view model and the controller's commands, built by the CLI, handed down here. */
export function App({ store, control, theme, onForceQuit, replay, openPager }: AppProps) {
  const scroll = useMemo(() => new OutputScroll(control), [control]);
  const services = useMemo<UiServices>(
    () => ({
      store,
      control,
      theme: theme ?? themeFor(process.env),
      onForceQuit: onForceQuit ?? (() => {}),
      replay,
      scroll,
      openPager: openPager ?? NO_PAGER,
    }),
    [store, control, theme, onForceQuit, replay, scroll, openPager],
  );
  return (
    <UiContext.Provider value={services}>
      <Screen />
    </UiContext.Provider>
  );
}

export function Screen() {
  useKeys();
  const { control } = useUi();
  const view = useView();
  const size = useTerminalSize();
  const now = useNow(1000);
  const { selection } = view;
  const message = view.messages.at(-1);
  const layout = layoutFor({
    columns: size.columns,
    rows: size.rows,
    workers: view.workers.length,
    attention: view.attention.length,
    rounds: view.rounds.length,
    merges: view.merges.length,
    checks: view.health.checks.length,
    unitsFocused: selection.pane === 'units',
    footer: footerLines(message, Math.max(20, size.columns), size.rows),
  });
  const { workers, attention } = view;
  // Its own reference changes only with the selection or the rows (new output): the pane follows live.
  const target = useMemo(() => outputTarget(selection, workers, attention), [selection, workers, attention]);
  const middle = layout.band + layout.output;
  const roundsWidth = Math.floor(layout.width * 0.3);
  const mergesWidth = Math.floor(layout.width * 0.35);
  let body: ReactNode;
  // The help takes the panes' place too: it is read whole, and the panes are back on the next key.
  const helpOpen = view.overlay === 'help';
  if (helpOpen) {
    body = <HelpOverlay height={layout.workers + layout.attention + middle} width={layout.width} />;
  } else if (view.overlay === 'proposals') {
    body = <ProposalsView proposals={view.proposals} height={middle} width={layout.width} />;
  } else if (view.overlay === 'units') {
    body = <UnitsView units={view.units} height={middle} width={layout.width} />;
  } else if (view.overlay === 'confirm-kill' && view.killConfirm !== null) {
    body = (
      <Box height={middle} flexDirection="column">
        <KillConfirm confirm={view.killConfirm} width={layout.width} />
      </Box>
    );
  } else if (view.overlay === 'detail' && view.detailUnitId !== null) {
    body = <UnitDetail unitId={view.detailUnitId} height={middle} width={layout.width} />;
  } else if (view.overlay === 'confirm-quit') {
    body = (
      <Box height={middle} flexDirection="column">
        <QuitConfirm running={control.running().length} width={layout.width} />
      </Box>
    );
  } else {
    body = (
      <>
        {layout.band > 0 ? (
          <Box height={layout.band} width={layout.width}>
            <RoundsPane rounds={view.rounds} height={layout.band} width={roundsWidth} now={now} />
            <MergeQueuePane merges={view.merges} height={layout.band} width={mergesWidth} />
            <HealthPane
              health={view.health}
              height={layout.band}
              width={layout.width - roundsWidth - mergesWidth}
            />
          </Box>
        ) : null}
        <OutputPane target={target} height={layout.output} width={layout.width} />
      </>
    );
  }
  return (
    <Box flexDirection="column" width={layout.width} height={layout.height}>
      <Header header={view.header} hosts={view.hosts} now={now} width={layout.width} />
      <WorkersPane
        workers={view.workers}
        hosts={view.hosts}
        selected={selection.pane === 'workers' ? selection.index : -1}
        focused={selection.pane === 'workers'}
        height={helpOpen ? 0 : layout.workers}
        width={layout.width}
        now={now}
        maxAttempts={view.header.maxAttempts}
      />
      <UnitsPane
        units={view.attention}
        selected={selection.pane === 'units' ? selection.index : -1}
        focused={selection.pane === 'units'}
        height={helpOpen ? 0 : layout.attention}
        width={layout.width}
      />
      {body}
      <Box flexGrow={1} />
      <Footer
        message={message}
        proposals={view.proposals.waiting}
        width={layout.width}
        lines={layout.footer}
      />
    </Box>
  );
}

function outputTarget(
  selection: ViewSnapshot['selection'],
  workers: ViewSnapshot['workers'],
  attention: ViewSnapshot['attention'],
): OutputTarget {
  if (selection.pane === 'workers') {
    const worker = workers[selection.index];
    return {
      unitId: worker?.unitId ?? null,
      running: worker?.running ?? false,
      logPath: worker?.logPath ?? null,
      lines: worker?.lines ?? 0,
    };
  }
  const unit = attention[selection.index];
  return { unitId: unit?.id ?? null, running: false, logPath: unit?.logPath ?? null, lines: 0 };
}
