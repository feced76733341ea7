/**
 * plan-scale: validating a plan of 10,000 units (prompts, 0 to 3 dependencies
 * each, file hints: a file and a folder glob) with the CLI's own path. Each
 * measure is a fresh node process, so every figure is cold, as at `gaffer run`:
 *
 *   validate   JSON.parse of the file's text (timed apart), then parsePlan: the
 *              schema and the whole-plan rules (ids, duplicates, dependencies,
 *              cycles, file hints), exactly what loadPlan does after JSON.parse
 *   json       JSON.parse of the same text alone: the floor of reading the plan
 *   node       `node -e 0`: process start-up alone
 *
 * The validate process prints what it checked (units, dependency edges), and
 * the benchmark compares that with the plan it wrote. The times inside the
 * process (validation_s, json_s) exclude start-up and module loading; the
 * process times include them.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  BenchFailure,
  checkFlags,
  cleanup,
  intFlag,
  makeTempDir,
  median,
  packageRoot,
  requireSuccess,
  timedRun,
  type Benchmark,
} from './lib.js';

function unitId(index: number): string {
  return `unit-${String(index).padStart(5, '0')}`;
}

/** A plan as planners write them: a DAG over earlier units, prompts of a few sentences, file hints. */
function writePlan(file: string, units: number): { edges: number } {
  let edges = 0;
  const list = Array.from({ length: units }, (_, index) => {
    const dependsOn: string[] = [];
    for (let back = 1; back <= 3 && index - back * 7 >= 0; back += 1)
      if ((index + back) % 3 !== 0) dependsOn.push(unitId(index - back * 7));
    edges += dependsOn.length;
    return {
      id: unitId(index),
      title: `Part ${index} of module ${index % 200}`,
      prompt:
        `Implement part ${index} of module ${index % 200}; keep its tests green and document it. `.repeat(4),
      depends_on: dependsOn,
      files: [`src/mod${index % 200}/part${index}.ts`, `test/mod${index % 200}/**`],
    };
  });
  fs.writeFileSync(
    file,
    `${JSON.stringify({ name: 'scale', objective: 'a big plan', units: list }, null, 2)}\n`,
  );
  return { edges };
}

/** The measuring process: cold JSON.parse, then (unless json-only) the CLI's validation of the parsed value. */
function validatorScript(planFile: string, jsonOnly: boolean): string {
  const load = path.join(packageRoot(), 'dist', 'src', 'plan', 'load.js');
  return `import fs from 'node:fs';
import { parsePlan } from ${JSON.stringify(load)};
const text = fs.readFileSync(${JSON.stringify(planFile)}, 'utf8');
const parsedAt = performance.now();
const value = JSON.parse(text);
const validatedAt = performance.now();
if (${jsonOnly}) {
  console.log('units=' + value.units.length + ' json_ms=' + (validatedAt - parsedAt));
} else {
  const plan = parsePlan(value, ${JSON.stringify(planFile)});
  const doneAt = performance.now();
  const edges = plan.units.reduce((sum, unit) => sum + unit.depends_on.length, 0);
  console.log('units=' + plan.units.length + ' edges=' + edges + ' json_ms=' + (validatedAt - parsedAt) + ' validate_ms=' + (doneAt - validatedAt));
}
`;
}

function field(text: string, name: string): number {
  const match = new RegExp(`\\b${name}=([0-9.]+)`).exec(text);
  if (!match?.[1])
    throw new BenchFailure(`the measuring process printed no ${name}: ${text.trim() || '(nothing)'}`);
  return Number(match[1]);
}

export const planScale: Benchmark = {
  name: 'plan-scale',
  summary: 'validating a 10,000-unit plan (schema and whole-plan rules) against JSON.parse of it',
  flags: ['--units N (default 10000)', '--repeat N fresh processes per side (default 5)'],
  async run(argv) {
    checkFlags(argv, { units: 'int', repeat: 'int' });
    const units = intFlag(argv, 'units', 10_000);
    const repeat = intFlag(argv, 'repeat', 5);
    try {
      const dir = makeTempDir('plan-scale');
      const planFile = path.join(dir, 'plan.json');
      const { edges } = writePlan(planFile, units);
      console.log(
        `plan-scale: ${units} units, ${edges} dependency edges, ${(fs.statSync(planFile).size / 1e6).toFixed(1)} MB of plan`,
      );
      const scripts = { validate: path.join(dir, 'validate.mjs'), json: path.join(dir, 'json.mjs') };
      fs.writeFileSync(scripts.validate, validatorScript(planFile, false));
      fs.writeFileSync(scripts.json, validatorScript(planFile, true));
      const sides = {
        validate: [scripts.validate],
        json: [scripts.json],
        node: ['-e', '0'],
      } as const;
      const process_: Record<keyof typeof sides, number[]> = { validate: [], json: [], node: [] };
      const inside = { validate: [] as number[], json: [] as number[] };
      for (let round = 0; round < repeat; round += 1) {
        for (const side of Object.keys(sides) as (keyof typeof sides)[]) {
          const run = await timedRun(process.execPath, [...sides[side]], {
            cwd: dir,
            outDir: dir,
            label: `${side}-${round}`,
            timeoutMs: 120_000,
          });
          requireSuccess(run, side);
          process_[side].push(run.seconds);
          if (side === 'node') continue;
          const out = fs.readFileSync(run.stdoutPath, 'utf8');
          if (field(out, 'units') !== units || (side === 'validate' && field(out, 'edges') !== edges))
            throw new BenchFailure(`${side} checked another plan than the one written: ${out.trim()}`);
          if (side === 'validate') inside.validate.push(field(out, 'validate_ms') / 1000);
          else inside.json.push(field(out, 'json_ms') / 1000);
        }
      }
      const list = (values: number[]): string => values.map((value) => value.toFixed(3)).join(', ');
      console.log(
        `  validation, in process   median ${median(inside.validate).toFixed(3)} s (${list(inside.validate)})`,
      );
      console.log(
        `  JSON.parse, in process   median ${median(inside.json).toFixed(3)} s (${list(inside.json)})`,
      );
      for (const side of Object.keys(sides) as (keyof typeof sides)[])
        console.log(
          `  ${side.padEnd(8)} whole process    median ${median(process_[side]).toFixed(3)} s (${list(process_[side])})`,
        );
      const validation = median(inside.validate);
      const json = median(inside.json);
      console.log(
        `RESULT plan_validate_s=${validation.toFixed(3)} plan_json_s=${json.toFixed(3)} plan_ratio=${(validation / json).toFixed(2)} plan_process_s=${median(process_.validate).toFixed(3)} json_process_s=${median(process_.json).toFixed(3)} node_startup_s=${median(process_.node).toFixed(3)}`,
      );
      return 0;
    } finally {
      await cleanup();
    }
  },
};
