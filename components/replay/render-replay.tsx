/**
 * `gaffer replay`'s screen, loaded by the CLI with a dynamic import() only
 * when it will draw (as components/render.tsx is for a run).
 */
import { render } from 'ink';
import type { MissionControl } from '../../src/controller/control.js';
import type { GafferEvent } from '../../src/events/types.js';
import { MAX_FPS } from '../render.js';
import { themeFor } from '../theme.js';
import type { MissionInfo } from '../view-model/types.js';
import { ReplayApp } from './ReplayApp.js';
import { ReplayDriver } from './replay-driver.js';

export interface ReplayUiOptions {
  events: readonly GafferEvent[];
  info: MissionInfo;
  speed: number;
  /** The detail of a unit as the run left it (Enter); read from the state database. */
  detail?: MissionControl['detail'];
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  env?: NodeJS.ProcessEnv;
}

/** Plays the events on the screen; resolves when the operator leaves (q, Ctrl-C). */
export async function runReplayUi(options: ReplayUiOptions): Promise<void> {
  let leave = (): void => undefined;
  const driver = new ReplayDriver(options.events, options.info, {
    speed: options.speed,
    onLeave: () => leave(),
  });
  const instance = render(
    <ReplayApp replay={driver} detail={options.detail} theme={themeFor(options.env ?? process.env)} />,
    {
      stdout: options.stdout ?? process.stdout,
      stdin: options.stdin ?? process.stdin,
      maxFps: MAX_FPS,
      exitOnCtrlC: false,
      patchConsole: true,
    },
  );
  leave = () => instance.unmount();
  driver.start();
  try {
    await instance.waitUntilExit();
  } finally {
    driver.dispose();
  }
}
