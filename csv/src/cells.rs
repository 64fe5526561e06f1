//! Reading one cell: integers, floats, booleans, dates and timestamps,
//! each faster than the general parsers for the layouts Docker's reports
//! use, and exact (property-tested against std and chrono).

/// `YYYY-MM-DD`, checked to be a real date.
#[inline]
pub fn parse_date(value: &str) -> Option<chrono::NaiveDate> {
    let b = value.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        // The common case without chrono's format interpreter.
        let year = digits(&b[0..4])?;
        let month = digits(&b[5..7])?;
        let day = digits(&b[8..10])?;
        return chrono::NaiveDate::from_ymd_opt(year as i32, month, day);
    }
    None
}

#[inline]
fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

/// RFC 3339, or `YYYY-MM-DD HH:MM:SS[.fff]` (with `T` or a space, optionally
/// followed by ` UTC`) read as UTC.
pub fn parse_timestamp(value: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    DateCache::default().timestamp(value)
}

/// `true`/`false`, also `1`/`0`, `yes`/`no`, `t`/`f`, in any case.
#[inline]
pub fn parse_bool(value: &str) -> Option<bool> {
    match trim(value) {
        "true" => Some(true),
        "false" => Some(false),
        word => {
            let is = |words: &[&str]| words.iter().any(|w| word.eq_ignore_ascii_case(w));
            if is(&["true", "1", "yes", "t"]) {
                Some(true)
            } else if is(&["false", "0", "no", "f"]) {
                Some(false)
            } else {
                None
            }
        }
    }
}

/// An integer, read without the general parser when it is plain digits
/// (the common case), else as `str::parse` reads it (surrounding spaces
/// allowed).
#[inline]
pub fn parse_i64(value: &str) -> Option<i64> {
    let b = value.as_bytes();
    let (negative, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        _ => (false, b),
    };
    // 18 digits cannot overflow an i64.
    if !digits.is_empty() && digits.len() <= 18 {
        let mut n = 0u64;
        let mut rest = digits;
        // Eight digits at a time, then one at a time.
        while let Some((eight, after)) = rest.split_first_chunk::<8>() {
            let Some(value) = eight_digits(*eight) else {
                return value.trim().parse().ok();
            };
            n = n * 100_000_000 + value;
            rest = after;
        }
        for &d in rest {
            let digit = d.wrapping_sub(b'0');
            if digit > 9 {
                return value.trim().parse().ok();
            }
            n = n * 10 + u64::from(digit);
        }
        let n = n as i64;
        return Some(if negative { -n } else { n });
    }
    value.trim().parse().ok()
}

/// Eight ASCII digits as their number, all at once (`None` unless every
/// byte is a digit): the bytes are read as one little-endian word and
/// combined pairwise in three multiplications.
#[inline]
fn eight_digits(bytes: [u8; 8]) -> Option<u64> {
    let word = u64::from_le_bytes(bytes);
    // A byte is a digit when it is at least `0` and at most `9`: the first
    // subtraction borrows below `0`, the addition carries above `9`.
    let below = word.wrapping_sub(0x3030_3030_3030_3030);
    let above = word.wrapping_add(0x4646_4646_4646_4646);
    if (below | above) & 0x8080_8080_8080_8080 != 0 {
        return None;
    }
    // The first digit is the lowest byte: each step joins neighbours into
    // lanes twice as wide (2, 4, then 8 digits).
    let pairs = (below.wrapping_mul(10) + (below >> 8)) & 0x00FF_00FF_00FF_00FF;
    let quads = (pairs.wrapping_mul(100) + (pairs >> 16)) & 0x0000_FFFF_0000_FFFF;
    Some((quads.wrapping_mul(10_000) + (quads >> 32)) & 0xFFFF_FFFF)
}

/// A number as `str::parse::<f64>` reads it after [`trim`]; plain decimals
/// (`-12.345`, at most 15 digits) without the general parser.
///
/// Such a decimal is `m / 10^k` with `m < 2^53` and `k <= 22`: both are
/// exact doubles, so one IEEE division rounds correctly, which is the
/// general parser's own fast path (Clinger's), minus its parsing.
#[inline]
pub fn parse_f64(value: &str) -> Option<f64> {
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let b = value.as_bytes();
    let (negative, rest) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        _ => (false, b),
    };
    let mut mantissa = 0u64;
    let mut digits = 0usize;
    let mut fraction = None;
    for (i, &byte) in rest.iter().enumerate() {
        match byte {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(byte - b'0');
                digits += 1;
            }
            b'.' if fraction.is_none() => fraction = Some(rest.len() - i - 1),
            _ => return trim(value).parse().ok(),
        }
        if digits > 15 {
            return trim(value).parse().ok();
        }
    }
    // "", "-", "." and "-." are not numbers; "1." and ".5" are.
    if digits == 0 {
        return trim(value).parse().ok();
    }
    let magnitude = mantissa as f64 / POW10[fraction.unwrap_or(0)];
    Some(if negative { -magnitude } else { magnitude })
}

