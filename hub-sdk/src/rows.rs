//! Rows of a member export (`export_members`), read in constant memory.

pub use docker_data_csv::Source;

use docker_data_csv::{CsvError, Fields, FromHeaders, HeaderIndex, RowDecoder};

use crate::error::Result;

/// One member (or invitee) of an export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MemberRow {
    /// First and last name.
    pub name: Option<String>,
    /// User name.
    pub username: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// `User` or `Invitee`.
    pub member_type: Option<String>,
    /// `Owner` or `Member`.
    pub permission: Option<String>,
    /// Team names.
    pub teams: Vec<String>,
    /// When the member joined, as Hub writes it.
    pub date_joined: Option<String>,
}

const COLUMNS: [&[&str]; 7] = [
    &["name"],
    &["username"],
    &["email"],
    &["type"],
    &["permission", "role"],
    &["teams"],
    &["date_joined", "date joined"],
];

/// Decodes [`MemberRow`]s.
#[derive(Debug)]
pub struct MemberDecoder {
    columns: [Option<usize>; 7],
}

impl FromHeaders for MemberDecoder {
    fn from_headers(headers: &csv::StringRecord) -> Result<Self, CsvError> {
        let index = HeaderIndex::new(headers);
        Ok(Self {
            columns: COLUMNS.map(|aliases| index.find(aliases)),
        })
    }
}

impl RowDecoder for MemberDecoder {
    type Row = MemberRow;

    fn decode(&mut self, record: Fields<'_>) -> Result<MemberRow, CsvError> {
        let cell = |i: usize| {
            self.columns[i]
                .and_then(|p| record.get(p))
                .map(docker_data_csv::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Ok(MemberRow {
            name: cell(0),
            username: cell(1),
            email: cell(2),
            member_type: cell(3),
            permission: cell(4),
            teams: cell(5)
                .map(|teams| {
                    teams
                        .split(',')
                        .map(|t| t.trim().to_owned())
                        .filter(|t| !t.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            date_joined: cell(6),
        })
    }
}

/// Rows of a member export (a path, a reader or a response body). A file
/// that cannot be opened is the first item's error.
pub fn member_rows(source: impl Into<Source>) -> impl Iterator<Item = Result<MemberRow>> {
    let source = source.into();
    let name = source.name_or("member export");
    docker_data_csv::rows(source, MemberDecoder::from_headers)
        .map(move |row| row.map_err(|error| error.reading(&name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_columns_are_read_by_name_and_teams_split() {
        let data = "Name,Username,Email,Type,Permission,Teams,Date Joined\n\
                    Jane Doe,jdoe,j@example.com,User,Owner,\"owners, devs\",2020-01-01 15:00:51.193355 +0000 UTC\n\
                    ,,new@example.com,Invitee,,,\n";
        let rows: Vec<MemberRow> = docker_data_csv::rows(
            Source::reader(std::io::Cursor::new(data)),
            MemberDecoder::from_headers,
        )
        .collect::<Result<_, _>>()
        .unwrap();
        assert_eq!(rows[0].username.as_deref(), Some("jdoe"));
        assert_eq!(rows[0].teams, ["owners", "devs"]);
        assert_eq!(rows[1].member_type.as_deref(), Some("Invitee"));
        assert_eq!(rows[1].username, None);
    }
}
