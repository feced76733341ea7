/**
 * The UI's entry point, loaded by the CLI with a dynamic import() only when
 * it will draw (a terminal, not --headless, not CI). It gets the controller's
 * bus and commands from supervise's attach and never reaches past them.
 */
import { render, useStdout } from 'ink';
import { useEffect, type ReactNode } from 'react';
import type { MissionControl } from '../src/controller/control.js';
import type { EventBus } from '../src/events/bus.js';
import { App } from './App.js';
import { pagerFor } from './pager.js';
import { themeFor } from './theme.js';
import { ViewModelStore } from './view-model/store.js';
import type { MissionInfo } from './view-model/types.js';

/** Ink's own throttle: a second bound behind the view model's coalescing. */
export const MAX_FPS = 20;

export interface UiOptions {
  bus: EventBus;
  control: MissionControl;
  info: MissionInfo;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  /** A second Ctrl-C. The CLI decides what forcing means (it exits the process). */
  onForceQuit?: () => void;
  env?: NodeJS.ProcessEnv;
}

export interface UiHandle {
  /** Resolves when the UI has been unmounted. */
  waitUntilExit(): Promise<void>;
  /** Draws the last state and leaves the screen to the CLI (the summary follows). */
  unmount(): void;
}

export { pagerOpen } from './pager.js';

/** Ink's own write to the screen (it clears its frame, writes, then draws the whole frame again). */
interface InkWriter {
  write?: (data: string) => void;
}

/** Hands Ink's writer out of the tree, for the pager's redraw. */
function CaptureWriter({ into, children }: { into: InkWriter; children: ReactNode }) {
  const { write } = useStdout();
  useEffect(() => {
    into.write = write;
  }, [into, write]);
  return children;
}

export async function runUi(options: UiOptions): Promise<UiHandle> {
  const store = new ViewModelStore(options.info);
  const detach = store.attach(options.bus);
  const stdout = options.stdout ?? process.stdout;
  const stdin = options.stdin ?? process.stdin;
  const writer: InkWriter = {};
  const openPager = pagerFor({
    stdin,
    stdout,
    env: options.env ?? process.env,
    redraw: (data) => (writer.write ? writer.write(data) : stdout.write(data)),
  });
  const instance = render(
    <CaptureWriter into={writer}>
      <App
        store={store}
        control={options.control}
        theme={themeFor(options.env ?? process.env)}
        onForceQuit={options.onForceQuit}
        openPager={openPager}
      />
    </CaptureWriter>,
    {
      stdout,
      stdin,
      maxFps: MAX_FPS,
      exitOnCtrlC: false,
      // Nothing else may write to the screen while the UI owns it; console output would tear the frame.
      patchConsole: true,
    },
  );
  let unmounted = false;
  const exited = instance.waitUntilExit().then(
    () => undefined,
    () => undefined,
  );
  return Promise.resolve({
    waitUntilExit: () => exited,
    unmount: () => {
      if (unmounted) return;
      unmounted = true;
      detach();
      store.flush();
      instance.unmount();
      store.dispose();
    },
  });
}
