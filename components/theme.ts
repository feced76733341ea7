/**
 * Colours by meaning, in one place. With NO_COLOR set (to anything but the
 * empty string, as https://no-color.org asks) every colour is undefined and
 * the panes carry their meaning in words and symbols alone; bold and dim
 * still mark the selection and headings.
 */
export interface Theme {
  ok: string | undefined;
  bad: string | undefined;
  warn: string | undefined;
  accent: string | undefined;
  muted: string | undefined;
}

const COLORS: Theme = { ok: 'green', bad: 'red', warn: 'yellow', accent: 'cyan', muted: 'gray' };
const NONE: Theme = { ok: undefined, bad: undefined, warn: undefined, accent: undefined, muted: undefined };

export function noColorRequested(env: NodeJS.ProcessEnv): boolean {
  return env.NO_COLOR !== undefined && env.NO_COLOR !== '';
}

export function themeFor(env: NodeJS.ProcessEnv): Theme {
  return noColorRequested(env) ? NONE : COLORS;
}
