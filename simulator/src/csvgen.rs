//! Deterministic CSV files of any size, never stored.
//!
//! Every row of a file has the same length, so the file's size is known up
//! front (the APIs announce it) and a `Range` request maps straight to a row
//! and an offset. Values vary with the row number and the file's seed.

use bytes::{Bytes, BytesMut};

/// Bytes produced per chunk of a streamed body.
const CHUNK: usize = 64 * 1024;

/// What kind of rows a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// DVP raw export: one pull action per row.
    DvpRaw,
    /// DVP tag/digest-level summary.
    DvpSummary,
    /// DVP repository-level summary.
    DvpRepoSummary,
    /// DVP namespace-level summary.
    DvpNamespaceSummary,
    /// Enterprise `usage_pulls` report.
    UsagePulls,
    /// Enterprise `active_users` report.
    ActiveUsers,
}

/// A virtual CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvFile {
    /// Row shape.
    pub kind: RowKind,
    /// Number of data rows.
    pub rows: u64,
    /// Varies the values between files.
    pub seed: u64,
    /// Namespace or organization written into rows.
    pub owner: String,
    /// Date the rows belong to (`YYYY-MM-DD`).
    pub date: String,
}

pub(crate) const REPOS: [&str; 4] = ["web-app", "api-svc", "db-tool", "cli-kit"];
const TAGS: [&str; 4] = ["latest", "v1.2.3", "stable", "v2.0.0"];
const COUNTRIES: [&str; 6] = ["US", "DE", "FR", "JP", "BR", "IN"];
const HOSTS: [&str; 4] = ["aws", "gcp", "azure", "none"];
const TYPES: [&str; 3] = ["commercial", "education", "unknown"];

/// A small, fast, deterministic mix of two numbers.
fn mix(seed: u64, i: u64) -> u64 {
    let mut x = seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x
}

