/**
 * How fast `gaffer replay` plays a run on the screen.
 *
 * Events come at their recorded pace divided by the speed, but no gap between
 * two events takes more than MAX_GAP_MS of screen time: a day-long mission is
 * mostly agents working quietly for minutes, and a replay must be reviewable
 * in minutes, not hours. With the cap, a run of N events plays in at most
 * N seconds whatever its length; what happens in a burst (a merge, a round's
 * end) keeps its order and its relative pace.
 *
 * The default, DEFAULT_SPEED (10×), turns a few seconds of recorded bursts
 * into a moment you can still follow with the eye; + and - change it on the
 * screen, --speed from the command line.
 */
import { UsageError } from '../errors.js';

export const DEFAULT_SPEED = 10;
/** The longest pause between two events on the screen, whatever the recorded gap. */
export const MAX_GAP_MS = 1000;
/** The speeds + and - step through. */
export const SPEED_STEPS: readonly number[] = [0.5, 1, 2, 5, 10, 20, 50, 100, 1000];
const MAX_SPEED = 100_000;

/** Screen time between an event recorded at `fromAt` and the next at `toAt` (ISO times). */
export function screenGapMs(fromAt: string, toAt: string, speed: number): number {
  const recorded = Date.parse(toAt) - Date.parse(fromAt);
  if (!Number.isFinite(recorded) || recorded <= 0) return 0;
  return Math.min(MAX_GAP_MS, recorded / speed);
}

/** The next step of SPEED_STEPS above (`direction` 1) or below (-1) `speed`; the end steps stay. */
export function nextSpeed(speed: number, direction: 1 | -1): number {
  if (direction === 1) return SPEED_STEPS.find((step) => step > speed) ?? speed;
  return [...SPEED_STEPS].reverse().find((step) => step < speed) ?? speed;
}

/** `10×`, `0.5×`. */
export function speedText(speed: number): string {
  return `${Number.isInteger(speed) ? String(speed) : String(Number(speed.toPrecision(3)))}×`;
}

/** --speed: a positive number, the multiple of the recorded pace. */
export function parseSpeed(text: string | undefined): number {
  if (text === undefined) return DEFAULT_SPEED;
  const speed = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(speed) || speed <= 0 || speed > MAX_SPEED) {
    throw new UsageError(
      `--speed takes a positive number up to ${MAX_SPEED}, the multiple of the recorded pace (like 10, or 0.5 for half speed), not "${text}"; the default is ${DEFAULT_SPEED}`,
    );
  }
  return speed;
}
