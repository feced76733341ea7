import { displayPath, findingMessage, findingName, notRecognized, zeroCounts } from './output-text.js';
import type { Finding, ParserInput, ParserResult } from './types.js';

/**
 * bandit's default screen report. Each finding is a block
 *
 *   >> Issue: [B602:subprocess_popen_with_shell_equals_true] subprocess call with shell=True ...
 *      Severity: High   Confidence: High
 *      Location: src/tasks.py:7          (bandit 1.7+ adds ":col" and a "CWE:" line)
 *
 * under "Test results:" ("No issues identified." when clean), then "Run metrics:" totals by
 * severity. High and medium severity are errors and named as failing; low (and undefined) are
 * warnings.
 */

const ISSUE = /^>> Issue: \[(B\d+)(?::[\w-]+)?\](.*)$/;
const SEVERITY = /^\s+Severity: (\w+)\s+Confidence: \w+/;
const LOCATION = /^\s+Location: (.+?):(\d+)(?::\d+)?\s*$/;
// "Test results:" is too generic an anchor; these two lines are bandit's own.
const REPORT_MARK = /^(?:Run metrics:|\s*No issues identified\.)$/;
const METRICS_HEADING = /^\s+Total issues \(by severity\):$/;
const METRIC = /^\s+(Undefined|Low|Medium|High): (\d+)(?:\.\d+)?$/;

interface Issue {
  code: string;
  message: string;
  severity?: string;
  file?: string;
  line?: string;
}

export function parseBandit(input: ParserInput): ParserResult {
  const issues: Issue[] = [];
  const metrics = new Map<string, number>();
  let recognized = false;
  let inSeverityMetrics = false;

  for (const line of input.lines) {
    if (REPORT_MARK.test(line)) recognized = true;
    const issue = ISSUE.exec(line);
    if (issue?.[1]) {
      recognized = true;
      issues.push({ code: issue[1], message: findingMessage(issue[2] ?? '') });
      continue;
    }
    const current = issues.at(-1);
    const severity = SEVERITY.exec(line);
    if (severity?.[1] && current) current.severity = severity[1].toLowerCase();
    const location = LOCATION.exec(line);
    if (location?.[1] && location[2] && current && current.file === undefined) {
      current.file = displayPath(location[1], input.cwd);
      current.line = location[2];
    }
    if (METRICS_HEADING.test(line)) inSeverityMetrics = true;
    else if (inSeverityMetrics) {
      const metric = METRIC.exec(line);
      if (metric?.[1] && metric[2]) metrics.set(metric[1].toLowerCase(), Number(metric[2]));
      else inSeverityMetrics = false;
    }
  }

  if (!recognized) return notRecognized();
  const counts = zeroCounts();
  const failing: string[] = [];
  const findings: Finding[] = [];
  for (const found of issues) {
    const severity = isError(found.severity) ? 'error' : 'warning';
    const file = found.file ?? '';
    findings.push({
      file,
      line: Number(found.line ?? 0),
      rule: found.code,
      message: found.message,
      severity,
    });
    if (severity === 'warning') {
      counts.warnings += 1;
      continue;
    }
    counts.errors += 1;
    if (found.file !== undefined && found.line !== undefined)
      failing.push(findingName(found.file, found.line, found.code));
  }
  if (issues.length === 0) {
    // Output cut to the metrics (a custom template, a truncated log): they still give the totals,
    // but not the findings, which are then not given rather than given as none.
    counts.errors = (metrics.get('high') ?? 0) + (metrics.get('medium') ?? 0);
    counts.warnings = (metrics.get('low') ?? 0) + (metrics.get('undefined') ?? 0);
    if (counts.errors + counts.warnings > 0) return { counts, failing, recognized: true };
  }
  return { counts, failing, recognized: true, findings };
}

function isError(severity: string | undefined): boolean {
  return severity === 'high' || severity === 'medium';
}
