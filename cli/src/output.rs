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
                let mut widths: Vec<usize> = self.columns.iter().map(|c| c.len()).collect();
                for row in &rows {
                    for (width, cell) in widths.iter_mut().zip(row) {
                        *width = (*width).max(cell.chars().count());
                    }
                }
                let line = |cells: &mut dyn Iterator<Item = &str>| {
                    let text: Vec<String> = cells
                        .zip(&widths)
                        .map(|(c, w)| format!("{c:<w$}"))
                        .collect();
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
/// or tab-separated columns for `table`.
pub struct RowWriter {
    format: Output,
    csv: Option<csv::Writer<std::io::Stdout>>,
    columns: Vec<String>,
    header_done: bool,
}

impl RowWriter {
    pub fn new(format: Output, columns: Vec<String>) -> Self {
        let csv = (format == Output::Csv).then(|| csv::Writer::from_writer(std::io::stdout()));
        Self {
            format,
            csv,
            columns,
            header_done: false,
        }
    }

    pub fn write(&mut self, cells: &[String], json: &serde_json::Value) -> Result<(), CliError> {
        match (self.format, &mut self.csv) {
            (Output::Csv, Some(writer)) => {
                if !self.header_done {
                    writer.write_record(&self.columns)?;
                    self.header_done = true;
                }
                writer.write_record(cells)?;
            }
            (Output::Json, _) => line(json)?,
            _ => {
                if !self.header_done {
                    line(self.columns.join("\t"))?;
                    self.header_done = true;
                }
                let shown: Vec<Cow<'_, str>> = cells.iter().map(|c| visible(c)).collect();
                line(shown.join("\t"))?;
            }
        }
        Ok(())
    }

    pub fn finish(mut self) -> Result<(), CliError> {
        if let Some(writer) = &mut self.csv {
            writer.flush()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::visible;

    #[test]
    fn control_characters_are_escaped_and_other_text_kept() {
        assert_eq!(visible("plain é"), "plain é");
        assert_eq!(visible("a\u{1b}[31mred\tb\n"), "a\\u{1b}[31mred\\tb\\n");
    }
}
