import { expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

function problem(input: unknown): string {
  try {
    parseConfig(input, 'gaffer.json');
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

it('defaults: no setup, no copies, no hooks, hooks end after 10 s, no notifications', () => {
  const config = parseConfig({}, 'gaffer.json');
  expect(config).toMatchObject({
    setup: [],
    setupTimeoutMs: 600_000,
    copyFiles: [],
    hooks: {},
    hookTimeoutMs: 10_000,
    notify: { bell: false, desktop: false },
  });
});

it('copyFiles must stay inside the repository and out of .git', () => {
  const message = problem({ copyFiles: ['/etc/passwd', '../secrets/.env', '.git/config', 'config/./.env'] });
  expect(message).toContain(
    'copyFiles.0: "/etc/passwd" is absolute: write it relative to the repository, like ".env"',
  );
  expect(message).toContain('copyFiles.1: "../secrets/.env" leaves the repository ("..")');
  expect(message).toContain('copyFiles.2: ".git/config" is inside .git');
  expect(message).not.toContain('copyFiles.3');
});

it('hooks are argv arrays keyed by event names gaffer has, unit:failed and budget:reached included', () => {
  const config = parseConfig(
    {
      hooks: {
        'unit:failed': [['notify-send', 'gaffer']],
        'run:ended': [['./hooks/report.sh'], ['curl', '-d', '@-', 'http://localhost:9/hook']],
        'budget:reached': [['./hooks/budget.sh']],
      },
    },
    'gaffer.json',
  );
  expect(config.hooks['run:ended']).toHaveLength(2);
  const unknown = problem({ hooks: { 'unit:exploded': [['x']] } });
  expect(unknown).toContain('no event is called "unit:exploded"; hooks can run on: run:started, run:ended');
  expect(unknown).toContain('unit:failed');
  expect(problem({ hooks: { 'worker:output': [['x']] } })).toContain('no event is called "worker:output"');
  expect(problem({ hooks: { 'run:ended': ['./notify.sh --all'] } })).toContain(
    'hooks["run:ended"].0: expected an argv array like ["npm","test"], never a shell string',
  );
  expect(problem({ hookTimeoutMs: 10 })).toContain('hookTimeoutMs');
});
