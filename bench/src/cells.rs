//! Rows 2d–2g: the per-cell parsers the typed readers use, against the
//! parsers a user would reach for (std's `str::parse`, chrono, and the
//! `atoi` and `lexical-core` crates), on the cells of the benchmark report.
//!
//! Each column's cells are copied out of the CSV once, back to back as in
//! a batch, then parsed whole by each side in alternating rounds; the
//! ratio is the median of the per-round ratios (theirs / ours: above 1,
//! ours is faster). Both sides must read every cell to the same value, or
//! the run fails: a faster parser that disagrees is not a candidate.

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use atoi::FromRadix10SignedChecked;

use crate::measure::{Error, Row};
use crate::pairs::median;

/// Cells of one column, back to back.
struct Column {
    text: String,
    ends: Vec<usize>,
}

impl Column {
    fn cells(&self) -> impl Iterator<Item = &str> + '_ {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let cell = &self.text[start..end];
            start = end;
            cell
        })
    }
}

/// The first `limit` records' cells of the columns at `positions`.
fn columns(csv: &Path, positions: &[usize], limit: usize) -> Result<Vec<Column>, Error> {
    let mut reader = csv::Reader::from_path(csv)?;
    let mut columns: Vec<Column> = positions
        .iter()
        .map(|_| Column {
            text: String::new(),
            ends: Vec::new(),
        })
        .collect();
    for record in reader.records().take(limit) {
        let record = record?;
        for (column, &position) in columns.iter_mut().zip(positions) {
            column.text.push_str(record.get(position).unwrap_or(""));
            column.ends.push(column.text.len());
        }
    }
    Ok(columns)
}

/// Wall time of one pass of `parse` over every cell of `columns`, and a
/// checksum of what it read (`None` for a cell it refused).
fn pass<T: Checksum>(columns: &[Column], parse: &mut impl FnMut(&str) -> Option<T>) -> (f64, u64) {
    let started = Instant::now();
    let mut sum = 0u64;
    for column in columns {
        for cell in column.cells() {
            sum = sum
                .rotate_left(5)
                .wrapping_add(black_box(parse(black_box(cell))).map_or(1, |v| v.bits()));
        }
    }
    (started.elapsed().as_secs_f64(), sum)
}

/// A parsed value as bits, for comparing what both sides read.
trait Checksum {
    fn bits(&self) -> u64;
}

impl Checksum for i64 {
    fn bits(&self) -> u64 {
        *self as u64
    }
}

impl Checksum for f64 {
    fn bits(&self) -> u64 {
        self.to_bits()
    }
}

/// Ours against one other parser, in `rounds` alternating rounds.
#[allow(clippy::too_many_arguments)]
fn compare<T: Checksum>(
    name: &'static str,
    columns: &[Column],
    rounds: usize,
    mut ours: impl FnMut(&str) -> Option<T>,
    mut theirs: impl FnMut(&str) -> Option<T>,
) -> Result<Row, Error> {
    let mut ratios = Vec::new();
    let (mut ours_times, mut their_times) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        // Alternate which side goes first, as the other paired rows do.
        let (a, b) = if round % 2 == 0 {
            let a = pass(columns, &mut ours);
            (a, pass(columns, &mut theirs))
        } else {
            let b = pass(columns, &mut theirs);
            (pass(columns, &mut ours), b)
        };
        if a.1 != b.1 {
            return Err(format!("{name}: the two parsers read the cells differently").into());
        }
        ratios.push(b.0 / a.0);
        ours_times.push(a.0);
        their_times.push(b.0);
    }
    let cells: usize = columns.iter().map(|c| c.ends.len()).sum();
    let per_cell = |times: Vec<f64>| format!("{:.1} ns/cell", median(times) * 1e9 / cells as f64);
    let spread = (
        ratios.iter().copied().fold(f64::INFINITY, f64::min),
        ratios.iter().copied().fold(0.0, f64::max),
    );
    Ok(Row {
        name,
        ours: per_cell(ours_times),
        baseline: per_cell(their_times),
        ratio: median(ratios),
        goal: "(reported: > 1, ours faster)",
        met: true,
        spread: Some(spread),
    })
}

/// Rows 2d–2g on the first 2 Mi records of the usage_pulls report `csv`
/// (columns: event_date, repository, tag, pull_count, unique_ips,
/// first_pull_at, automated, share).
pub fn rows(csv: &Path, rounds: usize) -> Result<Vec<Row>, Error> {
    let limit = 2 * 1024 * 1024;
    let all = columns(csv, &[3, 4, 7, 5, 0], limit)?;
    let (integers, floats, stamps, dates) = (&all[0..2], &all[2..3], &all[3..4], &all[4..5]);
    let ours_i64 = docker_data_csv::parse_i64;
    let ours_f64 = docker_data_csv::parse_f64;
    let mut rows = vec![
        compare(
            "2d. integer cells: ours (csv::parse_i64) vs str::parse::<i64>",
            integers,
            rounds,
            ours_i64,
            |cell| cell.trim().parse().ok(),
        )?,
        compare(
            "2d'. integer cells: ours vs atoi (from_radix_10_signed_checked)",
            integers,
            rounds,
            ours_i64,
            |cell| {
                // The number only when all of the cell is one (atoi stops
                // at the first byte that is not a digit).
                let (value, used) = i64::from_radix_10_signed_checked(cell.as_bytes());
                value.filter(|_| used == cell.len())
            },
        )?,
        compare(
            "2d''. integer cells: ours vs lexical_core::parse::<i64>",
            integers,
            rounds,
            ours_i64,
            |cell| lexical_core::parse(cell.as_bytes()).ok(),
        )?,
        compare(
            "2e. float cells: ours (csv::parse_f64) vs str::parse::<f64>",
            floats,
            rounds,
            ours_f64,
            |cell| cell.trim().parse().ok(),
        )?,
        compare(
            "2e'. float cells: ours vs lexical_core::parse::<f64>",
            floats,
            rounds,
            ours_f64,
            |cell| lexical_core::parse(cell.as_bytes()).ok(),
        )?,
    ];
    let mut cache = docker_data_csv::DateCache::default();
    rows.push(compare(
        "2f. timestamp cells: ours (DateCache::timestamp) vs chrono DateTime::parse_from_rfc3339",
        stamps,
        rounds,
        move |cell| cache.timestamp(cell).map(|t| t.timestamp_micros()),
        |cell| {
            chrono::DateTime::parse_from_rfc3339(cell)
                .ok()
                .map(|t| t.timestamp_micros())
        },
    )?);
    let mut cache = docker_data_csv::DateCache::default();
    rows.push(compare(
        "2g. date cells: ours (DateCache::date) vs chrono NaiveDate::from_str",
        dates,
        rounds,
        move |cell| cache.days_since_epoch(cell).map(i64::from),
        |cell| {
            cell.parse::<chrono::NaiveDate>()
                .ok()
                .map(|d| i64::from(docker_data_csv::days_since_epoch(d)))
        },
    )?);
    Ok(rows)
}
