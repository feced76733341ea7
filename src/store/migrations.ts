/**
 * Schema migrations, applied in order inside one transaction each; the
 * database's `user_version` records how many have run. Append only: never
 * edit a migration that has shipped.
 */
export const migrations: readonly string[] = [
  `
  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    plan_name TEXT NOT NULL,
    plan_hash TEXT NOT NULL,
    repo TEXT NOT NULL,
    config_json TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    max_rounds INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT
  );
  CREATE TABLE rounds (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    number INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    PRIMARY KEY (run_id, number)
  );
  CREATE TABLE units (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    id TEXT NOT NULL,
    title TEXT NOT NULL,
    prompt TEXT NOT NULL,
    status TEXT NOT NULL,
    strikes INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_round INTEGER NOT NULL DEFAULT 0,
    feedback TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    spec_json TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (run_id, id)
  );
  CREATE TABLE unit_deps (
    run_id INTEGER NOT NULL,
    unit_id TEXT NOT NULL,
    depends_on TEXT NOT NULL,
    PRIMARY KEY (run_id, unit_id, depends_on)
  );
  CREATE TABLE attempts (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL,
    unit_id TEXT NOT NULL,
    number INTEGER NOT NULL,
    round INTEGER NOT NULL,
    branch TEXT NOT NULL,
    worktree TEXT NOT NULL,
    base_commit TEXT NOT NULL,
    head_commit TEXT,
    log_path TEXT NOT NULL,
    pid INTEGER,
    outcome TEXT NOT NULL,
    exit_code INTEGER,
    signal TEXT,
    handoff TEXT,
    handoff_json TEXT,
    commits INTEGER NOT NULL DEFAULT 0,
    reason TEXT NOT NULL DEFAULT '',
    started_at TEXT NOT NULL,
    ended_at TEXT,
    UNIQUE (run_id, unit_id, number)
  );
  CREATE TABLE merge_requests (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL,
    unit_id TEXT NOT NULL,
    attempt_id INTEGER NOT NULL REFERENCES attempts(id),
    branch TEXT NOT NULL,
    status TEXT NOT NULL,
    reject_class TEXT,
    detail TEXT NOT NULL DEFAULT '',
    target_before TEXT,
    candidate TEXT,
    merged_commit TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE health_snapshots (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL,
    round INTEGER,
    commit_sha TEXT NOT NULL,
    checks_key TEXT NOT NULL,
    label TEXT NOT NULL,
    passed INTEGER NOT NULL,
    checks_json TEXT NOT NULL,
    taken_at TEXT NOT NULL
  );
  CREATE INDEX health_by_commit ON health_snapshots (commit_sha, checks_key);
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    run_id INTEGER,
    at TEXT NOT NULL,
    type TEXT NOT NULL,
    payload TEXT NOT NULL
  );
  CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
  CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
  `,
  // Every tip gaffer wrote to the working and green branches: what the guard compares the repository with.
  `
  CREATE TABLE branch_tips (
    id INTEGER PRIMARY KEY,
    run_id INTEGER,
    branch TEXT NOT NULL,
    role TEXT NOT NULL,
    sha TEXT NOT NULL,
    state TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL
  );
  CREATE INDEX branch_tips_by_branch ON branch_tips (branch, id);
  `,
  // The supervisor sessions that used this state folder: a later one ends what a killed one left running.
  `
  CREATE TABLE supervisor_sessions (
    session TEXT PRIMARY KEY,
    pid INTEGER NOT NULL,
    started_at TEXT NOT NULL
  );
  `,
  // Who an attempt's pid was (boot and start time): a restart never signals a reused pid.
  `
  ALTER TABLE attempts ADD COLUMN pid_identity TEXT;
  `,
  // What an attempt used and how it started: the tool's session, warm or cold, tokens and cost, the failure's class.
  `
  ALTER TABLE attempts ADD COLUMN session_id TEXT;
  ALTER TABLE attempts ADD COLUMN start_mode TEXT NOT NULL DEFAULT 'cold';
  ALTER TABLE attempts ADD COLUMN start_reason TEXT NOT NULL DEFAULT '';
  ALTER TABLE attempts ADD COLUMN failure_kind TEXT;
  ALTER TABLE attempts ADD COLUMN input_tokens INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE attempts ADD COLUMN output_tokens INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE attempts ADD COLUMN cached_tokens INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE attempts ADD COLUMN cost_usd REAL;
  `,
  // Units that joined a running plan (a live edit, discovery, a fixup), proposals waiting for the operator, overlap edges.
  `
  ALTER TABLE units ADD COLUMN origin TEXT NOT NULL DEFAULT 'plan';
  ALTER TABLE units ADD COLUMN discovered_from TEXT;
  CREATE TABLE proposals (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL,
    unit_id TEXT NOT NULL,
    title TEXT NOT NULL,
    prompt TEXT NOT NULL,
    depends_on_json TEXT NOT NULL DEFAULT '[]',
    files_json TEXT NOT NULL DEFAULT '[]',
    keys_json TEXT NOT NULL DEFAULT '[]',
    source TEXT NOT NULL,
    discovered_from TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    round INTEGER,
    created_at TEXT NOT NULL,
    decided_at TEXT
  );
  CREATE INDEX proposals_by_run ON proposals (run_id, status);
  CREATE TABLE overlaps (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL,
    unit_id TEXT NOT NULL,
    other_id TEXT NOT NULL,
    files_json TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL
  );
  CREATE INDEX overlaps_by_run ON overlaps (run_id, unit_id);
  `,
  // A run's attempts, merge requests, snapshots and green events without a scan of every run's rows
  // (gaffer status on 10,000 units; EXPLAIN QUERY PLAN showed SCAN or a sort of the whole run).
  `
  CREATE INDEX attempts_by_run ON attempts (run_id, id);
  CREATE INDEX merge_requests_by_run ON merge_requests (run_id, id);
  CREATE INDEX merge_requests_by_attempt ON merge_requests (attempt_id, id);
  CREATE INDEX health_by_run ON health_snapshots (run_id, id);
  CREATE INDEX events_by_run_type ON events (run_id, type, seq);
  `,
  // `gaffer status` on 10,000 units: counts by state and by merge verdict from the index alone, the units
  // that need the operator without reading the others, the merge that made a snapshot's commit, and
  // the run's spend summed from an index instead of every attempt's row.
  `
  CREATE INDEX attempts_spend_by_run ON attempts (run_id, input_tokens, output_tokens, cached_tokens, cost_usd);
  CREATE INDEX units_by_run_status ON units (run_id, status);
  CREATE INDEX merge_requests_by_run_status ON merge_requests (run_id, status, reject_class);
  CREATE INDEX merge_requests_by_commit ON merge_requests (merged_commit, run_id, status);
  `,
  // A dependency's merged attempt, read at every launch of a unit that has dependencies: an index search
  // instead of a pass over the run's every merge request.
  `
  CREATE INDEX merge_requests_by_unit ON merge_requests (unit_id, status, run_id);
  `,
];
