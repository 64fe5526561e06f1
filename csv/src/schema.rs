//! The one column-type enum and the one mapping from the type names an API
//! schema uses: typed rows and the Arrow conversion read a column the same
//! way.

/// How a column is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ColumnType {
    /// Text (Arrow `Utf8`).
    String,
    /// 64-bit integer (`Int64`).
    Integer,
    /// 64-bit float (`Float64`).
    Float,
    /// `true`/`false` (also `1`/`0`, `yes`/`no`, `t`/`f`) (`Boolean`).
    Boolean,
    /// `YYYY-MM-DD` (`Date32`).
    Date,
    /// RFC 3339 or `YYYY-MM-DD HH:MM:SS`, as UTC (`Timestamp(µs, UTC)`).
    Timestamp,
}

impl ColumnType {
    /// The type a schema field's `type` names, whatever its case; an unknown
    /// name reads as text.
    ///
    /// ```
    /// use docker_data_csv::ColumnType;
    /// assert_eq!(ColumnType::from_schema("integer"), ColumnType::Integer);
    /// assert_eq!(ColumnType::from_schema("DateTime"), ColumnType::Timestamp);
    /// assert_eq!(ColumnType::from_schema("geo_point"), ColumnType::String);
    /// ```
    pub fn from_schema(name: &str) -> Self {
        match name.to_ascii_lowercase().as_str() {
            "integer" | "int" | "long" | "bigint" => ColumnType::Integer,
            "float" | "double" | "number" | "decimal" => ColumnType::Float,
            "boolean" | "bool" => ColumnType::Boolean,
            "date" => ColumnType::Date,
            "timestamp" | "datetime" => ColumnType::Timestamp,
            _ => ColumnType::String,
        }
    }
}
