import type { Spend } from '../store/attempts.js';

/** The tokens a budget counts and the screens show: input and output (prompt-cache traffic aside). */
export function spentTokens(spend: Pick<Spend, 'inputTokens' | 'outputTokens'>): number {
  return spend.inputTokens + spend.outputTokens;
}

/** `$0.42`; a cost under a cent is `<$0.01`, never `$0.00` for something that did cost. */
export function formatUsd(usd: number): string {
  if (usd > 0 && usd < 0.01) return '<$0.01';
  return `$${usd.toFixed(2)}`;
}

/** `950`, `12.3k`, `4.1M`. */
export function formatTokens(tokens: number): string {
  if (tokens < 1000) return String(Math.round(tokens));
  if (tokens < 1_000_000) return `${trim((tokens / 1000).toFixed(1))}k`;
  return `${trim((tokens / 1_000_000).toFixed(1))}M`;
}

/**
 * `$0.42 12.3k tok`: the cost when the agent reported one, and the tokens;
 * tokens alone when it reported no cost; '' when it reported nothing.
 */
export function formatSpend(spend: Spend | null | undefined): string {
  if (!spend) return '';
  const tokens = spentTokens(spend);
  const parts = [
    ...(spend.costUsd === null ? [] : [formatUsd(spend.costUsd)]),
    ...(tokens > 0 || spend.costUsd !== null ? [`${formatTokens(tokens)} tok`] : []),
  ];
  return parts.join(' ');
}

/** Adds what attempts used; a cost stays null until one of them reports one. */
export function addSpend(a: Spend, b: Spend | null | undefined): Spend {
  if (!b) return a;
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cachedTokens: a.cachedTokens + b.cachedTokens,
    costUsd: a.costUsd === null && b.costUsd === null ? null : (a.costUsd ?? 0) + (b.costUsd ?? 0),
  };
}

export const NO_SPEND: Spend = { inputTokens: 0, outputTokens: 0, cachedTokens: 0, costUsd: null };

function trim(fixed: string): string {
  return fixed.endsWith('.0') ? fixed.slice(0, -2) : fixed;
}
