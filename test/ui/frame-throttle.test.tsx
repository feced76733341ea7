import { expect, it, vi } from 'vitest';
import { DEFAULT_COALESCE_MS } from '../../components/view-model/store.js';
import { output, renderWithProviders, settle, started, type Rendered, useFakeClock } from './helpers.js';

let ui: Rendered | undefined;

useFakeClock(() => {
  ui?.unmount();
  ui = undefined;
});

it('draws no frame per output line: 1000 lines make one frame, after the coalescing window', async () => {
  ui = await renderWithProviders();
  await ui.feed(started('parser'));
  const before = ui.frames.length;
  for (let i = 1; i <= 1000; i += 1) ui.store.apply(output('parser', `line ${i}`));
  await settle();
  expect(ui.frames.length).toBe(before);
  vi.advanceTimersByTime(DEFAULT_COALESCE_MS - 1);
  await settle();
  expect(ui.frames.length).toBe(before);
  vi.advanceTimersByTime(1);
  await settle();
  expect(ui.frames.length).toBe(before + 1);
  expect(ui.lastFrame()).toContain('line 1000');
});

it('draws at most ~20 frames a second under a sustained flood, whatever the line rate', async () => {
  ui = await renderWithProviders();
  await ui.feed(started('parser'), started('lexer'));
  const before = ui.frames.length;
  // Two seconds of 8 lines per millisecond (8000 lines a second), in 10 ms steps.
  for (let step = 0; step < 200; step += 1) {
    for (let i = 0; i < 80; i += 1)
      ui.store.apply(output(i % 2 ? 'parser' : 'lexer', `step ${step} line ${i}`));
    vi.advanceTimersByTime(10);
    await settle();
  }
  const frames = ui.frames.length - before;
  // 40 coalesced notifications, plus the clock's two ticks.
  expect(frames).toBeGreaterThanOrEqual(30);
  expect(frames).toBeLessThanOrEqual(2 * (1000 / DEFAULT_COALESCE_MS) + 2);
  expect(ui.lastFrame()).toContain('step 199 line');
});

it('redraws once a second while nothing happens, so elapsed times move', async () => {
  ui = await renderWithProviders();
  await ui.feed(started('parser'));
  const before = ui.frames.length;
  // The attempt started at T0 + 2 s (the events' clock); five seconds on, it has run for 3.
  vi.advanceTimersByTime(5000);
  await settle();
  expect(ui.frames.length - before).toBeLessThanOrEqual(5);
  expect(ui.lines().find((line) => line.includes('parser'))).toMatch(/running +3s/);
});
