//! The command line, as clap sees it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Docker usage data from the command line: DVP pull analytics and
/// Enterprise usage reports.
#[derive(Debug, Parser)]
#[command(
    name = "docker-data",
    version,
    propagate_version = true,
    after_help = "Credentials, first found wins: flags, then the environment (DOCKER_USERNAME with \
                  DOCKER_PAT or DOCKER_PASSWORD; DOCKER_ORG with DOCKER_OAT), then the profile's \
                  saved login (`docker-data login`), then what `docker login` stored for Docker Hub.\n\n\
                  Exit codes: 0 success, 1 API, network or file failure, 2 usage error, \
                  4 authentication failed or credentials missing.\n\n\
                  EXAMPLES:\n  docker-data --demo reports list usage_pulls daily\n  \
                  docker-data login --org acme --oat-stdin < oat.txt\n  \
                  docker-data --profile work hub members acme -o jsonl"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// Run against a built-in simulator of Docker's APIs (no network, no
    /// account; its demo credentials are used unless others are given).
    #[arg(long, global = true)]
    pub demo: bool,
    /// Docker Hub base URL (token endpoints).
    #[arg(long, env = "DOCKER_HUB_URL", global = true)]
    pub hub_url: Option<String>,
    /// DVP Data API base URL.
    #[arg(long, env = "DOCKER_DVP_URL", global = true)]
    pub dvp_url: Option<String>,
    /// Enterprise Data API base URL.
    #[arg(long, env = "DOCKER_ENTERPRISE_URL", global = true)]
    pub enterprise_url: Option<String>,
    /// Legacy Account API base URL (its public host is retired).
    #[arg(long, env = "DOCKER_ACCOUNT_URL", global = true)]
    pub account_url: Option<String>,
    /// Docker Hub user name (DVP).
    #[arg(long, env = "DOCKER_USERNAME", global = true)]
    pub username: Option<String>,
    /// Password (DVP, Account API). Prefer the environment variable or
    /// --password-stdin: a flag value is visible to other processes.
    #[arg(long, env = "DOCKER_PASSWORD", hide_env_values = true, global = true)]
    pub password: Option<String>,
    /// Personal access token (DVP), used instead of a password. Prefer the
    /// environment variable or --pat-stdin.
    #[arg(long, env = "DOCKER_PAT", hide_env_values = true, global = true)]
    pub pat: Option<String>,
    /// One-time code for an account with two-factor authentication;
    /// prompted for on a terminal when needed and not given.
    #[arg(long, global = true)]
    pub otp: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long, global = true)]
    pub password_stdin: bool,
    /// Read the personal access token from the first line of standard input.
    #[arg(long, global = true)]
    pub pat_stdin: bool,
    /// Read the organization access token from the first line of standard
    /// input.
    #[arg(long, global = true)]
    pub oat_stdin: bool,
    /// Organization name (Enterprise).
    #[arg(long, env = "DOCKER_ORG", global = true)]
    pub org: Option<String>,
    /// Organization access token (Enterprise). Prefer the environment
    /// variable or --oat-stdin.
    #[arg(long, env = "DOCKER_OAT", hide_env_values = true, global = true)]
    pub oat: Option<String>,
    /// How the OAT authenticates Enterprise calls: `exchange` trades it at
    /// Docker Hub for a short-lived JWT (the default), `direct` sends the
    /// OAT itself as the bearer.
    #[arg(
        long,
        env = "DOCKER_ENTERPRISE_AUTH",
        default_value = "exchange",
        value_parser = ["exchange", "direct"],
        global = true
    )]
    pub enterprise_auth: String,
    /// OAuth token for the legacy Account API, used instead of the user
    /// name and password.
    #[arg(
        long,
        env = "DOCKER_ACCOUNT_TOKEN",
        hide_env_values = true,
        global = true
    )]
    pub account_token: Option<String>,
    /// Seconds a download waits for the object store's response headers.
    #[arg(long, value_name = "SECS", default_value_t = 30, global = true, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout: u64,
    /// Seconds a download (or streamed body) may go without a byte.
    #[arg(long, value_name = "SECS", default_value_t = 30, global = true, value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout: u64,
    /// Files downloaded at the same time.
    #[arg(long, default_value_t = 4, global = true, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// Format of listings. `table` escapes control characters for the
    /// terminal; `csv` and `json` are data and keep every byte as sent.
    #[arg(long, short, value_enum, default_value_t = Output::Table, global = true)]
    pub output: Output,
    /// Log each request (method, path, status, attempt, latency) to stderr;
    /// twice for more. Secrets are never logged.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only warnings and errors on stderr: no progress bars, no summary
    /// lines, no notes (the exit status still tells how it went).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// No progress bars (they are hidden anyway when stderr is not a
    /// terminal).
    #[arg(long, global = true)]
    pub no_progress: bool,
    /// The profile: a `[profiles.NAME]` table of the configuration file
    /// (`DOCKER_DATA_CONFIG`, else `~/.config/docker-data/config.toml`) and
    /// the login saved under that name; `default` when not given.
    #[arg(long, env = "DOCKER_DATA_PROFILE", global = true)]
    pub profile: Option<String>,
    /// Log in on every run instead of reusing the short-lived token kept
    /// (readable only by you) in the user's cache folder.
    #[arg(long, global = true)]
    pub no_token_cache: bool,
}

