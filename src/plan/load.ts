import path from 'node:path';
import { describeJsonSyntaxError, formatZodIssues, readableIssueMessages } from '../config/format-issues.js';
import { readRegularFile } from '../config/load.js';
import { PlanError, errorMessage } from '../errors.js';
import { plainPlanShape } from './plain-shape.js';
import { PlanSchema, type Plan } from './schema.js';
import { validatePlan } from './validate.js';

/** Reads a plan file and checks both its shape and its dependency graph. */
export function loadPlan(planPath: string): Plan {
  const absolutePath = path.resolve(planPath);
  return validatePlan(parsePlanText(readPlanText(absolutePath), absolutePath), absolutePath);
}

/**
 * A plan file's JSON checked against the schema, with the same errors as
 * loadPlan, leaving the whole-plan rules to the caller: a live edit checks
 * them on the run's units, which the file may not list (units found by
 * discovery, finished units the file no longer names).
 */
export function parsePlanText(text: string, absolutePath: string): Plan {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PlanError(`plan file ${absolutePath}: ${describeJsonSyntaxError(error, text)}`, {
      cause: error,
    });
  }
  return parsePlanShape(value, absolutePath);
}

/** Validates a plan built in code (the demo, discovery) exactly as loadPlan would. */
export function parsePlan(value: unknown, source: string): Plan {
  return validatePlan(parsePlanShape(value, source), source);
}

function parsePlanShape(value: unknown, source: string): Plan {
  const plain = plainPlanShape(value);
  if (plain !== undefined) return plain;
  const result = PlanSchema.safeParse(value, { error: readableIssueMessages });
  if (!result.success) {
    throw new PlanError(`plan ${formatZodIssues(result.error, source)}`, { cause: result.error });
  }
  return result.data;
}

/** The text of a plan file; a PlanError whose cause has code ENOENT when the file is missing. */
export function readPlanText(absolutePath: string): string {
  let read: { text: string } | { notAFile: string };
  try {
    read = readRegularFile(absolutePath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new PlanError(
        `plan file not found: ${absolutePath}. Check the path; a "plan" path in the config is relative to the config file's folder`,
        { cause: error },
      );
    }
    if (code === 'EISDIR') {
      throw new PlanError(`plan path ${absolutePath} is a folder; point it at the plan JSON file`, {
        cause: error,
      });
    }
    throw new PlanError(`cannot read plan file ${absolutePath}: ${errorMessage(error)}`, { cause: error });
  }
  if ('notAFile' in read) {
    throw new PlanError(
      `plan path ${absolutePath} is ${read.notAFile}, not a regular file: nothing was read; point "plan" in the config or --plan at the plan JSON file`,
    );
  }
  const { text } = read;
  // Editors on Windows save a byte order mark that JSON.parse rejects.
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
