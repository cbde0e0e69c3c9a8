//! The command line: every step of the method as a verb.

use std::path::PathBuf;

use clap::{ArgMatches, Args, FromArgMatches, Parser, Subcommand, ValueEnum};

/// A subcommand's own arguments, made only when it is the one run: made for
/// every subcommand at each start they were most of the memory a short
/// command touched before doing anything (fresh pages are dear) and a fifth of
/// its instructions. Help, completions and man pages still see them all.
#[derive(Debug, Clone)]
pub struct Lazy<T>(pub T);

impl<T> std::ops::Deref for Lazy<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: FromArgMatches> FromArgMatches for Lazy<T> {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches(m).map(Lazy)
    }
    fn from_arg_matches_mut(m: &mut ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches_mut(m).map(Lazy)
    }
    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches(m)
    }
    fn update_from_arg_matches_mut(&mut self, m: &mut ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches_mut(m)
    }
}

impl<T: Args> Args for Lazy<T> {
    fn group_id() -> Option<clap::Id> {
        T::group_id()
    }
    fn augment_args(cmd: clap::Command) -> clap::Command {
        now_or_later(cmd, T::augment_args)
    }
    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        now_or_later(cmd, T::augment_args_for_update)
    }
}

/// Set before making the whole command for completions: the generated `help`
/// subcommand lists nested subcommands only if they exist when it is made, and
/// each subcommand's own options come before the global ones only if they
/// were there before the global ones were added.
static EAGER: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Makes [`Lazy`] parts at once from now on.
pub fn eager() {
    EAGER.store(true, std::sync::atomic::Ordering::Relaxed);
}

fn now_or_later(cmd: clap::Command, make: fn(clap::Command) -> clap::Command) -> clap::Command {
    if EAGER.load(std::sync::atomic::Ordering::Relaxed) {
        make(cmd)
    } else {
        cmd.defer(make)
    }
}

impl<T: Subcommand> Subcommand for Lazy<T> {
    fn augment_subcommands(cmd: clap::Command) -> clap::Command {
        now_or_later(cmd, T::augment_subcommands)
    }
    fn augment_subcommands_for_update(cmd: clap::Command) -> clap::Command {
        now_or_later(cmd, T::augment_subcommands_for_update)
    }
    fn has_subcommand(name: &str) -> bool {
        T::has_subcommand(name)
    }
}

const MAIN_AFTER: &str = "\
Examples:
  casefile open              # a wizard asks for the problem, the resolution and the facts
  casefile open \"Router refund\" --company \"Acme Broadband\" \\
      --problem \"router dead on arrival\" --resolution \"a full refund of $129 to my card\" --fair yes
  casefile log 1 --start \"yesterday 14:05\" --end \"yesterday 14:52\" \\
      --rep \"Dana Reyes, ext=4471, dept=Billing\" --rep \"Marcus Lee, role=supervisor, at=14:20\" \\
      --ref CAS-88120 --promise \"call me back, by=Marcus, due=in 48h\"
  casefile show 1          casefile timeline 1          casefile due
  casefile search modem    casefile company show \"Acme\"    casefile verify

Cases are named by their number (1, 2, ...); entries within a case by #number,
as `show` and `timeline` print them.

Dates: `2026-11-03 14:05`, `14:05`, `yesterday 9am`, `friday 5pm`, `in 48h`, `3 days ago`,
in your time zone (TZ).

Where things are kept: one SQLite file, by default in your data directory
(e.g. ~/.local/share/casefile/casefile.db); --db or CASEFILE_DB points elsewhere.
Nothing is ever sent anywhere.

Exit codes: 0 ok, 2 bad command line, 3 not found, 4 input refused,
5 database busy (try again), 6 verify found a problem, 7 database unusable,
8 and 9 `check` found suggestions or harm, 1 other.";

#[derive(Debug, Parser)]
#[command(
    name = "casefile",
    version,
    about = "The case file for a dispute with a company's customer service",
    long_about = "casefile keeps the case file for a dispute with a company: the goal and the fair \
resolution you want, the facts to have ready, a tamper-evident log of every contact, \
the promises and offers made, and what it is costing you.",
    after_help = MAIN_AFTER,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// The database file [default: casefile.db in your data directory]
    #[arg(
        long,
        global = true,
        env = "CASEFILE_DB",
        hide_env_values = true,
        value_name = "PATH"
    )]
    pub db: Option<PathBuf>,

    /// Print machine-readable JSON instead of text (read commands and writes)
    #[arg(long, global = true)]
    pub json: bool,

    /// Show sensitive identifiers (account numbers, ...) instead of masking them
    #[arg(long, global = true)]
    pub reveal: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// Every verb. A new one wraps its arguments in [`Lazy`], as these do, so they
/// are made only when it runs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open a new case: the problem, the exact resolution, the fairness check, the facts
    #[command(
        after_help = "Examples:\n  casefile open\n  casefile open \"Router refund\" --company Acme --problem \"router dead on arrival\" \\\n      --resolution \"full refund of $129\" --fair yes --fact acquired=2026-10-28 --sensitive-id \"Account=8812 4471 09\""
    )]
    Open(Lazy<OpenArgs>),
    /// Set or revise the goal: the problem and the exact resolution you want
    #[command(
        after_help = "Example:\n  casefile goal 1 --resolution \"replacement router shipped this week\" --reason \"refunds are not possible after 30 days\""
    )]
    Goal(Lazy<GoalArgs>),
    /// Record a fact to have ready: dates, identifiers, what happened, what you tried
    #[command(
        after_help = "Examples:\n  casefile fact 1 acquired 2026-10-28\n  casefile fact 1 identifier 8812447109 --label \"Account number\" --sensitive\n  casefile fact 1 tried \"factory reset twice, other cable, other socket\""
    )]
    Fact(Lazy<FactArgs>),
    /// Log a whole contact after the fact, in one command
    #[command(
        after_help = "Each --rep, --promise, --offer, --ref, --note, --hold and --escalate takes the main text
