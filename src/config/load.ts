import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, errorMessage } from '../errors.js';
import { describeJsonSyntaxError, formatZodIssues, readableIssueMessages } from './format-issues.js';
import { ConfigSchema, type Config } from './schema.js';

export interface LoadedConfig {
  /** Paths already absolute (resolveConfigPaths applied). */
  config: Config;
  /** Absolute path of the file read. */
  configPath: string;
  /** The folder relative paths in the file are resolved against. */
  baseDir: string;
}

/**
 * Reads, validates and resolves a config file. Every failure is a ConfigError
 * whose message names the file and says what to change.
 */
export function loadConfig(configPath: string): LoadedConfig {
  const absolutePath = path.resolve(configPath);
  const text = stripByteOrderMark(readConfigText(absolutePath));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${absolutePath}: ${describeJsonSyntaxError(error, text)}`, {
      cause: error,
    });
  }
  const baseDir = path.dirname(absolutePath);
  return {
    config: resolveConfigPaths(parseConfig(value, absolutePath), baseDir),
    configPath: absolutePath,
    baseDir,
  };
}

/** Validates a config built in code (the demo) or read elsewhere; paths are left as given. */
export function parseConfig(value: unknown, source: string): Config {
  const result = ConfigSchema.safeParse(value, { error: readableIssueMessages });
  if (result.success) return result.data;
  throw new ConfigError(`config ${formatZodIssues(result.error, source)}`, { cause: result.error });
}

/**
 * Makes repo and plan absolute against the config's folder and stateDir
 * against the repo. Idempotent: already absolute paths are kept, so resolving
 * a loaded config again is harmless.
 */
export function resolveConfigPaths(config: Config, baseDir: string): Config {
  const repo = path.resolve(baseDir, config.repo);
  return {
    ...config,
    repo,
    plan: config.plan === undefined ? undefined : path.resolve(baseDir, config.plan),
    stateDir: path.resolve(repo, config.stateDir),
  };
}

function readConfigText(absolutePath: string): string {
  try {
    return readFileSync(absolutePath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ConfigError(
        `config file not found: ${absolutePath}. Create one with \`gaffer init\` or pass --config <file>`,
        { cause: error },
      );
    }
    if (code === 'EISDIR') {
      throw new ConfigError(
        `config path ${absolutePath} is a folder; pass the config file itself with --config <file>`,
        {
          cause: error,
        },
      );
    }
    throw new ConfigError(`cannot read config file ${absolutePath}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

function stripByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