/// Format of listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Aligned columns.
    Table,
    /// JSON (one document for listings, one object per line for rows).
    Json,
    /// One JSON object per line, for listings and rows alike.
    Jsonl,
    /// CSV with a header line.
    Csv,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// DVP Data API: pull analytics of Verified Publisher namespaces.
    #[command(
        subcommand,
        after_help = "EXAMPLES:\n  docker-data --demo dvp namespaces\n  docker-data dvp pulls my-namespace --timespan weeks"
    )]
    Dvp(DvpCommand),
    /// Enterprise Data API: usage reports of an organization.
    #[command(
        subcommand,
        after_help = "EXAMPLES:\n  docker-data --demo reports types\n  docker-data reports download usage_pulls daily --from 2026-01-01 ./reports"
    )]
    Reports(ReportsCommand),
    /// Legacy docker.io Account API: a user's profile and email addresses.
    #[command(
        subcommand,
        after_help = "EXAMPLES:\n  docker-data --demo account show sim-user"
    )]
    Account(AccountCommand),
    /// Docker Hub organization data: audit logs, members, repositories, tags.
    #[command(
        subcommand,
        after_help = "EXAMPLES:\n  docker-data --demo hub members sim-org\n  docker-data hub audit-logs my-org --limit 100 -o jsonl"
    )]
    Hub(HubCommand),
    /// Keep a Parquet lake up to date on object storage (S3, GCS, Azure) or
    /// in a folder: Enterprise reports and DVP exports, hive-partitioned,
    /// with a manifest; a rerun writes only what is new.
    ///
    /// Layout: `<prefix>/enterprise/<type>/<cadence>/org=<org>/report_date=<day>/data.parquet`
    /// and `<prefix>/dvp/<dataview>/publisher=<namespace>/timespan=<YYYY-MM|YYYY-Www>/data.parquet`.
    /// Credentials come from the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_REGION`, `AWS_ENDPOINT_URL`, `AWS_ALLOW_HTTP`; `GOOGLE_*`; `AZURE_*`).
    /// Written object paths go to stdout, the summary to stderr; exit 1
    /// when an item failed.
    #[command(
        after_help = "EXAMPLES:\n  docker-data --demo sync ./lake\n  docker-data sync s3://analytics/docker --reports usage_pulls/daily --from 2026-01-01\n  docker-data sync gs://bucket/lake --dvp my-namespace --dry-run"
    )]
    Sync(SyncArgs),
    /// Checks credentials with one token exchange and saves them for the
    /// profile: through the credential helper Docker's config.json names
    /// (credsStore), else in a file only you can read. A user name with a
    /// personal access token (or password), or an organization with an
    /// organization access token; read from --*-stdin, the environment, or
    /// a prompt.
    #[command(
        after_help = "EXAMPLES:\n  docker-data login --username jdoe            (prompts for the token)\n  printenv DOCKER_PAT | docker-data login --username jdoe --pat-stdin\n  docker-data login --profile work --org acme --oat-stdin < oat.txt"
    )]
    Login,
    /// Removes the profile's saved login and its cached token.
    #[command(after_help = "EXAMPLES:\n  docker-data logout\n  docker-data logout --profile work")]
    Logout,
    /// Shell completions for bash, zsh, fish, powershell or elvish, on
    /// standard output (`docker-data completions bash > ~/.local/share/bash-completion/completions/docker-data`).
    #[command(
        after_help = "EXAMPLES:\n  docker-data completions bash > ~/.local/share/bash-completion/completions/docker-data\n  docker-data completions zsh > ~/.zfunc/_docker-data"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// The man pages (`docker-data.1` and one per subcommand, e.g.
    /// `docker-data-reports-list.1`), written into a folder.
    #[command(after_help = "EXAMPLES:\n  docker-data man ./man")]
    Man {
        /// Where the pages go (created if missing).
        dir: std::path::PathBuf,
    },
    /// Any operation of any vendored spec, by its operationId, raw JSON out.
    /// `docker-data api` lists specs; `docker-data api <spec>` lists its
    /// operations; `docker-data api <spec> <operation> --help` shows its
    /// parameters.
    #[command(
        after_help = "EXAMPLES:\n  docker-data --demo api\n  docker-data --demo api enterprise-data listReports --org-name sim-org --type usage_pulls --cadence daily"
    )]
    Api {
        /// `account`, `dvp`, `enterprise-data`, `hub` or `hub-auth`.
        spec: Option<String>,
        /// operationId, e.g. `listReports`.
        operation: Option<String>,
        /// The operation's parameters, e.g. `--org-name my-org`. Put `--`
        /// before them when one has the name of a global flag
        /// (`api account getUser -- --username jdoe`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum DvpCommand {
    /// Namespaces the account has data for.
    #[command(
        after_help = "EXAMPLES:\n  docker-data --demo dvp namespaces\n  docker-data dvp namespaces -o json"
    )]
    Namespaces {
        #[command(flatten)]
        limit: Limit,
    },
    /// Every file of a namespace's export, printed as the walk finds them.
    #[command(
        after_help = "EXAMPLES:\n  docker-data --demo dvp exports sim-publisher --year 2026\n  docker-data dvp exports my-namespace --dataview raw --limit 10 -o jsonl"
    )]
    Exports {
        /// The namespace.
        namespace: String,
        #[command(flatten)]
        filter: DvpFilter,
        #[command(flatten)]
        limit: Limit,
    },
    /// Download export files into a folder; files already there are skipped.
    #[command(
        after_help = "EXAMPLES:\n  docker-data --demo dvp download sim-publisher --year 2026 --week 4 ./exports\n  docker-data dvp download my-namespace --all --format parquet ./exports"
    )]
    Download {
        /// The namespace.
        namespace: String,
        #[command(flatten)]
        filter: DvpFilter,
        /// Everything the export holds (required when no filter is given).
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        format: FormatArg,
        /// Where files go: `<dir>/<namespace>/<year>/<month-MM|week-WW>/<view>.csv`
        /// (`.parquet` with `--format parquet`).
        dir: PathBuf,
    },
    /// Convert a downloaded export file (plain or gzip) to Parquet.
    #[command(
        after_help = "EXAMPLES:\n  docker-data dvp convert exports/ns/2026/week-04/raw.csv --to parquet raw.parquet"
    )]
    Convert {
        /// The CSV file.
        file: PathBuf,
        /// Target format.
        #[arg(long = "to", value_enum)]
        to: ConvertTarget,
        /// The dataview (raw, summary, repo-summary, namespace-summary, or
        /// another: all text columns); guessed from the file name when
        /// omitted.
        #[arg(long)]
        dataview: Option<String>,
        /// The Parquet file to write.
        out: PathBuf,
    },
    /// Pull counts of a namespace, of one repository, or of several.
    #[command(
        after_help = "EXAMPLES:\n  docker-data --demo dvp pulls sim-publisher\n  docker-data dvp pulls my-namespace --repo web --repo my-namespace/api --period last-3-months"
    )]
    Pulls {
        /// The namespace.
        namespace: String,
        /// Only this repository of the namespace; repeat for several (any
        /// number: they are sent 50 per request).
        #[arg(long = "repo", value_name = "REPO")]
        repos: Vec<String>,
        /// Aggregate by months or weeks.
        #[arg(long, value_parser = ["months", "weeks"])]
        timespan: Option<String>,
        /// Window of past data: last-2-months, last-3-months, last-6-months
        /// or last-12-months.
        #[arg(long)]
        period: Option<String>,
        /// Group counts by repo or namespace.
        #[arg(long, value_parser = ["repo", "namespace"])]
        group: Option<String>,
        #[command(flatten)]
        limit: Limit,
    },
    /// Print the rows of a downloaded file.
    #[command(
        after_help = "EXAMPLES:\n  docker-data dvp rows exports/ns/2026/week-04/raw.csv --limit 10\n  docker-data dvp rows summary.csv --kind summary -o csv"
    )]
    Rows {
        /// The file (plain or gzip).
        file: PathBuf,
        /// How to read it: raw, summary, or records (every column as text);
        /// guessed from the file name when omitted.
        #[arg(long, value_enum)]
        kind: Option<RowsKind>,
        /// Stop after this many rows.
        #[arg(long)]
        limit: Option<u64>,
    },
}

