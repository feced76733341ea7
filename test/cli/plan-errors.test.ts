import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { expectRefusal, runGaffer, useSandbox } from '../helpers/cli.js';

function unit(id: string, dependsOn: string[] = []) {
  return { id, title: `unit ${id}`, prompt: '@write x.txt x\n@commit x', depends_on: dependsOn };
}

describe('gaffer run: a bad plan', () => {
  const sandbox = useSandbox({ untouched: true });

  it('exits 4 on a dependency cycle, naming its members and the fix', async () => {
    sandbox().writePlan({
      name: 'cyclic',
      units: [unit('parse', ['emit']), unit('check', ['parse']), unit('emit', ['check']), unit('free')],
    });

    const result = await runGaffer(sandbox());

    const stderr = expectRefusal(result, ExitCode.plan, [
      sandbox().planPath,
      'dependency cycle',
      'remove one of these depends_on entries',
    ]);
    const cycleLine = stderr.split('\n').find((line) => line.includes('dependency cycle')) ?? '';
    for (const member of ['parse', 'check', 'emit']) expect(cycleLine).toContain(member);
    expect(cycleLine).not.toContain('free');
  });

  // Each case: the plan written to plan.json, and what stderr must say.
  const badPlans: { name: string; plan: unknown; mentions: string[] }[] = [
    {
      name: 'exits 4 on an unknown dependency, naming the unit, the dependency and the fix',
      plan: { name: 'dangling', units: [unit('api'), unit('client', ['ghost'])] },
      mentions: ['unit client depends on ghost', 'not in the plan', 'add a unit with that id or remove it'],
    },
    {
      name: 'suggests the id a misspelt dependency meant',
      plan: { name: 'typo', units: [unit('database'), unit('api', ['databse'])] },
      mentions: ['depends on databse', 'did you mean "database"?'],
    },
    {
      name: 'exits 4 on a duplicate id, naming both positions and the fix',
      plan: { name: 'dup', units: [unit('setup'), unit('setup'), unit('other')] },
      mentions: ['duplicate unit id "setup"', 'units.0, units.1', 'ids must be unique', 'rename'],
    },
    {
      name: 'reports every problem at once',
      plan: { name: 'many', units: [unit('a', ['b']), unit('b', ['a']), unit('c', ['nope']), unit('c')] },
      mentions: ['(3 problems)', 'duplicate unit id "c"', 'depends on nope', 'dependency cycle'],
    },
    {
      name: 'exits 4 when the plan fails its schema, naming the fields',
      plan: { name: 'shapes', units: [{ id: 'a', prompt: 3 }] },
      mentions: ['units.0.title: required', 'units.0.prompt: expected a string'],
    },
  ];

  for (const { name, plan, mentions } of badPlans) {
    it(name, async () => {
      sandbox().writePlan(plan);

      const result = await runGaffer(sandbox());

      expectRefusal(result, ExitCode.plan, mentions);
    });
  }

  it('exits 4 when the plan file does not exist, saying how its path is resolved', async () => {
    fs.rmSync(sandbox().planPath);

    const result = await runGaffer(sandbox());

    expectRefusal(result, ExitCode.plan, [
      'plan file not found',
      sandbox().planPath,
      'relative to the config file',
    ]);
  });

  it('exits 4 when --plan names a file that is not JSON', async () => {
    const broken = path.join(sandbox().root, 'broken-plan.json');
    fs.writeFileSync(broken, "{ name: 'x' }\n");

    const result = await runGaffer(sandbox(), '--plan', broken);

    expectRefusal(result, ExitCode.plan, [broken, 'not valid JSON', 'unquoted keys']);
  });
});
