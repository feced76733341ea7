/** The keys, as the footer and the help overlay name them (`footer: false`: the help only, the footer has no room). */
export const KEYS: readonly { key: string; short: string; long: string; footer?: false }[] = [
  { key: '↑↓', short: 'select', long: 'select a worker (or a unit to retry)' },
  { key: 'Tab', short: 'pane', long: 'switch between Workers and Units to retry (← → too)' },
  {
    key: 'k',
    short: 'kill',
    long: 'kill the selected attempt (asks first, y kills): its whole process group ends, no strike, the unit waits for r',
  },
  {
    key: 'r',
    short: 'retry',
    long: 'retry the selected failed, blocked or killed unit (its dependents follow)',
  },
  {
    key: 'd',
    short: 'discover',
    long: 'run discovery now (what it finds arrives as proposals or new units)',
  },
  {
    key: 'v',
    short: 'proposals',
    long: 'review the proposals waiting (discovery.mode confirm): a accepts, x rejects, j/k move, Esc closes',
  },
  {
    key: 'u',
    short: 'units',
    long: 'every unit: state, what it waits on, attempts and cost; s sorts, / filters, j/k move, Esc closes',
  },
  {
    key: '⏎',
    short: 'detail',
    long: 'the selected unit in full: reason, verdict per check, attribution, handoff, attempts, diff (Esc closes)',
  },
  { key: 'p', short: 'pause', long: 'pause or resume scheduling (running attempts go on)' },
  {
    key: 'q',
    short: 'quit',
    long: 'quit gracefully: attempts end, the run stays resumable (asks first while attempts run)',
  },
  { key: '^C', short: 'quit', long: 'same as q; a second Ctrl-C forces the exit' },
  { key: '?', short: 'help', long: 'this help (any key closes it)' },
  // The output pane's keys: the help lists them, the footer has no room.
  {
    key: 'PgUp/PgDn',
    short: 'scroll',
    footer: false,
    long: 'scroll the output a page (it stops following; the log on disk is read back as far as it goes)',
  },
  {
    key: 'Home/End',
    short: 'oldest/newest',
    long: 'the oldest line of the log; the newest, following again',
    footer: false,
  },
  {
    key: 'f',
    short: 'follow',
    long: 'stop or resume following the output (stopped, new lines wait below)',
    footer: false,
  },
  {
    key: 'l',
    short: 'log',
    footer: false,
    long: "open the shown attempt's whole log in $PAGER (default less -R); gaffer goes on meanwhile",
  },
];

/** The Units view's own keys, as its title names them. */
export const UNITS_VIEW_KEYS = 'j/k move · s sort · / filter · r retry · K kill · Esc close';

/** The detail view's own keys, as its last line names them. */
export const DETAIL_KEYS = 'j/k ↑↓ line · PgUp/PgDn page · Home/End · Esc close';

/** The proposals view's own keys, as its title names them. */
export const PROPOSAL_KEYS = 'a accept · x reject · j/k ↑↓ move · d discover · Esc close';

/** The mark before a unit's id that says how it joined the run (a unit of the plan file has none). */
export const ORIGIN_MARKS = { plan: ' ', edit: '~', discovery: '+', fixup: '!' } as const;

/** The marks, as the help overlay explains them. */
export const ORIGIN_LEGEND = `Units: ${ORIGIN_MARKS.discovery} discovered · ${ORIGIN_MARKS.edit} added by an edit of the plan file · ${ORIGIN_MARKS.fixup} fixup`;