first, then `, key=value` fields:
  --rep \"Dana Reyes, ext=4471, dept=Billing, role=agent, email=..., reports-to=..., at=14:06\"
  --promise \"call me back about the refund, by=Marcus, due=in 48h\"
  --offer \"a $25 credit, by=Priya, value=25, answer=not-full\"     (answer: declined, not-full, full)
  --ref \"CAS-88120, kind=case\"                                     (kind: case, ticket, complaint, order, other)
  --escalate \"a supervisor, outcome=granted, at=14:19\"             (outcome: granted, callback, refused)
  --hold \"14:22-14:32\"      --note \"said the router is a known bad batch, at=14:30\"
Times without a date take the contact's day. The second and later reps are transfers.

Example:
  casefile log 1 --start \"2026-11-03 14:05\" --end \"14:52\" --via \"800 555 0100\" \\
      --rep \"Dana Reyes, ext=4471, dept=Billing\" --rep \"Marcus Lee, dept=Retention, role=supervisor, at=14:20\" \\
      --ref CAS-88120 --promise \"call me back, by=Marcus, due=in 48h\" --outcome \"supervisor to call back\" --rating 2"
    )]
    Log(Lazy<LogArgs>),
    /// The live call console: timers, one key per event, the brief and what to say now
    #[command(
        after_help = "Keys: r rep (a transfer after the first)  n note  c case number  p promise  o offer\n      a answer an offer  e escalate  h hold on/off  x end the contact  q quit  Ctrl-C quit\n\nEvery key that records something saves at once; a closed terminal loses nothing.\nReopening the case offers to resume an unfinished contact.\n\nExamples:\n  casefile call 1 --via \"800 555 0100\"\n  casefile call --new \"Router refund\" --company Acme"
    )]
    Call(Lazy<CallArgs>),
    /// Record a contact live, step by step: start, rep, hold, resume, end
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  casefile contact start 1 --via \"800 555 0100\"\n  casefile contact rep 1 \"Dana Reyes, ext=4471, dept=Billing\"\n  casefile contact hold 1\n  casefile contact end 1 --outcome \"refund approved\" --rating 4"
    )]
    Contact(Lazy<ContactCommand>),
    /// Add a note (from the argument, standard input with -, or $EDITOR)
    #[command(
        after_help = "Examples:\n  casefile note 1 \"They said the router is from a known bad batch\"\n  casefile note 1 -   # the note from standard input\n  casefile note 1     # opens $EDITOR"
    )]
    Note(Lazy<NoteArgs>),
    /// Record a case, ticket or complaint number the company gave you
    #[command(
        after_help = "Examples:\n  casefile ref 1 CAS-88120\n  casefile ref 1 T-5521 --kind ticket --at \"yesterday 15:10\""
    )]
    Ref(Lazy<RefArgs>),
    /// Record a promise the company made (a callback, a refund by a date)
    #[command(
        after_help = "Example:\n  casefile promise 1 \"call me back about the refund\" --by \"Marcus Lee\" --due \"in 48h\""
    )]
    Promise(Lazy<PromiseArgs>),
    /// Mark a promise as kept
    #[command(after_help = "Example:\n  casefile kept 1 9 --note \"the refund arrived\"")]
    Kept(Lazy<SettleArgs>),
    /// Mark a promise as broken
    #[command(after_help = "Example:\n  casefile broken 1 9 --note \"no call by Friday\"")]
    Broken(Lazy<SettleArgs>),
    /// Record an offer the company made
    #[command(
        after_help = "Example:\n  casefile offer 1 \"a $25 credit on the next bill\" --by Priya --value 25"
    )]
    Offer(Lazy<OfferArgs>),
    /// Answer an offer: declined, not-full (accepted, not as full resolution), or full
    #[command(
        after_help = "Example:\n  casefile answer 1 12 not-full --note \"took the credit; the refund is still owed\""
    )]
    Answer(Lazy<AnswerArgs>),
    /// Record that you asked to escalate
    #[command(
        after_help = "Example:\n  casefile escalate 1 --to \"a supervisor\" --reason \"the second broken promise\""
    )]
    Escalate(Lazy<EscalateArgs>),
    /// Record how an escalation request was answered
    #[command(
        after_help = "Example:\n  casefile escalation 1 14 callback --note \"a supervisor will call within 24h\""
    )]
    Escalation(Lazy<EscalationArgs>),
    /// Record money the dispute cost you (postage, a technician, a day off)
    #[command(
        after_help = "Examples:\n  casefile expense 1 4.50 \"recorded postage\"\n  casefile expense 1 \"120 EUR\" \"a technician's visit\""
    )]
    Expense(Lazy<ExpenseArgs>),
    /// Record time spent on the dispute away from contacts (writing, searching, waiting in)
    #[command(
        after_help = "Examples:\n  casefile time 1 45m \"writing the complaint letter\"\n  casefile time 1 1h30m \"waiting in for the engineer\""
    )]
    Time(Lazy<TimeArgs>),
    /// Plan a follow-up for a date
    #[command(
        after_help = "Example:\n  casefile followup 1 \"chase the refund\" --due \"next friday 10:00\""
    )]
    Followup(Lazy<FollowupArgs>),
    /// Mark a follow-up as done
    #[command(after_help = "Example:\n  casefile done 1 15 --note \"called; refund confirmed\"")]
    Done(Lazy<SettleArgs>),
    /// Record a letter or formal complaint you sent
    #[command(
        after_help = "Example:\n  casefile sent 1 --to \"Executive office\" --kind \"executive escalation\" --via email"
    )]
    Sent(Lazy<SentArgs>),
    /// Attach a file (a receipt, a photo): its name, size and SHA-256 go in the journal
    #[command(after_help = "Example:\n  casefile attach 1 receipt.pdf")]
    Attach(Lazy<AttachArgs>),
    /// Change the case's status
    #[command(
        after_help = "Examples:\n  casefile status 1 waiting --note \"they have 14 days to answer\"\n  casefile status 1 resolved"
    )]
    Status(Lazy<StatusArgs>),
    /// Name who the case is for and the helper working it (on a shared server)
    #[command(
        after_help = "Examples:\n  casefile assign 1 --helper bo@clinic.org --client \"Mrs Jones\"\n  casefile assign 1 --unassign\n  casefile list --mine"
    )]
    Assign(Lazy<AssignArgs>),
    /// Record a lesson for next time
    #[command(
        after_help = "Example:\n  casefile lesson 1 \"ask for the case number before anything else\""
    )]
    Lesson(Lazy<LessonArgs>),
    /// Amend an earlier entry: a new entry that corrects or withdraws it, with a reason
    #[command(
        after_help = "Examples:\n  casefile amend 1 7 --reason \"misheard the name\" --correction \"Dana Ruiz\"\n  casefile amend 1 9 --reason \"no promise was actually made\" --retract"
    )]
    Amend(Lazy<AmendArgs>),

    /// Before a contact: the goal, what to have ready, the last contacts, promises, offers, the opening line
    #[command(
        after_help = "Examples:\n  casefile brief 1\n  casefile brief 1 --reveal     # with sensitive identifiers"
    )]
    Brief(Lazy<CaseArg>),
    /// The next steps the case calls for, and why
    #[command(after_help = "Examples:\n  casefile advice 1\n  casefile advice 1 --json")]
    Advice(Lazy<CaseArg>),
    /// Words for the moment, filled from the case: greeting, escalate, plea, offer, accept, callback, policy, commend, restart, collect, calm, pause
    #[command(
        after_help = "Examples:\n  casefile script 1            # every script\n  casefile script 1 plea --rep \"Alex Kim\"\n  casefile script 1 accept"
    )]
    Script(Lazy<ScriptArgs>),
    /// What the dispute has cost you, and roughly what it has cost the company
    #[command(
        after_help = "Examples:\n  casefile cost 1\n  casefile cost 1 --hourly 40 --agent-minute 1.20"
    )]
    Cost(Lazy<CostArgs>),
    /// Check a draft message for tone and completeness
    #[command(
        after_help = "Reads FILE, or standard input with -.\n\nExit codes: 0 nothing to flag, 8 suggestions only (something missing, too long),\n9 something that will hurt (threats, insults, swearing at them, sarcasm, shouting,\ncondescension, blame).\n\nA learned model built into casefile (MiniLM, run offline) reads each message as\na whole: its politeness, and scorn or sarcasm no single phrase shows. Set\nCASEFILE_TONE_MODEL to a folder to read another model from, or to off for the\nrules alone; without a model the rules answer, and check says why.\n\nMany messages at once: --jsonl reads JSON Lines (FILE, or standard input), each\nan object with a \"text\" (and, if you like, a \"kind\": chat, email or letter),\nand writes one JSON object per line with hurt, politeness (0 to 1) and the\nfindings. A line that cannot be read gets {\"line\": N, \"error\": ...}, the rest are\nanswered, and the exit code is 4.\n\nExamples:\n  casefile check draft.txt --case 1 --kind email\n  casefile check --jsonl messages.jsonl > checked.jsonl"
    )]
    Check(Lazy<CheckArgs>),
    /// Draft a letter: executive, regulator, final-response or commend
    #[command(
        after_help = "Examples:\n  casefile letter 1 executive --to \"Jane Doe, CEO\" --from \"Sam Smith\" --reveal\n  casefile letter 1 regulator --format html --output complaint.html\n  casefile letter 1 commend --rep \"Priya Natarajan\"\n\nSensitive identifiers are masked unless --reveal; a letter you send usually needs them."
    )]
    Letter(Lazy<LetterArgs>),
    /// The built-in script and letter templates, and where to put your own
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  casefile templates list\n  casefile templates show script/plea.txt"
    )]
    Templates(Lazy<TemplatesCommand>),

    /// List cases, most recently active first
    #[command(
        after_help = "Examples:\n  casefile list\n  casefile list --status open --company Acme\n  casefile list --all --json"
    )]
    List(Lazy<ListArgs>),
    /// Show a case's current state: goal, facts, contacts, promises, offers, costs
    #[command(after_help = "Examples:\n  casefile show 1\n  casefile show 1 --json")]
    Show(Lazy<CaseArg>),
    /// The case's entries in the order things happened; as md or html, a record for a regulator or court
    #[command(
        after_help = "Examples:\n  casefile timeline 1\n  casefile timeline 1 --format html --output record.html"
    )]
    Timeline(Lazy<TimelineArgs>),
    /// Search the text of every case
    #[command(
        after_help = "Examples:\n  casefile search refund\n  casefile search \"known bad batch\" --limit 5"
    )]
    Search(Lazy<SearchArgs>),
    /// Promises and follow-ups that are due or overdue, across all cases
    #[command(after_help = "Examples:\n  casefile due\n  casefile due --within 14d --all")]
    Due(Lazy<DueArgs>),
    /// Open promises and follow-ups as an iCalendar feed, with a reminder before each
    #[command(
        after_help = "Examples:\n  casefile calendar --output casefile.ics     # import it into a calendar\n  casefile calendar --remind 1d\n\nThe web app serves the same feed at a private address a phone's calendar can\nsubscribe to: `casefile serve`, then \"Add to your calendar\" on the Due page."
    )]
    Calendar(Lazy<CalendarArgs>),
    /// Cases by status and company, outcomes, money recovered, time to resolution
    #[command(
        after_help = "Money recovered is the value of the offers accepted. On a server, the report is of\none workspace (CASEFILE_WORKSPACE).\n\nExamples:\n  casefile report\n  casefile report --csv > report.csv\n  casefile report --json"
    )]
    Report(Lazy<ReportArgs>),
    /// Companies: names, aliases, channels, the people met and how they transfer
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  casefile company add \"Acme Broadband, Inc.\" --alias Acme\n  casefile company show Acme\n  casefile company list"
    )]
    Company(Lazy<CompanyCommand>),

    /// Public complaint data (the US CFPB database): import it, then see how a company answers complaints
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  casefile intel import complaints.csv\n  casefile intel company \"wells fargo\"\n  casefile intel similar 1"
    )]
    Intel(Lazy<IntelCommand>),
    /// Email: import .eml files and mbox archives, each message a contact in its case
    #[command(
        subcommand,
        after_help = "Examples:\n  casefile mail import reply.eml --case 1\n  casefile mail import exported.mbox --case 1\n  cat message.eml | casefile mail import - --case 1"
    )]
    Mail(Lazy<MailCommand>),

    /// The web app on this machine: cases, the live call page, companies, letters, the record
    #[command(
        after_help = "On your own file it listens on 127.0.0.1 and prints a one-time link: open it in a\nbrowser and it lets that browser in, once. With --database (a PostgreSQL server) people\nsign in with the accounts `casefile users add` makes. Another address (a phone on your\nnetwork) needs TLS: --tls-self-signed, or your own --tls-cert and --tls-key.\n\nExamples:\n  casefile serve --port 8484\n  casefile serve --bind 0.0.0.0 --tls-self-signed\n  casefile serve --database postgres://casefile@localhost/casefile"
    )]
    Serve(Lazy<ServeArgs>),
    /// Sync this file with your account on a casefile server: what you wrote goes up, what others wrote comes down
    #[command(
        after_help = "Sign in once; the session is kept in casefile's config folder, readable by you only.\nEach device writes its own series of every case, so nothing is ever rewritten: entries\nonly get added, and a sync stopped at any moment is finished by the next.\n\nExamples:\n  casefile sync login https://casefile.example.org --email ana@example.org < password.txt\n  casefile sync login https://192.168.1.20:8484/pair/3f9c... --fingerprint AB:CD:...\n  casefile sync\n  casefile sync --status\n  casefile sync logout"
    )]
    Sync(Lazy<SyncArgs>),
    /// Manage who may sign in to a server: accounts, workspaces and roles
    #[command(
        subcommand,
        after_help = "Accounts live on a server's PostgreSQL database (--database or CASEFILE_DATABASE).\n\nExamples:\n  printf '%s\\n' 'a long passphrase' | casefile users add ana@clinic.org --workspace clinic --role owner\n  casefile users add bo@clinic.org --workspace clinic --role helper --invite\n  casefile users list\n  casefile users remove bo@clinic.org --workspace clinic"
    )]
    Users(Lazy<UsersCommand>),

    /// Check every entry's hash chain and every stored view
    #[command(
        after_help = "Examples:\n  casefile verify\n  casefile verify --json\n  casefile verify --digest 3f2a-9c10-77ab-01de-55e0\n\nWith --digest (one `casefile seal` printed) it also proves the file still holds\neverything recorded up to that seal."
    )]
    Verify(Lazy<VerifyArgs>),
    /// One .zip for a regulator or a court: the case's printable record and every exhibit kept
    #[command(
        after_help = "Examples:\n  casefile bundle 1                       # writes case-1.zip here\n  casefile bundle 1 --output acme-complaint.zip\n\nEach exhibit is named by the entry of the record that attached it (32-receipt.pdf);\nexhibits/index.txt lists them with their SHA-256 fingerprints."
    )]
    Bundle(Lazy<BundleArgs>),
    /// Seal the journal: print a short digest of everything recorded so far, to keep outside the file
    #[command(
        after_help = "Write the digest down or email it to yourself. Later, `casefile verify --digest DIGEST`\nproves this file still holds everything recorded up to the seal: nobody with the file\nalone can rewrite, cut off or hide a sealed entry without that proof failing.\n\nExample:\n  casefile seal"
    )]
    Seal,
    /// Rebuild every stored view from the journal
    #[command(after_help = "Example:\n  casefile rebuild")]
    Rebuild,
    /// Write every entry as JSON Lines (sensitive values masked unless --reveal)
    #[command(
        after_help = "Examples:\n  casefile export --output backup.jsonl\n  casefile export --reveal --output full-backup.jsonl"
    )]
    Export(Lazy<ExportArgs>),
    /// Read entries from a `casefile export --reveal` file (all or nothing)
    #[command(after_help = "Example:\n  casefile import full-backup.jsonl")]
    Import(Lazy<ImportArgs>),
    /// Print shell completions
    #[command(
        after_help = "Example:\n  casefile completions bash > ~/.local/share/bash-completion/completions/casefile"
    )]
    Completions(Lazy<CompletionsArgs>),
    /// Print the man page (roff), or write one per verb into a folder
    #[command(
        after_help = "Examples:\n  casefile man > casefile.1\n  casefile man --dir ~/.local/share/man/man1"
    )]
    Man(Lazy<ManArgs>),
}