/// Which DVP files.
#[derive(Debug, Clone, Args)]
pub struct DvpFilter {
    /// Only this year.
    #[arg(long)]
    pub year: Option<i32>,
    /// Only this month (1-12).
    #[arg(long, conflicts_with = "week")]
    pub month: Option<u32>,
    /// Only this week (1-53).
    #[arg(long)]
    pub week: Option<u32>,
    /// Only this dataview: raw, summary, repo-summary or namespace-summary.
    #[arg(long)]
    pub dataview: Option<String>,
}

/// How to read a DVP file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RowsKind {
    /// One pull per row.
    Raw,
    /// Summary or repo-summary counts.
    Summary,
    /// Every column as text.
    Records,
}

/// The report a downloaded file is, when its path does not say.
#[derive(Debug, Clone, Args)]
pub struct FileReport {
    /// Report type, when the path does not say.
    #[arg(long = "type")]
    pub report_type: Option<String>,
    /// Cadence, when the path does not say.
    #[arg(long)]
    pub cadence: Option<String>,
    /// Date, when the path does not say.
    #[arg(long)]
    pub date: Option<String>,
}

/// The options of `sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// `s3://bucket/prefix`, `gs://bucket/prefix`, `az://container/prefix`,
    /// `file:///path` or a path.
    pub dest: String,
    /// A report type and cadence, e.g. `usage_pulls/daily` (repeatable);
    /// without it, every pair the API lists for the organization.
    #[arg(long = "reports", value_name = "TYPE/CADENCE")]
    pub reports: Vec<String>,
    /// A DVP namespace whose exports to sync (repeatable).
    #[arg(long = "dvp", value_name = "NAMESPACE")]
    pub dvp: Vec<String>,
    /// Only data from this day on (YYYY-MM-DD).
    #[arg(long)]
    pub from: Option<chrono::NaiveDate>,
    /// Only data up to this day (YYYY-MM-DD).
    #[arg(long)]
    pub to: Option<chrono::NaiveDate>,
    /// Object format: Parquet, typed, converted while the body arrives;
    /// or the CSV as served.
    #[arg(long, value_enum, default_value_t = FileFormat::Parquet)]
    pub format: FileFormat,
    /// List what would be written; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// For a store without conditional writes: overwrite the manifest
    /// (then run one sync at a time).
    #[arg(long)]
    pub no_conditional_writes: bool,
}