impl CsvFile {
    /// The header line, with its newline.
    pub fn header(&self) -> &'static str {
        match self.kind {
            RowKind::DvpRaw => {
                "timestamp,namespace,repository,reference,tag,digest,http_method,action,type,host,country,user_agent\n"
            }
            RowKind::DvpSummary => {
                "namespace,repository,reference,unique_ip_count,pulls_by_tag,pulls_by_digest,version_checks\n"
            }
            RowKind::DvpRepoSummary => {
                "namespace,repository,unique_ip_count,pulls_by_tag,pulls_by_digest,version_checks\n"
            }
            RowKind::DvpNamespaceSummary => {
                "namespace,unique_ip_count,pulls_by_tag,pulls_by_digest,version_checks\n"
            }
            RowKind::UsagePulls => {
                "event_date,repository,tag,pull_count,unique_ips,first_pull_at,automated,share\n"
            }
            RowKind::ActiveUsers => "month,user_id,pulls,last_seen_at\n",
        }
    }

    /// Length of every row, newline included.
    pub fn row_len(&self) -> usize {
        let mut row = String::new();
        self.write_row(0, &mut row);
        row.len()
    }

    /// Size of the whole file in bytes.
    pub fn size(&self) -> u64 {
        self.header().len() as u64 + self.rows * self.row_len() as u64
    }

    /// Appends row `i` (with its newline) to `out`.
    pub fn write_row(&self, i: u64, out: &mut String) {
        use std::fmt::Write as _;
        let r = mix(self.seed, i);
        let repo = REPOS[(r % 4) as usize];
        let tag = TAGS[((r >> 8) % 4) as usize];
        let count = |shift: u32| (r >> shift) % 100_000_000;
        match self.kind {
            RowKind::DvpRaw => {
                let second = i % 86_400;
                let action = (r >> 16) % 3;
                let (method, action, tag) = match action {
                    0 => ("GET", "pull_by_tag", tag),
                    1 => ("GET", "pull_by_digest", ""),
                    _ => ("HEAD", "version_check", tag),
                };
                let start = out.len();
                let _ = write!(
                    out,
                    "{}T{:02}:{:02}:{:02}Z,{},{}/{repo},sha256:{:016x}{:016x}{:016x}{:016x},{tag},sha256:{:016x}{:016x}{:016x}{:016x},{method},{action},{},{},{},",
                    self.date,
                    second / 3600,
                    second / 60 % 60,
                    second % 60,
                    self.owner,
                    self.owner,
                    r,
                    r.rotate_left(16),
                    r.rotate_left(32),
                    r.rotate_left(48),
                    r,
                    r.rotate_left(16),
                    r.rotate_left(32),
                    r.rotate_left(48),
                    TYPES[((r >> 20) % 3) as usize],
                    HOSTS[((r >> 24) % 4) as usize],
                    COUNTRIES[((r >> 28) % 6) as usize],
                );
                // The user agent takes whatever width is left, so every row
                // has the same length.
                let used = out.len() - start;
                let width = 320 + 2 * self.owner.len();
                let agent = "docker/27.0.3 go/go1.22 os/linux arch/amd64 build/";
                let digits = width.saturating_sub(used + agent.len() + 1).max(1);
                let _ = writeln!(out, "{agent}{:0digits$}", r % 1_000_000_000);
            }
            RowKind::DvpSummary | RowKind::DvpRepoSummary => {
                // A repo summary has no tag column.
                let (tag, comma) = match self.kind {
                    RowKind::DvpSummary => (tag, ","),
                    _ => ("", ""),
                };
                let _ = writeln!(
                    out,
                    "{},{}/{repo},{tag}{comma}{:08},{:08},{:08},{:08}",
                    self.owner,
                    self.owner,
                    count(1),
                    count(9),
                    count(17),
                    count(25)
                );
            }
            RowKind::DvpNamespaceSummary => {
                let _ = writeln!(
                    out,
                    "{},{:08},{:08},{:08},{:08}",
                    self.owner,
                    count(1),
                    count(9),
                    count(17),
                    count(25)
                );
            }
            RowKind::UsagePulls => {
                let automated = (r >> 40).is_multiple_of(2);
                // "true" is one byte shorter than "false": the share gets one
                // more decimal to keep the row length fixed.
                let (flag, decimals) = if automated { ("true", 7) } else { ("false", 6) };
                let share = (r % 1_000_000) as f64 / 1_000_000.0;
                let _ = writeln!(
                    out,
                    "{},{}/{repo},{tag},{:08},{:08},{}T{:02}:{:02}:00Z,{flag},{share:.decimals$}",
                    self.date,
                    self.owner,
                    count(3),
                    count(11),
                    self.date,
                    (r >> 5) % 24,
                    (r >> 13) % 60,
                );
            }
            RowKind::ActiveUsers => {
                let _ = writeln!(
                    out,
                    "{},user-{:09},{:08},{}T{:02}:{:02}:00Z",
                    self.date,
                    i,
                    count(3),
                    self.date,
                    (r >> 5) % 24,
                    (r >> 13) % 60,
                );
            }
        }
    }

    /// The bytes from `offset` to the end, in chunks, generated as they are
    /// read.
    pub fn chunks_from(&self, offset: u64) -> impl Iterator<Item = Bytes> + Send + 'static {
        let file = self.clone();
        let header = file.header().as_bytes();
        let row_len = file.row_len() as u64;
        let header_len = header.len() as u64;
        let mut position = offset.min(file.size());
        let end = file.size();
        let mut row_text = String::with_capacity(row_len as usize + 8);
        std::iter::from_fn(move || {
            if position >= end {
                return None;
            }
            let mut chunk = BytesMut::with_capacity(CHUNK + row_len as usize);
            while chunk.len() < CHUNK && position < end {
                if position < header_len {
                    let start = position as usize;
                    chunk.extend_from_slice(&header[start..]);
                    position = header_len;
                    continue;
                }
                let row = (position - header_len) / row_len;
                let within = ((position - header_len) % row_len) as usize;
                row_text.clear();
                file.write_row(row, &mut row_text);
                chunk.extend_from_slice(&row_text.as_bytes()[within..]);
                position += (row_text.len() - within) as u64;
            }
            Some(chunk.freeze())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(file: &CsvFile, offset: u64) -> Vec<u8> {
        file.chunks_from(offset).flat_map(|c| c.to_vec()).collect()
    }

    #[test]
    fn rows_have_one_length_and_size_is_exact_for_every_kind() {
        for kind in [
            RowKind::DvpRaw,
            RowKind::DvpSummary,
            RowKind::DvpRepoSummary,
            RowKind::DvpNamespaceSummary,
            RowKind::UsagePulls,
            RowKind::ActiveUsers,
        ] {
            let file = CsvFile {
                kind,
                rows: 500,
                seed: 7,
                owner: "sim-org".into(),
                date: "2026-06-16".into(),
            };
            let lengths: std::collections::BTreeSet<usize> = (0..500)
                .map(|i| {
                    let mut s = String::new();
                    file.write_row(i, &mut s);
                    s.len()
                })
                .collect();
            assert_eq!(lengths.len(), 1, "{kind:?}: {lengths:?}");
            let all = collect(&file, 0);
            assert_eq!(all.len() as u64, file.size(), "{kind:?}");
            let text = String::from_utf8(all.clone()).unwrap();
            let columns = file.header().trim_end().split(',').count();
            for line in text.lines() {
                assert_eq!(line.split(',').count(), columns, "{kind:?}: {line}");
            }
            // Any offset gives the same tail.
            for offset in [1, 37, file.header().len() as u64, 10_000, file.size() - 1] {
                assert_eq!(
                    collect(&file, offset),
                    all[offset as usize..],
                    "{kind:?} at {offset}"
                );
            }
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_bytes_and_another_seed_others() {
        let a = CsvFile {
            kind: RowKind::DvpRaw,
            rows: 50,
            seed: 1,
            owner: "x".into(),
            date: "2026-01-01".into(),
        };
        let b = CsvFile {
            seed: 2,
            ..a.clone()
        };
        assert_eq!(collect(&a, 0), collect(&a.clone(), 0));
        assert_ne!(collect(&a, 0), collect(&b, 0));
    }
}
