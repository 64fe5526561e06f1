//! Listings as aligned columns, JSON or CSV, and the one way the CLI
//! writes to standard output: a closed pipe ends the program quietly.
//!
//! Table output (and every message on stderr) shows control characters
//! escaped, so a server's text cannot drive the terminal; CSV and JSON stay
//! byte-faithful, since they are data.

use std::borrow::Cow;
use std::io::Write;

use crate::args::Output;
use crate::error::CliError;

/// `text` with control characters shown escaped (`\u{1b}`), for terminals.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// [`visible`] for a message of several lines: newlines are kept.
pub fn visible_lines(text: &str) -> String {
    text.split('\n')
        .map(|line| visible(line).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
static NO_PROGRESS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Sets `--quiet` and `--no-progress` for the run.
pub fn set_verbosity(quiet: bool, no_progress: bool) {
    use std::sync::atomic::Ordering::Relaxed;
    QUIET.store(quiet, Relaxed);
    NO_PROGRESS.store(quiet || no_progress, Relaxed);
}

/// Whether progress bars are shown.
pub fn progress_wanted() -> bool {
    !NO_PROGRESS.load(std::sync::atomic::Ordering::Relaxed)
}

/// An informational line on stderr (a summary, a note), left out with
/// `--quiet`. Warnings and errors use `eprintln!` and always show.
pub fn note(text: impl std::fmt::Display) {
    if !QUIET.load(std::sync::atomic::Ordering::Relaxed) {
        eprintln!("{text}");
    }
}

/// Writes one line to standard output.
pub fn line(text: impl std::fmt::Display) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")?;
    Ok(())
}

/// A listing: column names and rows of text, plus the JSON form of each row.
#[derive(Debug, Default)]
pub struct Listing {
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
    pub json: Vec<serde_json::Value>,
}

impl Listing {
    pub fn new(columns: &[&'static str]) -> Self {
        Self {
            columns: columns.to_vec(),
            ..Self::default()
        }
    }

    /// Adds a row; `json` is what `--output json` shows for it.
    pub fn push(&mut self, cells: Vec<String>, json: serde_json::Value) {
        self.rows.push(cells);
        self.json.push(json);
    }

    /// Writes the listing to stdout.
    pub fn print(&self, format: Output) -> Result<(), CliError> {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        match format {
            Output::Json => {
                serde_json::to_writer_pretty(&mut out, &self.json)?;
                writeln!(out)?;
            }
            Output::Jsonl => {
                for value in &self.json {
                    serde_json::to_writer(&mut out, value)?;
                    writeln!(out)?;
                }
            }
            Output::Csv => {
                let mut writer = csv::Writer::from_writer(out);
                writer.write_record(&self.columns)?;
                for row in &self.rows {
                    writer.write_record(row)?;
                }
                writer.flush()?;
            }
            Output::Table => {
                let rows: Vec<Vec<String>> = self
                    .rows
                    .iter()
                    .map(|row| row.iter().map(|c| visible(c).into_owned()).collect())
                    .collect();
                let mut widths: Vec<usize> = self.columns.iter().map(|c| width(c)).collect();
                for row in &rows {
                    for (column, cell) in widths.iter_mut().zip(row) {
                        *column = (*column).max(width(cell));
                    }
                }
                let line = |cells: &mut dyn Iterator<Item = &str>| {
                    let text: Vec<String> = cells.zip(&widths).map(|(c, &w)| pad(c, w)).collect();
                    text.join("  ").trim_end().to_owned()
                };
                writeln!(out, "{}", line(&mut self.columns.iter().copied()))?;
                for row in &rows {
                    writeln!(out, "{}", line(&mut row.iter().map(String::as_str)))?;
                }
            }
        }
        Ok(())
    }
}

/// Streams rows (possibly millions) without holding them: JSON lines, CSV,
/// or aligned columns for `table`. Table widths come from the first
/// [`TABLE_SAMPLE`] rows (held until then); a later cell wider than its
/// column, or any cell over [`MAX_CELL`] characters, is cut with `…`.
///
/// Output is block-buffered into a pipe or a file (a write per line had
/// made printing a report a system call per row) and flushed after every
/// row on a terminal, so rows show as they come.
pub struct RowWriter {
    format: Output,
    sink: Sink,
    terminal: bool,
    columns: Vec<String>,
    header_done: bool,
    /// The row being written, as text (CSV and table).
    cells: Cells,
    /// Table mode: rows held to measure the columns, until the widths are set.
    sample: Vec<Vec<String>>,
    widths: Option<Vec<usize>>,
    /// `-o json` of a listing: one array, written as items come.
    json_array: bool,
    items: usize,
}

/// Where rows go: CSV through its own writer, the rest as lines.
enum Sink {
    Csv(Box<csv::Writer<std::io::Stdout>>),
    Lines(std::io::BufWriter<std::io::Stdout>),
}

/// Rows read before the table's column widths are fixed.
pub const TABLE_SAMPLE: usize = 100;

/// Widest a table cell is shown.
pub const MAX_CELL: usize = 40;

/// Columns `text` takes on a terminal: wide characters (CJK, most emoji)
/// take two, combining marks none.
fn width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// `text` followed by spaces up to `columns` terminal columns.
fn pad(text: &str, columns: usize) -> String {
    let mut padded = text.to_owned();
    padded.extend(std::iter::repeat_n(
        ' ',
        columns.saturating_sub(width(text)),
    ));
    padded
}

/// `text` cut to `columns` terminal columns, the last one `…` when cut.
fn fit(text: &str, columns: usize) -> String {
    if width(text) <= columns {
        return text.to_owned();
    }
    let mut cut = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > columns.saturating_sub(1) {
            break;
        }
        used += w;
        cut.push(c);
    }
    cut.push('…');
    cut
}

/// Bytes buffered before a write to standard output.
const OUT_BUFFER: usize = 64 * 1024;

/// The cells of one row as text, in one buffer reused from row to row.
#[derive(Debug, Default)]
pub struct Cells {
    text: Vec<u8>,
    ends: Vec<usize>,
}

impl Cells {
    /// Adds a cell.
    pub fn push(&mut self, cell: &[u8]) {
        self.text.extend_from_slice(cell);
        self.ends.push(self.text.len());
    }

    /// Adds a cell written by `write` into the row's buffer.
    pub fn push_with(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        write(&mut self.text);
        self.ends.push(self.text.len());
    }

    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    fn iter(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(&self.ends)
            .map(|(start, &end)| &self.text[start..end])
    }
}

/// Text of a cell for a table (control characters escaped).
fn shown(cell: &[u8]) -> String {
    visible(&String::from_utf8_lossy(cell)).into_owned()
}

impl RowWriter {
    pub fn new(format: Output, columns: Vec<String>) -> Self {
        use std::io::IsTerminal;
        let stdout = std::io::stdout();
        let terminal = stdout.is_terminal();
        let sink = match format {
            Output::Csv => Sink::Csv(Box::new(
                csv::WriterBuilder::new()
                    .buffer_capacity(OUT_BUFFER)
                    .from_writer(stdout),
            )),
            _ => Sink::Lines(std::io::BufWriter::with_capacity(OUT_BUFFER, stdout)),
        };
        Self {
            format,
            sink,
            terminal,
            columns,
            header_done: false,
            cells: Cells::default(),
            sample: Vec::new(),
            widths: None,
            json_array: false,
            items: 0,
        }
    }

    /// A writer for a listing: as [`new`](Self::new), but `-o json` writes
    /// one array (its items as they come) instead of one object per line.
    pub fn listing(format: Output, columns: &[&str]) -> Self {
        let mut writer = Self::new(format, columns.iter().map(|c| c.to_string()).collect());
        writer.json_array = format == Output::Json;
        writer
    }

    /// Writes what is buffered: a listing calls this before it waits for
    /// the next page, so a pipe sees each page as it comes.
    pub fn flush(&mut self) -> Result<(), CliError> {
        match &mut self.sink {
            Sink::Csv(writer) => writer.flush()?,
            Sink::Lines(out) => out.flush()?,
        }
        Ok(())
    }

    /// Writes a row given as text cells and its JSON form.
    pub fn write(&mut self, cells: &[String], json: &serde_json::Value) -> Result<(), CliError> {
        self.write_row(json, |out| {
            for cell in cells {
                out.push(cell.as_bytes());
            }
        })
    }

    /// Writes a row: `json` is what `--output json` shows, `cells` writes
    /// its text cells (called only for CSV and tables).
    pub fn write_row(
        &mut self,
        json: &impl serde::Serialize,
        cells: impl FnOnce(&mut Cells),
    ) -> Result<(), CliError> {
        if !matches!(self.format, Output::Json | Output::Jsonl) {
            self.cells.clear();
            cells(&mut self.cells);
        }
        self.items += 1;
        match (self.format, &mut self.sink) {
            (Output::Csv, Sink::Csv(writer)) => {
                if !self.header_done {
                    writer.write_record(&self.columns)?;
                    self.header_done = true;
                }
                writer.write_record(self.cells.iter())?;
                if self.terminal {
                    writer.flush()?;
                }
            }
            (Output::Json, Sink::Lines(out)) if self.json_array => {
                out.write_all(if self.items == 1 { b"[\n" } else { b",\n" })?;
                serde_json::to_writer_pretty(&mut *out, json)?;
                if self.terminal {
                    out.flush()?;
                }
            }
            (Output::Json | Output::Jsonl, Sink::Lines(out)) => {
                serde_json::to_writer(&mut *out, json)?;
                out.write_all(b"\n")?;
                if self.terminal {
                    out.flush()?;
                }
            }
            _ => {
                let shown: Vec<String> = self.cells.iter().map(shown).collect();
                match &self.widths {
                    Some(widths) => self.line(&aligned(&shown, widths))?,
                    None => {
                        self.sample.push(shown);
                        if self.sample.len() >= TABLE_SAMPLE {
                            self.flush_sample()?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// One line of a table.
    fn line(&mut self, text: &str) -> Result<(), CliError> {
        match &mut self.sink {
            Sink::Lines(out) => {
                writeln!(out, "{text}")?;
                if self.terminal {
                    out.flush()?;
                }
            }
            // Tables are never written through the CSV writer.
            Sink::Csv(_) => line(text)?,
        }
        Ok(())
    }

    /// Fixes the widths from the rows held so far and prints them.
    fn flush_sample(&mut self) -> Result<(), CliError> {
        let mut widths: Vec<usize> = self.columns.iter().map(|c| width(c)).collect();
        for row in &self.sample {
            for (column, cell) in widths.iter_mut().zip(row) {
                *column = (*column).max(width(cell).min(MAX_CELL));
            }
        }
        self.line(&aligned(&self.columns, &widths))?;
        for row in std::mem::take(&mut self.sample) {
            self.line(&aligned(&row, &widths))?;
        }
        self.widths = Some(widths);
        Ok(())
    }

    pub fn finish(mut self) -> Result<(), CliError> {
        if self.format == Output::Table && self.widths.is_none() {
            self.flush_sample()?;
        }
        if self.json_array {
            self.line(if self.items == 0 { "[]" } else { "\n]" })?;
        }
        match &mut self.sink {
            Sink::Csv(writer) => writer.flush()?,
            Sink::Lines(out) => out.flush()?,
        }
        Ok(())
    }
}

/// One table line: each cell fitted and padded to its column's width.
fn aligned(cells: &[String], widths: &[usize]) -> String {
    let padded: Vec<String> = cells
        .iter()
        .zip(widths)
        .map(|(cell, &columns)| pad(&fit(cell, columns), columns))
        .collect();
    padded.join("  ").trim_end().to_owned()
}

/// Prints `items` as they come, each as table cells and its JSON form
/// (`-o json`: one array, written as it streams). What was printed is
/// written out whenever the next item is not there yet (a page is being
/// fetched), so a pipe sees each page as it arrives.
pub async fn print_listing<T>(
    format: Output,
    columns: &[&str],
    items: impl futures::Stream<Item = sdk_core::Result<T>>,
    row: impl Fn(T) -> (Vec<String>, serde_json::Value),
) -> Result<(), CliError> {
    use futures::{FutureExt, TryStreamExt};
    let mut out = RowWriter::listing(format, columns);
    let mut items = std::pin::pin!(items);
    loop {
        let next = match items.try_next().now_or_never() {
            Some(next) => next,
            None => {
                out.flush()?;
                items.try_next().await
            }
        };
        let Some(item) = next? else { break };
        let (cells, json) = row(item);
        out.write(&cells, &json)?;
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::visible;

    #[test]
    fn table_cells_are_aligned_and_long_ones_cut() {
        let line = super::aligned(
            &[
                "ab".to_owned(),
                "a very long cell indeed".to_owned(),
                "x".to_owned(),
            ],
            &[4, 10, 1],
        );
        assert_eq!(line, "ab    a very lo…  x");
        assert_eq!(super::fit("short", 10), "short");
    }

    #[test]
    fn wide_characters_are_measured_by_the_columns_they_take() {
        // Each CJK character and the emoji take two columns.
        assert_eq!(super::width("東京"), 4);
        assert_eq!(super::pad("東京", 6), "東京  ");
        assert_eq!(super::pad("ab", 6), "ab    ");
        // Cut at the column, not the character count.
        assert_eq!(super::fit("東京大阪", 5), "東京…");
        let lines = [
            super::aligned(&["東京".to_owned(), "x".to_owned()], &[6, 1]),
            super::aligned(&["abc".to_owned(), "x".to_owned()], &[6, 1]),
            super::aligned(&["🐳🐳".to_owned(), "x".to_owned()], &[6, 1]),
        ];
        // The second column starts at the same terminal column on each line.
        for line in &lines {
            let before_x = &line[..line.rfind('x').unwrap()];
            assert_eq!(super::width(before_x), 8, "{line:?}");
        }
    }

    #[test]
    fn control_characters_are_escaped_and_other_text_kept() {
        assert_eq!(visible("plain é"), "plain é");
        assert_eq!(visible("a\u{1b}[31mred\tb\n"), "a\\u{1b}[31mred\\tb\\n");
    }
}