/// `value` without surrounding whitespace; free when there is none.
#[inline]
pub fn trim(value: &str) -> &str {
    match value.as_bytes() {
        // Both ends ASCII and not whitespace: nothing to trim (a non-ASCII
        // end may be Unicode whitespace, which `str::trim` removes).
        [first, .., last]
            if first.is_ascii()
                && last.is_ascii()
                && !first.is_ascii_whitespace()
                && !last.is_ascii_whitespace() =>
        {
            value
        }
        _ => value.trim(),
    }
}

/// Reads dates and timestamps, remembering the last day seen: report files
/// repeat one day on every row, so its calendar check runs once.
#[derive(Debug, Clone, Default)]
pub struct DateCache {
    last: Option<([u8; 10], chrono::NaiveDate)>,
}

impl DateCache {
    /// Like [`parse_date`].
    #[inline]
    pub fn date(&mut self, value: &str) -> Option<chrono::NaiveDate> {
        let b = value.as_bytes();
        if let Some((seen, date)) = &self.last
            && seen.as_slice() == b
        {
            return Some(*date);
        }
        let date = parse_date(value)?;
        let mut key = [0u8; 10];
        key.copy_from_slice(b);
        self.last = Some((key, date));
        Some(date)
    }

    /// Like [`parse_timestamp`].
    pub fn timestamp(&mut self, value: &str) -> Option<chrono::DateTime<chrono::Utc>> {
        if let Some(fixed) = FixedTimestamp::of(value) {
            let date = self.date(fixed.date)?;
            let (hour, minute, second) = fixed.time?;
            let time = chrono::NaiveTime::from_hms_opt(hour, minute, second)?;
            return Some(date.and_time(time).and_utc());
        }
        if let Ok(t) = chrono::DateTime::parse_from_rfc3339(value) {
            return Some(t.with_timezone(&chrono::Utc));
        }
        [
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M:%S%.f UTC",
        ]
        .iter()
        .find_map(|format| chrono::NaiveDateTime::parse_from_str(value, format).ok())
        .map(|t| t.and_utc())
    }

    /// Like [`date`](Self::date), as days since 1970-01-01 (what Arrow's
    /// `Date32` holds).
    #[inline]
    pub fn days_since_epoch(&mut self, value: &str) -> Option<i32> {
        self.date(value).map(days_since_epoch)
    }

    /// Like [`timestamp`](Self::timestamp), as microseconds since the
    /// epoch (what Arrow's `Timestamp(Microsecond)` holds). The common
    /// `YYYY-MM-DDTHH:MM:SSZ` is counted without building a chrono value.
    #[inline]
    pub fn timestamp_micros(&mut self, value: &str) -> Option<i64> {
        let Some(fixed) = FixedTimestamp::of(value) else {
            return self.timestamp(value).map(|t| t.timestamp_micros());
        };
        let days = self.days_since_epoch(fixed.date)?;
        let (hour, minute, second) = fixed.time?;
        // chrono's `from_hms_opt` bounds, so both paths agree.
        if hour >= 24 || minute >= 60 || second >= 60 {
            return None;
        }
        let seconds = i64::from(days) * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
        Some(seconds * 1_000_000)
    }
}

/// A timestamp in the fixed layout both fast paths read:
/// `YYYY-MM-DDTHH:MM:SSZ` (or a space for `T`, `Z` optional).
struct FixedTimestamp<'a> {
    date: &'a str,
    /// Hours, minutes, seconds; `None` if one is not two digits.
    time: Option<(u32, u32, u32)>,
}

/// `HH:MM:SS` as its three numbers, if each is two digits.
#[inline]
fn clock(b: &[u8]) -> Option<(u32, u32, u32)> {
    Some((digits(&b[0..2])?, digits(&b[3..5])?, digits(&b[6..8])?))
}

impl<'a> FixedTimestamp<'a> {
    /// `None` for any other layout (read by the general parsers).
    #[inline]
    fn of(value: &'a str) -> Option<Self> {
        let b = value.as_bytes();
        let fixed = (b.len() == 20 && b[19] == b'Z' || b.len() == 19)
            && (b[10] == b'T' || b[10] == b' ')
            && b[13] == b':'
            && b[16] == b':';
        fixed.then(|| Self {
            // `b[10]` is ASCII, so 10 is a character boundary.
            date: &value[..10],
            time: clock(&b[11..19]),
        })
    }
}

/// Days from 1970-01-01 to `date`.
#[inline]
pub fn days_since_epoch(date: chrono::NaiveDate) -> i32 {
    use chrono::Datelike;
    // 1970-01-01 is day 719,163 counting 0001-01-01 as day 1.
    date.num_days_from_ce() - 719_163
}
