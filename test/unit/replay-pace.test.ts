import { describe, expect, it } from 'vitest';
import { ExitCode, UsageError } from '../../src/errors.js';
import {
  DEFAULT_SPEED,
  MAX_GAP_MS,
  nextSpeed,
  parseSpeed,
  screenGapMs,
  speedText,
} from '../../src/replay/pace.js';

const at = (seconds: number): string => new Date(Date.UTC(2026, 0, 1, 10) + seconds * 1000).toISOString();

describe('the replay’s pace', () => {
  it('divides the recorded gap by the speed', () => {
    expect(screenGapMs(at(0), at(0.8), 1)).toBe(800);
    expect(screenGapMs(at(0), at(0.5), 1)).toBe(500);
    expect(screenGapMs(at(0), at(5), 10)).toBe(500);
    expect(screenGapMs(at(0), at(1), 0.5)).toBe(MAX_GAP_MS);
  });

  it('caps an idle gap, however long, at MAX_GAP_MS of screen time: a day-long run is reviewable', () => {
    expect(screenGapMs(at(0), at(8 * 3600), DEFAULT_SPEED)).toBe(MAX_GAP_MS);
    expect(MAX_GAP_MS).toBe(1000);
  });

  it('plays events recorded at the same time, or out of order, with no gap', () => {
    expect(screenGapMs(at(3), at(3), 1)).toBe(0);
    expect(screenGapMs(at(3), at(2), 1)).toBe(0);
    expect(screenGapMs('not a time', at(2), 1)).toBe(0);
  });

  it('+ and - step through the speeds, and stay at either end', () => {
    expect(nextSpeed(10, 1)).toBe(20);
    expect(nextSpeed(10, -1)).toBe(5);
    expect(nextSpeed(3, 1)).toBe(5);
    expect(nextSpeed(3, -1)).toBe(2);
    expect(nextSpeed(1000, 1)).toBe(1000);
    expect(nextSpeed(0.5, -1)).toBe(0.5);
    expect([speedText(10), speedText(0.5), speedText(1 / 3)]).toEqual(['10×', '0.5×', '0.333×']);
  });

  it('--speed takes a positive number; anything else is a usage error naming the default', () => {
    expect(parseSpeed(undefined)).toBe(DEFAULT_SPEED);
    expect(parseSpeed('2.5')).toBe(2.5);
    for (const bad of ['', ' ', '0', '-1', 'fast', 'Infinity', 'NaN', '1e9']) {
      const error = (() => {
        try {
          parseSpeed(bad);
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error, bad).toBeInstanceOf(UsageError);
      expect((error as UsageError).exitCode).toBe(ExitCode.usage);
      expect((error as UsageError).message).toContain(`not "${bad}"; the default is ${DEFAULT_SPEED}`);
    }
  });
});