/// `--format` of a download.
#[derive(Debug, Clone, Copy, Args)]
pub struct FormatArg {
    /// File format: the CSV as served, or Parquet converted while the body
    /// arrives (no CSV is written).
    #[arg(long, value_enum, default_value_t = FileFormat::Csv)]
    pub format: FileFormat,
}

/// Format of downloaded files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FileFormat {
    /// The CSV as served.
    Csv,
    /// Parquet (zstd), typed, converted while the body arrives.
    Parquet,
}

impl From<FileFormat> for docker_data_csv::Format {
    fn from(format: FileFormat) -> Self {
        match format {
            FileFormat::Csv => docker_data_csv::Format::Csv,
            FileFormat::Parquet => docker_data_csv::Format::parquet(),
        }
    }
}

/// What `convert` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConvertTarget {
    /// Parquet (zstd), typed.
    Parquet,
}

#[derive(Debug, Subcommand)]
pub enum ReportsCommand {
    /// Report type and cadence pairs of the organization.
    #[command(
        after_help = "EXAMPLES:\n  docker-data --demo reports types\n  docker-data reports types -o json"
    )]
    Types {
        #[command(flatten)]
        limit: Limit,
    },
    /// Reports of a type and cadence, newest first.
    #[command(
        after_help = "EXAMPLES:\n  docker-data --demo reports list usage_pulls daily --limit 5\n  docker-data reports list usage_pulls daily -o jsonl"
    )]
    List {
        /// Report type, e.g. usage_pulls.
        report_type: String,
        /// Cadence, e.g. daily.
        cadence: String,
        /// Stop after this many reports.
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Download reports into a folder; files already there are skipped.
    #[command(
        after_help = "EXAMPLES:\n  docker-data --demo reports download usage_pulls daily --all ./reports\n  docker-data reports download usage_pulls daily --date 2026-03-01 --format parquet ./reports"
    )]
    Download {
        /// Report type.
        report_type: String,
        /// Cadence.
        cadence: String,
        /// Only the report of this date (YYYY-MM-DD).
        #[arg(long, conflicts_with_all = ["from", "to", "all"])]
        date: Option<String>,
        /// Reports dated on or after this day.
        #[arg(long)]
        from: Option<String>,
        /// Reports dated on or before this day.
        #[arg(long)]
        to: Option<String>,
        /// Every report.
        #[arg(long, conflicts_with_all = ["from", "to"])]
        all: bool,
        #[command(flatten)]
        format: FormatArg,
        /// Where files go: `<dir>/<type>/<cadence>/<date>.csv` (`.parquet`
        /// with `--format parquet`).
        dir: PathBuf,
    },
    /// Convert a downloaded report CSV to Parquet, typed by its schema.
    #[command(
        after_help = "EXAMPLES:\n  docker-data reports convert reports/usage_pulls/daily/2026-03-01.csv --to parquet day.parquet"
    )]
    Convert {
        /// The CSV file; a path ending in `<type>/<cadence>/<date>.csv`
        /// names its report.
        file: PathBuf,
        /// Target format.
        #[arg(long = "to", value_enum)]
        to: ConvertTarget,
        #[command(flatten)]
        report: FileReport,
        /// The Parquet file to write.
        out: PathBuf,
    },
    /// Columns of a report.
    #[command(
        after_help = "EXAMPLES:\n  docker-data --demo reports schema usage_pulls daily 2026-06-30"
    )]
    Schema {
        /// Report type.
        report_type: String,
        /// Cadence.
        cadence: String,
        /// Date (YYYY-MM-DD).
        date: String,
    },
    /// Print the rows of a downloaded report, typed by its schema.
    #[command(
        after_help = "EXAMPLES:\n  docker-data reports rows reports/usage_pulls/daily/2026-03-01.csv --limit 10\n  docker-data reports rows day.csv --type usage_pulls --cadence daily --date 2026-03-01 -o jsonl"
    )]
    Rows {
        /// The file; a path ending in `<type>/<cadence>/<date>.csv` (as
        /// `reports download` writes) names its report.
        file: PathBuf,
        #[command(flatten)]
        report: FileReport,
        /// Stop after this many rows.
        #[arg(long)]
        limit: Option<u64>,
    },
}

