/**
 * The POSIX shell scripts gaffer runs on a worker host, each sent whole as
 * the command of one multiplexed ssh session (`/bin/sh -c <script> <args>`):
 * nothing is installed on the host, and a host needs only sh, git and the
 * agent's binary. Secrets never travel in a command line (visible to every
 * user of the host in `ps`): the agent's environment crosses on stdin.
 */

import type { HostConfig } from '../config/schema.js';

/** A word for /bin/sh, whatever it holds. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The command line of one ssh session: the script run by /bin/sh with its arguments, each quoted. */
export function remoteCommand(script: string, args: readonly string[]): string {
  return ['exec', '/bin/sh', '-c', shellWord(script), 'gaffer', ...args.map(shellWord)].join(' ');
}

/** `NAME='value'` lines for `eval`: what the run script reads from stdin before the agent's own input. */
export function environmentPayload(env: Readonly<Record<string, string | undefined>>): string {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
    lines.push(`export ${name}='${value.replace(/'/g, `'\\''`)}'`);
  }
  return `${lines.join('\n')}\n`;
}

/** The run script's stdin: the byte counts, the file to write first (the prompt), the environment, then the command's input. */
export function runInput(
  env: Readonly<Record<string, string | undefined>>,
  fileText: string,
  stdinText: string,
): string {
  const payload = environmentPayload(env);
  return `${Buffer.byteLength(fileText)} ${Buffer.byteLength(payload)}\n${fileText}${payload}${stdinText}`;
}

/**
 * Ends every process of the host whose environment carries a mark starting
 * with $1 (an attempt's, or every attempt's of this state folder): SIGTERM to
 * them and their process groups, up to $2 seconds to leave, then SIGKILL.
 * Prints how many it found. One grep reads every /proc/<pid>/environ.
 */
const END_MARKED = `
marked() {
  grep -l -a -z -e "^GAFFER_REMOTE_MARK=$1" /proc/[0-9]*/environ 2>/dev/null |
    sed -n 's#^/proc/\\([0-9]*\\)/environ$#\\1#p' | grep -v -x -e "$$"
}
end_marked() {
  found=$(marked "$1")
  [ -z "$found" ] && { echo 0; return 0; }
  for pid in $found; do
    kill -TERM -- "-$pid" 2>/dev/null
    kill -TERM "$pid" 2>/dev/null
  done
  waited=0
  while [ -n "$(marked "$1")" ] && [ "$waited" -lt "$(($2 * 10))" ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  for pid in $(marked "$1"); do
    kill -KILL -- "-$pid" 2>/dev/null
    kill -KILL "$pid" 2>/dev/null
  done
  echo "$found" | wc -w | tr -d ' '
}
`;

/** $1 mark prefix, $2 grace in seconds. */
export const END_SCRIPT = `${END_MARKED}
end_marked "$1" "$2"
`;

/**
 * Reads exactly $1 bytes of stdin to stdout (to $2 when given): dd with
 * fullblock asks for no more than what is still missing, so nothing after
 * them (the command's own input) is taken, as a plain read on a pipe would.
 */
const READ_EXACTLY = `
read_exactly() {
  if [ "$1" -gt 0 ]; then dd bs="$1" count=1 iflag=fullblock \${2:+of="$2"} 2>/dev/null; elif [ -n "$2" ]; then : > "$2"; fi
}
`;

/**
 * Runs one command of an attempt. $1 the mark, $2 the folder it runs in,
 * $3 the folder of run records, $4 the grace in seconds, $5 a file to write
 * first (the prompt) or ''; the command's argv follows. stdin: one line with
 * the byte counts of that file and of the environment, the file, the
 * environment, then the command's own input. The command leads a session of
 * its own (setsid) with only the host's base variables and the given ones;
 * when it ends, whatever it left carrying its mark ends too, and an exit
 * code of 255 is written where gaffer reads it, to tell it from ssh's own
 * failure.
 */
export const RUN_SCRIPT = `${END_MARKED}${READ_EXACTLY}
mark=$1; dir=$2; records=$3; grace=$4; file=$5; shift 5
umask 077
mkdir -p "$records" || exit 125
IFS=' ' read -r file_bytes env_bytes || exit 125
if [ -n "$file" ]; then
  mkdir -p "$(dirname "$file")" && read_exactly "$file_bytes" "$file" || exit 125
fi
exec 3<&0
env -i GAFFER_REMOTE_MARK="$mark" PATH="$PATH" HOME="$HOME" USER="\${USER:-$(id -un)}" LOGNAME="\${LOGNAME:-$(id -un)}" SHELL="\${SHELL:-/bin/sh}" LANG="\${LANG:-C.UTF-8}" \\
  setsid /bin/sh -c '${READ_EXACTLY}
eval "$(read_exactly "$1")"; cd "$2" || exit 126; shift 2; exec "$@"' gaffer-command "$env_bytes" "$dir" "$@" <&3 3<&- &
pid=$!
exec 3<&-
echo "$pid" > "$records/$mark.pid"
wait "$pid"
code=$?
end_marked "$mark" "$grace" > /dev/null
# Only 255 needs telling apart from ssh's own failure; no other code leaves a record behind.
[ "$code" -eq 255 ] && echo "$code" > "$records/$mark.exit"
rm -f "$records/$mark.pid"
exit "$code"
`;

/** $1 the folder of run records, $2 the mark: the exit code the run script wrote, if it did. */
export const EXIT_CODE_SCRIPT = `cat "$1/$2.exit" 2>/dev/null && rm -f "$1/$2.exit"`;

/**
 * Makes a slot's workspace for an attempt: a new git directory (whatever an
 * earlier agent wrote into the last one is gone) borrowing the objects of
 * the host's cache, on a new branch at the base commit, tracked files as
 * committed and untracked ones removed; ignored files stay, as they do
 * locally. $1 the cache, $2 the slot, $3 the base, $4 the branch, $5 a
 * folder for what is removed in the background; stdin: the byte count of
 * the git config, the config, then the exclude rules.
 */
export const PREPARE_SCRIPT = `${READ_EXACTLY}
set -e
cache=$1; slot=$2; base=$3; branch=$4; trash=$5
mkdir -p "$slot" "$trash"
cd "$slot"
# The old git directory is moved out of the workspace and removed in the background.
if [ -e .git ]; then
  old=$(mktemp -d "$trash/git-XXXXXX")
  mv .git "$old/"
  (rm -rf "$old" > /dev/null 2>&1 &)
fi
git init -q --template=
mkdir -p .git/info .git/objects/info
IFS= read -r count
read_exactly "$count" .git/config
cat > .git/info/exclude
echo "$cache/objects" > .git/objects/info/alternates
git -c core.hooksPath=/dev/null -c core.fsmonitor=false checkout -q -f -B "$branch" "$base"
git -c core.hooksPath=/dev/null -c core.fsmonitor=false clean -q -f -d
`;

/** $1 the cache: made once per host and repository, a bare repository that receives each base commit. */
export const CACHE_SCRIPT = `[ -d "$1/objects" ] || git init -q --bare "$1"`;

/**
 * $1 the file to write under the folder $2, $3 its mode (octal); stdin its
 * content. Refuses a link on the way; never readable by others meanwhile.
 */
export const WRITE_FILE_SCRIPT = `
umask 077
mkdir -p "$2" && cd "$2" || exit 1
file=$1
part=.
for piece in $(dirname "$file" | tr '/' ' '); do
  part="$part/$piece"
  [ -L "$part" ] && { echo "$part in the workspace is a symbolic link" >&2; exit 3; }
done
mkdir -p "$(dirname "$file")"
rm -rf "$file"
cat > "$file" && chmod "$3" "$file"
`;

/** $1 the workspace: appends stdin to its info/exclude unless .git or info was replaced by a link. */
export const EXCLUDE_SCRIPT = `
cd "$1" || exit 1
for dir in .git .git/info; do
  [ -d "$dir" ] && [ ! -L "$dir" ] || { echo "setup replaced $dir in the workspace with something other than a folder" >&2; exit 3; }
done
cat >> .git/info/exclude
`;

/**
 * What a host needs: git and the agent's command on its PATH ($3 when the
 * host's env sets one), and a workdir it can write. Prints one line per
 * finding (`git <version>`, `agent <path>`, `disk <free KiB>`, or
 * `missing ...`) and leaves `status` 3 when something is missing.
 */
const PROBE_CHECKS = `
agent=$1; dir=$2
[ -n "$3" ] && PATH=$3 && export PATH
status=0
if command -v git > /dev/null 2>&1; then echo "git $(git --version)"; else echo "missing git"; status=3; fi
if command -v "$agent" > /dev/null 2>&1; then echo "agent $(command -v "$agent")"; else echo "missing agent $agent"; status=3; fi
if mkdir -p "$dir" 2> /dev/null && [ -w "$dir" ]; then
  echo "disk $(df -Pk "$dir" 2> /dev/null | awk 'NR == 2 { print $4 }')"
else
  echo "missing workdir $dir"; status=3
fi
`;

/** $1 the agent's command, $2 the workdir, $3 the host's PATH or empty: exits 3 when something is missing. */
export const PROBE_SCRIPT = `${PROBE_CHECKS}
exit $status
`;

/**
 * The probe for `gaffer doctor`, which also asks the agent's version when $4
 * is "yes": `version <exit code> <first 300 bytes of its output>`, or
 * `version hung` when it did not end within $5 seconds (then it is killed).
 * Its output goes to a file, not a pipe, so nothing it leaves running holds
 * the session open.
 */
export const DOCTOR_PROBE_SCRIPT = `${PROBE_CHECKS}
if [ "$4" = yes ] && command -v "$agent" > /dev/null 2>&1; then
  out=$(mktemp 2> /dev/null || echo "/tmp/gaffer-doctor-$$")
  "$agent" --version < /dev/null > "$out" 2>&1 &
  pid=$!
  waited=0
  while kill -0 "$pid" 2> /dev/null && [ "$waited" -lt "$(($5 * 10))" ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  if kill -KILL "$pid" 2> /dev/null; then
    wait "$pid"
    echo "version hung"
  else
    wait "$pid"
    echo "version $? $(head -c 300 "$out" | tr '\\n' ' ')"
  fi
  rm -f "$out"
fi
exit $status
`;

export interface ProbeFindings {
  git: string | undefined;
  agentPath: string | undefined;
  /** `<exit code> <output>`, or `hung`; absent when not asked. */
  version: string | undefined;
  /** Free KiB in the workdir; NaN when df said nothing readable, absent when the workdir failed. */
  diskKiB: number | undefined;
  missingGit: boolean;
  missingAgent: boolean;
  missingWorkdir: boolean;
}

/** Reads the lines of PROBE_SCRIPT and DOCTOR_PROBE_SCRIPT. */
export function readProbe(stdout: string): ProbeFindings {
  const value = (prefix: string) =>
    stdout
      .split('\n')
      .find((line) => line.startsWith(`${prefix} `))
      ?.slice(prefix.length + 1)
      .trim();
  const has = (line: RegExp) => line.test(stdout);
  const disk = value('disk');
  return {
    git: value('git'),
    agentPath: value('agent'),
    version: value('version'),
    diskKiB: disk === undefined ? undefined : Number.parseInt(disk, 10),
    missingGit: has(/^missing git$/m),
    missingAgent: has(/^missing agent /m),
    missingWorkdir: has(/^missing workdir /m),
  };
}

/** What the probe found missing of the tools, each with its fix. */
export function toolProblems(host: HostConfig, agentCommand: string, found: ProbeFindings): string[] {
  const onPath = host.env.PATH === undefined ? 'its PATH' : `its PATH (${host.env.PATH})`;
  const fix = "install it there, or set PATH in the host's env";
  const problems: string[] = [];
  if (found.missingGit) problems.push(`host ${host.name} has no git on ${onPath}: ${fix}`);
  if (found.missingAgent)
    problems.push(`host ${host.name} has no agent command "${agentCommand}" on ${onPath}: ${fix}`);
  return problems;
}

export function workdirProblem(host: HostConfig): string {
  return `host ${host.name} cannot make or write its workdir ${host.workdir}: create it writable by the ssh user there, or set another workdir`;
}
