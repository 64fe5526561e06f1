//! Timing in alternating pairs: each pair runs the SDK and its baseline
//! back to back (which goes first alternates), with `sync` before each run;
//! a row's ratio is the median of the per-pair ratios, with their spread.
//! CPU time (user, system) is read from `/proc/self/stat`.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::measure::{Error, Row};

/// CPU time (user, system) of this process,
/// from `/proc/self/stat`, in clock ticks converted at 100 Hz.
#[derive(Clone, Copy, Default)]
struct Cpu {
    user: Duration,
    sys: Duration,
}

fn cpu_now() -> Cpu {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold
    // spaces: state is field 3, utime 14, stime 15, cutime 16, cstime 17.
    let rest = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<u64> = rest
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let tick = |i: usize| Duration::from_millis(fields.get(i).copied().unwrap_or(0) * 10);
    Cpu {
        user: tick(10),
        sys: tick(11),
    }
}

/// One timed run: wall time and CPU (user, sys) spent; for a child
/// process, its page faults and context switches too.
pub struct Sample {
    wall: Duration,
    user: Duration,
    sys: Duration,
    faults: Option<u64>,
    switches: Option<u64>,
    /// Peak resident memory of a child process, in KiB.
    peak_rss_kib: Option<u64>,
}

/// Waits for the child `pid`; whether it exited with success, and its own
/// resource usage (not that of other children).
fn wait_with_usage(pid: u32) -> std::io::Result<(bool, libc::rusage)> {
    let pid = libc::pid_t::try_from(pid).map_err(std::io::Error::other)?;
    let mut status = 0;
    // SAFETY: wait4 writes the status and one `rusage` we own; `pid` is
    // our unwaited child.
    let (waited, usage) = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        let waited = libc::wait4(pid, &mut status, 0, &mut usage);
        (waited, usage)
    };
    if waited != pid {
        return Err(std::io::Error::last_os_error());
    }
    Ok((
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        usage,
    ))
}

fn sync_disk() {
    let _ = std::process::Command::new("sync").status();
}

/// Page faults and context switches of this process so far, every thread's.
fn counts_now() -> (u64, u64) {
    // SAFETY: getrusage writes one `rusage` we own.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let n = |v: libc::c_long| u64::try_from(v).unwrap_or(0);
    (
        n(usage.ru_minflt) + n(usage.ru_majflt),
        n(usage.ru_nvcsw) + n(usage.ru_nivcsw),
    )
}

/// `f` timed in this process: wall, CPU, page faults and context switches
/// (of every thread, the runtime's included).
pub async fn sdk_sample<F, Fut>(f: F) -> Result<Sample, Error>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<(), Error>>,
{
    let before = cpu_now();
    let (faults, switches) = counts_now();
    let started = Instant::now();
    f().await?;
    let wall = started.elapsed();
    let after = cpu_now();
    let (faults_after, switches_after) = counts_now();
    Ok(Sample {
        wall,
        user: after.user.saturating_sub(before.user),
        sys: after.sys.saturating_sub(before.sys),
        faults: Some(faults_after.saturating_sub(faults)),
        switches: Some(switches_after.saturating_sub(switches)),
        peak_rss_kib: None,
    })
}

/// [`sdk_sample`] with `f` run on a current-thread runtime of its own (on
/// a thread of its own), as the CLI runs: the connection task and the
/// reader then share one thread, with no wake-up across threads per
/// network read.
pub async fn current_thread_sample<F, Fut>(f: F) -> Result<Sample, Error>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<(), Error>> + 'static,
{
    sdk_sample(|| async move {
        tokio::task::spawn_blocking(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(f()).map_err(|e| e.to_string())
        })
        .await??;
        Ok(())
    })
    .await
}

pub async fn curl_sample(args: &[&str], then_sync: Option<&Path>) -> Result<Sample, Error> {
    process_sample("curl", args, &[], then_sync).await
}

/// The peak resident memory of child `pid`, in KiB, read from its own
/// `/proc/<pid>/status` (`VmHWM`) every 2 ms until it ends. Not `wait4`'s
/// `ru_maxrss`: Linux carries the parent's high-water mark into a child
/// across exec, so every child of a grown bench process reported the
/// bench's own peak (201 MiB for curl in a full run).
fn watch_peak_rss(pid: u32) -> std::thread::JoinHandle<u64> {
    std::thread::spawn(move || {
        let path = format!("/proc/{pid}/status");
        let mut peak = 0;
        // A zombie has no `VmHWM` line; a reaped child no file.
        while let Some(kib) = std::fs::read_to_string(&path).ok().and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        }) {
            peak = peak.max(kib);
            std::thread::sleep(Duration::from_millis(2));
        }
        peak
    })
}