/// How many items a listing prints at most.
#[derive(Debug, Clone, Copy, Args)]
pub struct Limit {
    /// Print at most N items, and stop asking for pages once N have come.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

impl Limit {
    /// The limit, or no limit.
    pub fn get(self) -> usize {
        self.limit.unwrap_or(usize::MAX)
    }
}

#[derive(Debug, Subcommand)]
pub enum HubCommand {
    /// Audit events of an organization or user, newest first.
    #[command(
        after_help = "EXAMPLES:\n  docker-data --demo hub audit-logs sim-org --limit 20\n  docker-data hub audit-logs my-org --from 2026-01-01T00:00:00Z --action repo.tag.push -o jsonl"
    )]
    AuditLogs {
        /// The account (organization or user name).
        account: String,
        /// Only events at or after this instant (RFC 3339).
        #[arg(long)]
        from: Option<chrono::DateTime<chrono::Utc>>,
        /// Only events at or before this instant (RFC 3339).
        #[arg(long)]
        to: Option<chrono::DateTime<chrono::Utc>>,
        /// Only this action, e.g. repo.tag.push.
        #[arg(long)]
        action: Option<String>,
        /// Only events by this user.
        #[arg(long)]
        actor: Option<String>,
        #[command(flatten)]
        limit: Limit,
    },
    /// Members of an organization (with pending invites).
    #[command(
        after_help = "EXAMPLES:\n  docker-data --demo hub members sim-org\n  docker-data hub members my-org --export members.csv"
    )]
    Members {
        /// The organization. (Its own id: the global `--org` is the
        /// login's organization, which may differ.)
        #[arg(id = "members_org", value_name = "ORG")]
        org: String,
        /// Write the CSV export to this file instead (atomically).
        #[arg(long, value_name = "FILE")]
        export: Option<PathBuf>,
        #[command(flatten)]
        limit: Limit,
    },
    /// Repositories of a namespace, with pull counts.
    #[command(after_help = "EXAMPLES:\n  docker-data --demo hub repos sim-org -o csv")]
    Repos {
        /// The namespace.
        namespace: String,
        #[command(flatten)]
        limit: Limit,
    },
    /// Tags of a repository.
    #[command(after_help = "EXAMPLES:\n  docker-data --demo hub tags sim-org web-app --limit 10")]
    Tags {
        /// The namespace.
        namespace: String,
        /// The repository.
        repo: String,
        #[command(flatten)]
        limit: Limit,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// A user's profile.
    #[command(after_help = "EXAMPLES:\n  docker-data --demo account show sim-user")]
    Show {
        /// The user name.
        user: String,
    },
    /// A user's email addresses.
    #[command(after_help = "EXAMPLES:\n  docker-data --demo account emails sim-user -o json")]
    Emails {
        /// The user name.
        user: String,
    },
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every command's `--help` ends with examples, and every example is a
    /// command line this parser takes.
    #[test]
    fn every_help_has_examples_that_parse() {
        fn walk(command: &clap::Command, path: &str, found: &mut Vec<(String, String)>) {
            let help = command
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            found.push((path.to_owned(), help));
            for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
                walk(sub, &format!("{path} {}", sub.get_name()), found);
            }
        }
        let mut found = Vec::new();
        walk(&super::Cli::command(), "docker-data", &mut found);
        assert!(found.len() > 25, "{}", found.len());
        for (path, help) in found {
            let (_, examples) = help
                .split_once("EXAMPLES:")
                .unwrap_or_else(|| panic!("`{path} --help` has no EXAMPLES"));
            let mut count = 0;
            for line in examples.lines().map(str::trim).filter(|l| !l.is_empty()) {
                // The docker-data part of a shell line: after a pipe,
                // before a redirection or a comment.
                let line = line.rsplit('|').next().unwrap_or(line);
                let line = line.split(['<', '>']).next().unwrap_or(line);
                let line = line.split("  (").next().unwrap_or(line);
                let words: Vec<&str> = line.split_whitespace().collect();
                assert_eq!(words.first(), Some(&"docker-data"), "{path}: {line}");
                if let Err(e) = super::Cli::command().try_get_matches_from(&words) {
                    panic!("`{path}` example does not parse: {line}\n{e}");
                }
                count += 1;
            }
            assert!(count > 0, "`{path} --help` lists no example");
        }
    }
}
