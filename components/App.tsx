import { Box } from 'ink';
import { useMemo, type ReactNode } from 'react';
import type { MissionControl } from '../src/controller/control.js';
import { Footer } from './Footer.js';
import { Header } from './Header.js';
import { HealthPane } from './HealthPane.js';
import { HelpOverlay } from './HelpOverlay.js';
import { layoutFor } from './layout.js';
import { MergeQueuePane } from './MergeQueuePane.js';
import { OutputPane, type OutputTarget } from './OutputPane.js';
import { ProposalsView } from './ProposalsView.js';
import { QuitConfirm } from './QuitConfirm.js';
import { RoundsPane } from './RoundsPane.js';
import { themeFor, type Theme } from './theme.js';
import { UiContext, type UiServices } from './ui-context.js';
import { UnitDetail } from './UnitDetail.js';
import { UnitsPane } from './UnitsPane.js';
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
}

/** The one provider: the view model and the controller's commands, built by the CLI, handed down here. */
export function App({ store, control, theme, onForceQuit }: AppProps) {
  const services = useMemo<UiServices>(
    () => ({ store, control, theme: theme ?? themeFor(process.env), onForceQuit: onForceQuit ?? (() => {}) }),
    [store, control, theme, onForceQuit],
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
  const layout = layoutFor({
    columns: size.columns,
    rows: size.rows,
    workers: view.workers.length,
    attention: view.attention.length,
    rounds: view.rounds.length,
    merges: view.merges.length,
    checks: view.health.checks.length,
    unitsFocused: selection.pane === 'units',
  });
  const { workers, attention } = view;
  // Its own reference changes only with the selection or the rows (new output): the pane follows live.
  const target = useMemo(() => outputTarget(selection, workers, attention), [selection, workers, attention]);
  const middle = layout.band + layout.output;
  const roundsWidth = Math.floor(layout.width * 0.3);
  const mergesWidth = Math.floor(layout.width * 0.35);
  let body: ReactNode;
  if (view.overlay === 'help') {
    body = <HelpOverlay height={middle} width={layout.width} />;
  } else if (view.overlay === 'proposals') {
    body = <ProposalsView proposals={view.proposals} height={middle} width={layout.width} />;
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
      <Header header={view.header} now={now} />
      <WorkersPane
        workers={view.workers}
        selected={selection.pane === 'workers' ? selection.index : -1}
        focused={selection.pane === 'workers'}
        height={layout.workers}
        width={layout.width}
        now={now}
        maxAttempts={view.header.maxAttempts}
      />
      <UnitsPane
        units={view.attention}
        selected={selection.pane === 'units' ? selection.index : -1}
        focused={selection.pane === 'units'}
        height={layout.attention}
        width={layout.width}
      />
      {body}
      <Box flexGrow={1} />
      <Footer message={view.messages.at(-1)} proposals={view.proposals.waiting} />
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
