import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/fixtures/**', 'eslint.config.js'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The UI reads the view model and sends commands: it never touches git, processes or the database.
    files: ['components/**/*.ts', 'components/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['execa', 'simple-git', 'better-sqlite3', 'node:child_process', 'child_process'].map(
            (name) => ({
              name,
              message: 'components/ is the view: send a command to the controller instead.',
            }),
          ),
          patterns: [
            {
              group: ['**/src/git/*', '**/src/store/*', '**/src/workers/*', '**/src/merge/*'],
              message: 'components/ is the view: read the view model, send commands through MissionControl.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'react', message: 'src/ is the controller: the UI lives in components/.' },
            { name: 'ink', message: 'src/ is the controller: the UI lives in components/.' },
          ],
        },
      ],
    },
  },
);