#[derive(Debug, Args)]
pub struct CaseArg {
    /// The case number (as `casefile list` shows it)
    pub case: String,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FairArg {
    Yes,
    No,
    Unsure,
}

#[derive(Debug, Args)]
pub struct OpenArgs {
    /// A short title, e.g. "Router refund"
    pub title: Option<String>,
    /// The company (created if new)
    #[arg(long)]
    pub company: Option<String>,
    /// What is wrong, in one sentence
    #[arg(long)]
    pub problem: Option<String>,
    /// The exact outcome you want: what, how much, by when
    #[arg(long)]
    pub resolution: Option<String>,
    /// An outcome you would also accept (repeatable)
    #[arg(long = "alternative", value_name = "TEXT")]
    pub alternatives: Vec<String>,
    /// Would the company survive if every customer asked for this?
    #[arg(long, value_enum)]
    pub fair: Option<FairArg>,
    /// Why you answered the fairness question as you did
    #[arg(long)]
    pub fairness_note: Option<String>,
    /// A fact as KIND=VALUE (acquired, began, status, change, expected, tried, other)
    #[arg(long = "fact", value_name = "KIND=VALUE")]
    pub facts: Vec<String>,
    /// An identifier as LABEL=VALUE, e.g. "Order=A-1001"
    #[arg(long = "id", value_name = "LABEL=VALUE")]
    pub ids: Vec<String>,
    /// A sensitive identifier as LABEL=VALUE; masked in output unless --reveal
    #[arg(long = "sensitive-id", value_name = "LABEL=VALUE")]
    pub sensitive_ids: Vec<String>,
    /// When the case began [default: now]
    #[arg(long)]
    pub at: Option<String>,
    /// Ask for missing answers even when standard input is not a terminal
    #[arg(long, conflicts_with = "no_wizard")]
    pub wizard: bool,
    /// Never ask; fail if the title is missing
    #[arg(long)]
    pub no_wizard: bool,
}

#[derive(Debug, Args)]
pub struct GoalArgs {
    /// The case number, as `casefile list` shows it
    pub case: String,
    #[arg(long)]
    pub problem: Option<String>,
    #[arg(long)]
    pub resolution: Option<String>,
    /// An outcome you would also accept (repeatable; replaces the previous list)
    #[arg(long = "alternative", value_name = "TEXT")]
    pub alternatives: Vec<String>,
    #[arg(long, value_enum)]
    pub fair: Option<FairArg>,
    #[arg(long)]
    pub fairness_note: Option<String>,
    /// Why the goal changed (required when revising)
    #[arg(long)]
    pub reason: Option<String>,
    #[arg(long)]
    pub at: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FactKindArg {
    /// When you got the product or service
    Acquired,
    /// When the problem began
    Began,
    /// An account, order, serial or model number
    #[value(alias = "id")]
    Identifier,
    /// What is happening now
    Status,
    /// How things changed since it began
    Change,
    /// What you expected
    Expected,
    /// What you already tried
    Tried,
    Other,
}

#[derive(Debug, Args)]
pub struct FactArgs {
    /// The case number, as `casefile list` shows it
    pub case: String,
    #[arg(value_enum)]
    pub kind: FactKindArg,
    pub value: String,
    /// What the value is, e.g. "Account number"
    #[arg(long)]
    pub label: Option<String>,
    /// Mask this value in output and exports unless --reveal
    #[arg(long)]
    pub sensitive: bool,
    #[arg(long)]
    pub at: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ChannelArg {
    Phone,
    Chat,
    Email,
    Letter,
    InPerson,
    Social,
    Web,
    Other,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// The case number, as `casefile list` shows it
    pub case: String,
    /// When the contact started
    #[arg(long)]
    pub start: String,
    /// When it ended (a time alone takes the start's day)
    #[arg(long, conflicts_with = "minutes")]
    pub end: Option<String>,
    /// Or: how long it lasted, e.g. 45m
    #[arg(long)]
    pub minutes: Option<String>,
    #[arg(long, value_enum, default_value = "phone")]
    pub channel: ChannelArg,
    /// The company contacted you (default: you contacted them)
    #[arg(long)]
    pub inbound: bool,
    /// The number, address or handle used
    #[arg(long)]
    pub via: Option<String>,
    /// A representative, in order; later ones are transfers (repeatable)
    #[arg(long = "rep", value_name = "SPEC")]
    pub reps: Vec<String>,
    /// A reference number given (repeatable)
    #[arg(long = "ref", value_name = "SPEC")]
    pub refs: Vec<String>,
    /// A note (repeatable)
    #[arg(long = "note", value_name = "SPEC")]
    pub notes: Vec<String>,
    /// A time on hold as START-END (repeatable)
    #[arg(long = "hold", value_name = "START-END")]
    pub holds: Vec<String>,
    /// A promise they made (repeatable)
    #[arg(long = "promise", value_name = "SPEC")]
    pub promises: Vec<String>,
    /// An offer they made (repeatable)
    #[arg(long = "offer", value_name = "SPEC")]
    pub offers: Vec<String>,
    /// An escalation you asked for (repeatable)
    #[arg(long = "escalate", value_name = "SPEC")]
    pub escalations: Vec<String>,
    /// How it ended, in a few words
    #[arg(long)]
    pub outcome: Option<String>,
    /// How helpful it was, 1 (not at all) to 5 (fully)
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub rating: Option<u8>,
}

#[derive(Debug, Subcommand)]
pub enum ContactCommand {
    /// Start a contact now (or --at)
    #[command(
        after_help = "Examples:\n  casefile contact start 1 --via \"800 555 0100\"\n  casefile contact start 1 --channel chat --inbound"
    )]
    Start {
        /// The case number, as `casefile list` shows it
        case: String,
        #[arg(long, value_enum, default_value = "phone")]
        channel: ChannelArg,
        #[arg(long)]
        inbound: bool,
        #[arg(long)]
        via: Option<String>,
        #[arg(long)]
        at: Option<String>,
    },
    /// A representative joins the open contact (the second and later are transfers)
    #[command(
        after_help = "Examples:\n  casefile contact rep 1 \"Dana Reyes, ext=4471, dept=Billing\"\n  casefile contact rep 1 \"Marcus Lee, role=supervisor, at=14:20\""
    )]
    Rep {
        /// The case number, as `casefile list` shows it
        case: String,
        /// "Name, ext=..., dept=..., role=..., email=..., reports-to=..."
        spec: String,
    },
    /// Put the open contact on hold
    #[command(after_help = "Example:\n  casefile contact hold 1")]
    Hold {
        /// The case number, as `casefile list` shows it
        case: String,
        #[arg(long)]
        at: Option<String>,
    },
    /// Back from hold
    #[command(after_help = "Example:\n  casefile contact resume 1")]
    Resume {
        /// The case number, as `casefile list` shows it
        case: String,
        #[arg(long)]
        at: Option<String>,
    },
    /// Mark that you are frustrated: the coach suggests a break (the company never sees it)
    #[command(after_help = "Example:\n  casefile contact frustrated 1")]
    Frustrated {
        /// The case number, as `casefile list` shows it
        case: String,
        #[arg(long)]
        at: Option<String>,
    },
    /// End the open contact
    #[command(
        after_help = "Example:\n  casefile contact end 1 --outcome \"supervisor to call back\" --rating 2"
    )]
    End {
        /// The case number, as `casefile list` shows it
        case: String,
        #[arg(long)]
        outcome: Option<String>,
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=5))]
        rating: Option<u8>,
        #[arg(long)]
        at: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct NoteArgs {
    /// The case number, as `casefile list` shows it
    pub case: String,
    /// The note; `-` reads standard input; none opens $EDITOR
    pub text: Option<String>,
    #[arg(long)]
    pub at: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RefKindArg {
    Case,
    Ticket,
    Complaint,
    Order,
    Other,
}

#[derive(Debug, Args)]
pub struct RefArgs {
    /// The case number, as `casefile list` shows it
    pub case: String,
    pub value: String,
    #[arg(long, value_enum, default_value = "case")]
    pub kind: RefKindArg,
    #[arg(long)]
    pub at: Option<String>,
}

#[derive(Debug, Args)]
pub struct PromiseArgs {
    /// The case number, as `casefile list` shows it
    pub case: String,
    /// What they will do, e.g. "call me back about the refund"
    pub what: String,
    /// Who promised it
    #[arg(long)]
    pub by: Option<String>,
    /// By when, e.g. "in 48h" or "friday 5pm"
    #[arg(long)]
    pub due: Option<String>,
    #[arg(long)]
    pub at: Option<String>,
}

#[derive(Debug, Args)]
pub struct SettleArgs {
    /// The case number, as `casefile list` shows it
    pub case: String,
    /// The entry's #number, as `show` prints it
    pub entry: String,
    #[arg(long)]
    pub note: Option<String>,
    #[arg(long)]
    pub at: Option<String>,
}

#[derive(Debug, Args)]
pub struct OfferArgs {
    /// The case number, as `casefile list` shows it
    pub case: String,
    pub what: String,
    #[arg(long)]
    pub by: Option<String>,
    /// Its value, e.g. 25 or "25 EUR"
    #[arg(long)]
    pub value: Option<String>,
    #[arg(long)]
    pub at: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AnswerArg {
    Declined,
    /// Accepted, not as full resolution of the matter
    NotFull,
    /// Accepted as full resolution
    Full,
}

#[derive(Debug, Args)]
pub struct AnswerArgs {
    /// The case number, as `casefile list` shows it
    pub case: String,
    /// The offer's #number
    pub entry: String,
    #[arg(value_enum)]
    pub answer: AnswerArg,
    #[arg(long)]
    pub note: Option<String>,
    #[arg(long)]
    pub at: Option<String>,
}

#[derive(Debug, Args)]
pub struct EscalateArgs {
    /// The case number, as `casefile list` shows it
    pub case: String,
    /// Whom you asked for: "a supervisor", "the retention team"
    #[arg(long)]
    pub to: Option<String>,
    #[arg(long)]
    pub reason: Option<String>,
    #[arg(long)]
    pub at: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OutcomeArg {
    Granted,
    Callback,
    Refused,
}

#[derive(Debug, Args)]
pub struct EscalationArgs {
    /// The case number, as `casefile list` shows it
    pub case: String,
    /// The escalation's #number
    pub entry: String,
    #[arg(value_enum)]
    pub outcome: OutcomeArg,
    #[arg(long)]
    pub note: Option<String>,
    #[arg(long)]
    pub at: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExpenseArgs {
    /// The case number, as `casefile list` shows it
    pub case: String,
    /// e.g. 12.50 or "12.50 EUR" (currency from CASEFILE_CURRENCY, default USD)
    pub amount: String,
    pub what: String,
    #[arg(long)]
    pub at: Option<String>,
}

#[derive(Debug, Args)]
pub struct TimeArgs {
    /// The case number, as `casefile list` shows it
    pub case: String,
    /// e.g. 45m or "1h 30m"
    pub duration: String,
    pub what: String,
    #[arg(long)]
    pub at: Option<String>,
}

#[derive(Debug, Args)]
pub struct FollowupArgs {
    /// The case number, as `casefile list` shows it
    pub case: String,
    pub what: String,
    /// When, e.g. "friday 10am" or "in 3 days"
    #[arg(long)]
    pub due: String,
}

#[derive(Debug, Args)]
pub struct SentArgs {
    /// The case number, as `casefile list` shows it
    pub case: String,
    /// To whom
    #[arg(long)]
    pub to: String,
    /// What kind: executive escalation, regulator complaint, final response request, ...
    #[arg(long)]
    pub kind: String,
    /// How: email, recorded post, web form
    #[arg(long)]
    pub via: Option<String>,
    #[arg(long)]
    pub summary: Option<String>,
    #[arg(long)]
    pub at: Option<String>,
}

#[derive(Debug, Args)]
pub struct AttachArgs {
    /// The case number, as `casefile list` shows it
    pub case: String,
    pub file: PathBuf,
    #[arg(long)]
    pub at: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StatusArg {
    Open,
    /// Waiting on the company
    Waiting,
    Escalated,
    Resolved,
    Abandoned,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The case number, as `casefile list` shows it
    pub case: String,
    #[arg(value_enum)]
    pub status: StatusArg,
    #[arg(long)]
    pub note: Option<String>,
    #[arg(long)]
    pub at: Option<String>,
}

#[derive(Debug, Args)]
pub struct AssignArgs {
    /// The case number, as `casefile list` shows it
    pub case: String,
    /// The person the case is for
    #[arg(long, conflicts_with = "no_client")]
    pub client: Option<String>,
    /// The helper working it, by the email they sign in with
    #[arg(long, conflicts_with = "unassign")]
    pub helper: Option<String>,
    /// Clear who the case is for
    #[arg(long)]
    pub no_client: bool,
    /// Leave the case with no helper
    #[arg(long)]
    pub unassign: bool,
}

#[derive(Debug, Args)]
pub struct LessonArgs {
    /// The case number, as `casefile list` shows it
    pub case: String,
    pub text: String,
}

#[derive(Debug, Args)]
pub struct AmendArgs {
    /// The case number, as `casefile list` shows it
    pub case: String,
    /// The entry's #number
    pub entry: String,
    /// Why it is being amended
    #[arg(long)]
    pub reason: String,
    /// What it should have said. It replaces the entry's main text in every
    /// view (a rep's name, a fact's value, what was promised); the record keeps both
    #[arg(long)]
    pub correction: Option<String>,
    /// The entry no longer counts (it was wrong or never happened)
    #[arg(long)]
    pub retract: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long, value_enum)]
    pub status: Option<StatusArg>,
    #[arg(long)]
    pub company: Option<String>,
    /// Only the cases this helper works (by email)
    #[arg(long, conflicts_with = "mine")]
    pub helper: Option<String>,
    /// Only the cases you work (your CASEFILE_USER)
    #[arg(long)]
    pub mine: bool,
    /// Show at most this many, most recently active first
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Show every case
    #[arg(long, conflicts_with = "limit")]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Words to find (all must appear)
    #[arg(required = true)]
    pub words: Vec<String>,
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
}

#[derive(Debug, Args)]
pub struct DueArgs {
    /// Include what falls due within this long from now
    #[arg(long, default_value = "7 days")]
    pub within: String,
    /// Show at most this many, soonest first
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Show every item
    #[arg(long, conflicts_with = "limit")]
    pub all: bool,
    /// Only what is due in the cases you work (your CASEFILE_USER)
    #[arg(long)]
    pub mine: bool,
}

#[derive(Debug, Args)]
pub struct CalendarArgs {
    /// How long before each due time the reminder goes off (e.g. 1h, 30m, 1d)
    #[arg(long, default_value = "1h")]
    pub remind: String,
    /// Write to this file instead of standard output
    #[arg(short, long)]
    pub output: Option<std::path::PathBuf>,
    /// Only what is due in the cases you work (your CASEFILE_USER)
    #[arg(long)]
    pub mine: bool,
}

#[derive(Debug, Subcommand)]
pub enum CompanyCommand {
    /// Record a company
    #[command(
        after_help = "Example:\n  casefile company add \"Acme Broadband, Inc.\" --alias Acme --alias \"Acme BB\""
    )]
    Add {
        name: String,
        #[arg(long = "alias")]
        aliases: Vec<String>,
    },
    /// Add another name the company goes by
    #[command(after_help = "Example:\n  casefile company alias Acme \"Acme Internet\"")]
    Alias { company: String, alias: String },
    /// Add a way to reach the company
    #[command(
        after_help = "Example:\n  casefile company channel Acme phone \"800 555 0100\" --label \"Billing\" --hours \"Mon-Fri 8-20 ET\""
    )]
    Channel {
        company: String,
        #[arg(value_enum)]
        kind: ChannelKindArg,
        value: String,
        #[arg(long)]
        label: Option<String>,
        #[arg(long)]
        hours: Option<String>,
    },
    /// What is known: channels, people met, departments, transfers, cases
    #[command(after_help = "Example:\n  casefile company show Acme")]
    Show { company: String },
    /// All companies
    #[command(after_help = "Example:\n  casefile company list")]
    List,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ChannelKindArg {
    Phone,
    Chat,
    Email,
    Postal,
    Executive,
    Web,
    Social,
    Regulator,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Also prove the journal still holds what a seal covered (the digest `casefile seal` printed)
    #[arg(long, value_name = "DIGEST")]
    pub digest: Option<String>,
}