/// Runs `program` with `args` (and `env`) to the end; then `sync FILE`
/// when asked. CPU, faults and switches are the child's own (`wait4`), its
/// peak memory is watched ([`watch_peak_rss`]).
pub async fn process_sample(
    program: &str,
    args: &[&str],
    env: &[(&str, &str)],
    then_sync: Option<&Path>,
) -> Result<Sample, Error> {
    // Read only when the child fails.
    let errors = tempfile::tempfile()?;
    let started = Instant::now();
    let child = std::process::Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::null())
        .stderr(errors.try_clone()?)
        .spawn()?;
    let pid = child.id();
    let peak = watch_peak_rss(pid);
    let (ok, usage) = tokio::task::spawn_blocking(move || wait_with_usage(pid)).await??;
    let peak_rss_kib = peak.join().map_err(|_| "the memory watcher panicked")?;
    if !ok {
        let mut text = String::new();
        let mut errors = errors;
        std::io::Seek::rewind(&mut errors)?;
        std::io::Read::read_to_string(&mut errors, &mut text)?;
        return Err(format!("{program} failed: {text}").into());
    }
    if let Some(file) = then_sync {
        let status = tokio::process::Command::new("sync")
            .arg(file)
            .status()
            .await?;
        if !status.success() {
            return Err("sync FILE failed".into());
        }
    }
    let wall = started.elapsed();
    let n = |v: libc::c_long| u64::try_from(v).unwrap_or(0);
    let time =
        |t: libc::timeval| Duration::from_secs(n(t.tv_sec)) + Duration::from_micros(n(t.tv_usec));
    Ok(Sample {
        wall,
        user: time(usage.ru_utime),
        sys: time(usage.ru_stime),
        faults: Some(n(usage.ru_minflt) + n(usage.ru_majflt)),
        switches: Some(n(usage.ru_nvcsw) + n(usage.ru_nivcsw)),
        peak_rss_kib: Some(peak_rss_kib),
    })
}

/// The middle value (the upper one of an even count).
pub fn median<T: Copy + PartialOrd>(mut values: Vec<T>) -> T {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    values[values.len() / 2]
}

/// The medians of paired samples: (ours, baseline, per-pair ratio
/// baseline/ours, lowest ratio, highest ratio).
pub struct Paired {
    ours: Vec<Sample>,
    baseline: Vec<Sample>,
}

impl Paired {
    /// The highest peak resident memory of our runs (child processes), in
    /// KiB.
    pub fn ours_peak_rss_kib(&self) -> Option<u64> {
        self.ours.iter().filter_map(|s| s.peak_rss_kib).max()
    }

    fn ratio(&self) -> (f64, f64, f64) {
        let ratios: Vec<f64> = self
            .ours
            .iter()
            .zip(&self.baseline)
            .map(|(o, b)| b.wall.as_secs_f64() / o.wall.as_secs_f64())
            .collect();
        let low = ratios.iter().copied().fold(f64::INFINITY, f64::min);
        let high = ratios.iter().copied().fold(0.0, f64::max);
        (median(ratios), low, high)
    }

    /// Median wall time, throughput when `mib` is given, and CPU time.
    fn describe(samples: &[Sample], mib: Option<f64>) -> String {
        let wall = median(samples.iter().map(|s| s.wall).collect());
        let user = median(samples.iter().map(|s| s.user).collect());
        let sys = median(samples.iter().map(|s| s.sys).collect());
        let speed = mib
            .map(|mib| format!("{:.0} MiB/s; ", mib / wall.as_secs_f64()))
            .unwrap_or_default();
        let counts = match (
            samples.iter().map(|s| s.faults).collect::<Option<Vec<_>>>(),
            samples
                .iter()
                .map(|s| s.switches)
                .collect::<Option<Vec<_>>>(),
        ) {
            (Some(faults), Some(switches)) => format!(
                ", {} page faults, {} context switches",
                median(faults),
                median(switches)
            ),
            _ => String::new(),
        };
        let counts = match samples
            .iter()
            .map(|s| s.peak_rss_kib)
            .collect::<Option<Vec<_>>>()
        {
            Some(rss) => format!(
                "{counts}, peak RSS {:.0} MiB",
                rss.into_iter().max().unwrap_or(0) as f64 / 1024.0
            ),
            None => counts,
        };
        format!(
            "{:.3} s ({speed}cpu user {:.2} s, sys {:.2} s{counts})",
            wall.as_secs_f64(),
            user.as_secs_f64(),
            sys.as_secs_f64()
        )
    }

    pub fn row(
        &self,
        name: &'static str,
        mib: Option<f64>,
        goal: &'static str,
        want: Option<f64>,
    ) -> Row {
        let (ratio, low, high) = self.ratio();
        Row {
            name,
            ours: Self::describe(&self.ours, mib),
            baseline: Self::describe(&self.baseline, mib),
            ratio,
            goal,
            spread: Some((low, high)),
            met: want.is_none_or(|want| ratio >= want),
        }
    }
}

/// Runs `ours` and `baseline` alternately `pairs` times (the first of each
/// pair alternates too), with `sync` before each run.
pub async fn paired<O, OF, B, BF>(
    pairs: usize,
    mut ours: O,
    mut baseline: B,
) -> Result<Paired, Error>
where
    O: FnMut() -> OF,
    OF: std::future::Future<Output = Result<Sample, Error>>,
    B: FnMut() -> BF,
    BF: std::future::Future<Output = Result<Sample, Error>>,
{
    let mut result = Paired {
        ours: Vec::new(),
        baseline: Vec::new(),
    };
    for pair in 0..pairs {
        for first in [pair % 2 == 0, pair % 2 == 1] {
            sync_disk();
            if first {
                result.ours.push(ours().await?);
            } else {
                result.baseline.push(baseline().await?);
            }
        }
    }
    Ok(result)
}
