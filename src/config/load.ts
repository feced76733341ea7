import fs from 'node:fs';
import os from 'node:os';
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
    // Key and known_hosts files are this machine's: relative to the config, like repo.
    hosts: config.hosts.map((host) => ({
      ...host,
      ...(host.identityFile === undefined ? {} : { identityFile: resolveHome(baseDir, host.identityFile) }),
      ...(host.knownHostsFile === undefined
        ? {}
        : { knownHostsFile: resolveHome(baseDir, host.knownHostsFile) }),
    })),
  };
}

/** A path of this machine as ssh reads it: `~/` is the home folder, a relative path is the config's. */
function resolveHome(baseDir: string, file: string): string {
  if (file === '~' || file.startsWith('~/')) return path.join(os.homedir(), file.slice(1));
  return path.resolve(baseDir, file);
}

/**
 * Reads a file that must be a regular file. It is opened without blocking and
 * checked on the open descriptor (no race with a rename): reading a FIFO
 * would wait for a writer forever, /dev/zero never ends, a folder or a socket
 * cannot be read. Returns what the path is instead when it is not a file;
 * failures to open (ENOENT, EACCES) are thrown for the caller to word.
 */
export function readRegularFile(absolutePath: string): { text: string } | { notAFile: string } {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer. Windows has no such flag (nor FIFOs).
    fd = fs.openSync(absolutePath, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (error) {
    // A socket cannot be opened at all (ENXIO): say what it is rather than the errno.
    const kind = kindOfNonFile(absolutePath);
    if (kind !== undefined) return { notAFile: kind };
    throw error;
  }
  try {
    const stats = fs.fstatSync(fd);
    if (!stats.isFile()) return { notAFile: describeFileKind(stats) };
    return { text: fs.readFileSync(fd, 'utf8') };
  } finally {
    fs.closeSync(fd);
  }
}

/** What the path is when it exists and is not a regular file; undefined otherwise or if stat fails. */
function kindOfNonFile(absolutePath: string): string | undefined {
  try {
    const stats = fs.statSync(absolutePath);
    return stats.isFile() ? undefined : describeFileKind(stats);
  } catch {
    return undefined;
  }
}

function describeFileKind(stats: fs.Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a named pipe (FIFO), which would wait for a writer forever';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device (like /dev/zero or a terminal)';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

function readConfigText(absolutePath: string): string {
  let read: { text: string } | { notAFile: string };
  try {
    read = readRegularFile(absolutePath);
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
  if ('notAFile' in read) {
    throw new ConfigError(
      `config path ${absolutePath} is ${read.notAFile}, not a regular file: nothing was read; pass the config JSON file itself with --config <file>`,
    );
  }
  return read.text;
}

function stripByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