#[derive(Debug, Args)]
pub struct BundleArgs {
    /// The case number, as `casefile list` shows it
    pub case: String,
    /// The .zip to write [default: case-N.zip in the current folder]
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write to this file instead of standard output
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The export file; `-` reads standard input
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write casefile.1 and a page per verb (casefile-note.1, ...) here
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ScriptArgs {
    /// The case number, as `casefile list` shows it
    pub case: String,
    /// Which script; all of them when left out
    #[arg(value_parser = ["greeting", "escalate", "plea", "offer", "accept", "callback", "policy", "commend", "restart", "collect", "calm", "pause"])]
    pub kind: Option<String>,
    /// The rep's name [default: the last rep met]
    #[arg(long)]
    pub rep: Option<String>,
}

#[derive(Debug, Args)]
pub struct CostArgs {
    /// The case number, as `casefile list` shows it
    pub case: String,
    /// What an hour of your time is worth [default: CASEFILE_HOURLY_VALUE or 25]
    #[arg(long)]
    pub hourly: Option<String>,
    /// What a minute of a rep's time costs the company [default: CASEFILE_AGENT_MINUTE or 1.00]
    #[arg(long)]
    pub agent_minute: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DraftKindArg {
    Chat,
    Email,
    Letter,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The draft; `-` reads standard input
    #[arg(required_unless_present = "jsonl")]
    pub file: Option<PathBuf>,
    /// Judge completeness against this case's identifiers and problem
    #[arg(long, conflicts_with = "jsonl")]
    pub case: Option<String>,
    /// Check many messages: JSON Lines in (a "text" each), one JSON object out per line
    #[arg(long)]
    pub jsonl: bool,
    #[arg(long, value_enum, default_value = "email")]
    pub kind: DraftKindArg,
    /// The draft thanks or commends someone (it asks for nothing)
    #[arg(long)]
    pub thanks: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Md,
    Text,
    Html,
}

#[derive(Debug, Args)]
pub struct LetterArgs {
    /// The case number, as `casefile list` shows it
    pub case: String,
    #[arg(value_parser = ["executive", "regulator", "final-response", "commend"])]
    pub kind: String,
    #[arg(long, value_enum, default_value = "md")]
    pub format: FormatArg,
    /// The recipient's name and title
    #[arg(long)]
    pub to: Option<String>,
    /// The recipient's address [default: the company's executive or postal address, if recorded]
    #[arg(long)]
    pub address: Option<String>,
    /// Your name, for the signature
    #[arg(long = "from")]
    pub sender: Option<String>,
    /// The rep a commendation is about [default: the last rep met]
    #[arg(long)]
    pub rep: Option<String>,
    /// Days to reply within
    #[arg(long, default_value_t = 14)]
    pub within: u32,
    /// Write to this file instead of standard output
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum TemplatesCommand {
    /// Every template, and whether you have overridden it
    #[command(after_help = "Example:\n  casefile templates list")]
    List,
    /// Print a template's source, to copy and edit
    #[command(after_help = "Example:\n  casefile templates show script/plea.txt")]
    Show { name: String },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TimelineFormat {
    Text,
    Md,
    Html,
    Json,
}

#[derive(Debug, Args)]
pub struct TimelineArgs {
    /// The case number, as `casefile list` shows it
    pub case: String,
    /// text for the terminal; md or html for a record to send or print; json for scripts
    #[arg(long, value_enum, default_value = "text")]
    pub format: TimelineFormat,
    /// Write to this file instead of standard output
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CallArgs {
    /// The case number, as `casefile list` shows it
    pub case: Option<String>,
    /// Open a new case with this title instead
    #[arg(long, conflicts_with = "case")]
    pub new: Option<String>,
    /// The company, for a new case
    #[arg(long, requires = "new")]
    pub company: Option<String>,
    #[arg(long, value_enum, default_value = "phone")]
    pub channel: ChannelArg,
    /// The company contacted you
    #[arg(long)]
    pub inbound: bool,
    /// The number or address used
    #[arg(long)]
    pub via: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Import messages: a reply goes to the case of the message it answers,
    /// the others to --case; a message already imported is skipped
    #[command(
        after_help = "Examples:\n  casefile mail import reply.eml --case 1\n  casefile mail import exported.mbox --case 1\n\nSay which addresses are yours (addresses = [\"me@example.org\"] in the config file, or\nCASEFILE_ADDRESSES), so a message you sent is recorded as going out.\nCase and ticket numbers found in the messages are listed, with the command to record each."
    )]
    Import {
        /// An .eml file or an mbox archive; `-` reads standard input
        file: PathBuf,
        /// The case for messages that answer none already imported
        #[arg(long)]
        case: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum IntelCommand {
    /// Import a CFPB complaints CSV export (any size; read by header name)
    #[command(
        after_help = "Download an export from the CFPB Consumer Complaint Database (as CSV) and import it:\n  casefile intel import complaints.csv\nImporting again, or a newer export, updates complaints in place by Complaint ID.\nA .csv.gz is read as it is; so is a tab-separated export.\nThe data goes beside your journal, named after it (casefile.intel.db; CASEFILE_INTEL_DB to move it); the journal is never touched."
    )]
    Import {
        /// The CSV file; `-` reads standard input
        file: PathBuf,
    },
    /// How a company answers complaints: counts by product and issue, responses, timeliness, disputes, by year
    #[command(after_help = "Example:\n  casefile intel company \"wells fargo\"")]
    Company {
        /// The company's name (forgiving: case, Inc./N.A./LLC, the first words alone)
        name: String,
    },
    /// Complaints like a case's problem, with what the company did for them
    #[command(
        after_help = "Examples:\n  casefile intel similar 1\n  casefile intel similar 1 --all-companies --limit 10"
    )]
    Similar {
        /// The case number, as `casefile list` shows it
        case: String,
        /// Search every company, not only the case's
        #[arg(long)]
        all_companies: bool,
        #[arg(long, default_value_t = 5)]
        limit: usize,
    },
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SyncArgs {
    #[command(subcommand)]
    pub command: Option<SyncCommand>,
    /// Show what waits to go up and to come down; change nothing
    #[arg(long)]
    pub status: bool,
}

#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// Sign in to a casefile server, with an account or with a one-time link
    #[command(
        after_help = "With --email the password is read from standard input (one line). Without it,\nURL is a one-time link the server showed (`casefile serve` prints one; a server's\nDevices page makes one).\nA server with a self-signed certificate is trusted by the fingerprint it printed.\n\nExamples:\n  printf '%s\\n' 'my passphrase' | casefile sync login https://casefile.example.org --email ana@example.org\n  casefile sync login https://192.168.1.20:8484/pair/3f9c... --fingerprint AB:CD:..."
    )]
    Login {
        /// The server's address (https://...), or a one-time link
        url: String,
        /// Sign in with this account (the password from standard input)
        #[arg(long)]
        email: Option<String>,
        /// The workspace, when the account is in several
        #[arg(long)]
        workspace: Option<String>,
        /// Trust the server's self-signed certificate with this SHA-256 (as the server printed it)
        #[arg(long)]
        fingerprint: Option<String>,
    },
    /// Forget the sign-in kept on this device
    #[command(
        after_help = "What this device recorded stays on it; it stops syncing until you sign in again.\n\nExample:\n  casefile sync logout"
    )]
    Logout,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Write CSV (one line per company, the total last) instead of a table
    #[arg(long)]
    pub csv: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The port to listen on; 0 picks a free one
    #[arg(long, default_value_t = 8484)]
    pub port: u16,
    /// The address to listen on
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
    /// A PostgreSQL server to serve from, with accounts (else your own file)
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
    /// Serve plain HTTP on an address other machines can reach (passwords and
    /// cookies then cross the network readable)
    #[arg(long, conflicts_with_all = ["tls_cert", "tls_self_signed"])]
    pub allow_plain_http: bool,
    /// Serve HTTPS with this certificate (PEM; with --tls-key)
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM)
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Serve HTTPS with a self-signed certificate, made once and kept beside
    /// the database; its fingerprint is printed
    #[arg(long, conflicts_with = "tls_cert")]
    pub tls_self_signed: bool,
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Add a member to a workspace (made if new), or change their role
    #[command(
        after_help = "The password is read from standard input; with --invite a one-time link is printed\ninstead, for the member to choose their own.\n\nExamples:\n  printf '%s\\n' 'a long passphrase' | casefile users add ana@clinic.org --workspace clinic --role owner\n  casefile users add bo@clinic.org --workspace clinic --role viewer --invite --link-base https://casefile.clinic.org"
    )]
    Add(UsersAddArgs),
    /// List the members of one workspace, or of all
    #[command(
        after_help = "Examples:\n  casefile users list\n  casefile users list --workspace clinic --json"
    )]
    List(UsersListArgs),
    /// Remove a member from a workspace; their sessions there end at once
    #[command(after_help = "Example:\n  casefile users remove bo@clinic.org --workspace clinic")]
    Remove(UsersRemoveArgs),
}

#[derive(Debug, Args)]
pub struct UsersAddArgs {
    /// Their email address, which they sign in with
    pub email: String,
    /// The workspace (made if new)
    #[arg(long)]
    pub workspace: String,
    /// owner (manages members), helper (reads and writes cases) or viewer (reads)
    #[arg(long)]
    pub role: String,
    /// Print a one-time link for them to choose a password, instead of reading one
    #[arg(long)]
    pub invite: bool,
    /// The server's address, for the link [default: http://localhost:8484]
    #[arg(long, value_name = "URL")]
    pub link_base: Option<String>,
    /// The PostgreSQL server (else CASEFILE_DATABASE)
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
}

#[derive(Debug, Args)]
pub struct UsersListArgs {
    /// Only this workspace
    #[arg(long)]
    pub workspace: Option<String>,
    /// The PostgreSQL server (else CASEFILE_DATABASE)
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
}

#[derive(Debug, Args)]
pub struct UsersRemoveArgs {
    pub email: String,
    #[arg(long)]
    pub workspace: String,
    /// The PostgreSQL server (else CASEFILE_DATABASE)
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
}
