//! Durations (`"30s"`, `"1h30m"`) and sizes (`"10MiB"`) as written in the config file.
//!
//! Pure text → value parsing; it knows nothing of keys, files or lines (the caller adds those).

use std::fmt::Write as _;
use std::time::Duration;

/// Why a duration or size was refused; its `Display` is the message shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    #[error("invalid duration `{0}`: expected e.g. 30s, 5m, 1h")]
    Duration(String),
    #[error("duration `{0}` is too large")]
    DurationOverflow(String),
    #[error("invalid size `{0}`: expected e.g. 512KiB, 10MiB, 1GB or a number of bytes")]
    Size(String),
    #[error("size `{0}` is too large")]
    SizeOverflow(String),
}

/// Parses `500ms`, `30s`, `5m`, `1h`, `1d`, `2w` and sums of them without spaces (`1h30m`).
pub fn parse_duration(text: &str) -> Result<Duration, UnitError> {
    let bad = || UnitError::Duration(text.to_owned());
    let overflow = || UnitError::DurationOverflow(text.to_owned());
    let mut rest = text;
    let mut total = Duration::ZERO;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (number, after) = rest.split_at(digits);
        let unit_len = after.bytes().take_while(u8::is_ascii_alphabetic).count();
        let (unit, after) = after.split_at(unit_len);
        let value: u64 = number.parse().map_err(|_| bad())?;
        let part = match unit {
            "ms" => Duration::from_millis(value),
            "s" => Duration::from_secs(value),
            "m" => minutes(value, 1).ok_or_else(overflow)?,
            "h" => minutes(value, 60).ok_or_else(overflow)?,
            "d" => minutes(value, 60 * 24).ok_or_else(overflow)?,
            "w" => minutes(value, 60 * 24 * 7).ok_or_else(overflow)?,
            _ => return Err(bad()),
        };
        total = total.checked_add(part).ok_or_else(overflow)?;
        rest = after;
    }
    Ok(total)
}

fn minutes(value: u64, per_unit: u64) -> Option<Duration> {
    value.checked_mul(per_unit)?.checked_mul(60).map(Duration::from_secs)
}

/// Parses `10MiB`, `512 KiB`, `1GB`, `2048B` or a bare number of bytes (`"2048"`).
/// Binary units (KiB, MiB, GiB) are powers of 1024, decimal ones (KB, MB, GB) of 1000.
pub fn parse_size(text: &str) -> Result<u64, UnitError> {
    let bad = || UnitError::Size(text.to_owned());
    let trimmed = text.trim();
    let digits = trimmed.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = trimmed.split_at(digits);
    let value: u64 = number.parse().map_err(|_| bad())?;
    let factor: u64 = match unit.trim_start().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        _ => return Err(bad()),
    };
    value.checked_mul(factor).ok_or_else(|| UnitError::SizeOverflow(text.to_owned()))
}

/// Writes a duration back in the config's own notation, for messages (`90s` → `1m30s`).
pub fn format_duration(duration: Duration) -> String {
    let millis = duration.subsec_millis();
    let mut secs = duration.as_secs();
    let mut out = String::new();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if secs >= size {
            let _ = write!(out, "{}{unit}", secs / size);
            secs %= size;
        }
    }
    if millis > 0 || out.is_empty() {
        let _ = write!(out, "{millis}ms");
    }
    out
}

/// Bytes in the config's own notation where it is exact (`512 MiB`).
#[must_use]
pub fn format_size(bytes: u64) -> String {
    for (unit, factor) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if bytes >= factor && bytes.is_multiple_of(factor) {
            return format!("{} {unit}", bytes / factor);
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(512 * 1024 * 1024, "512 MiB")]
    #[case(1 << 30, "1 GiB")]
    #[case(1536 * 1024, "1536 KiB")]
    #[case(1000, "1000 bytes")]
    fn sizes_read_as_configured(#[case] bytes: u64, #[case] expected: &str) {
        assert_eq!(format_size(bytes), expected);
    }

    #[rstest]
    #[case("500ms", Duration::from_millis(500))]
    #[case("30s", Duration::from_secs(30))]
    #[case("5m", Duration::from_secs(300))]
    #[case("1h", Duration::from_secs(3_600))]
    #[case("1d", Duration::from_secs(86_400))]
    #[case("2w", Duration::from_secs(14 * 86_400))]
    #[case("1h30m", Duration::from_secs(5_400))]
    #[case("1m500ms", Duration::from_millis(60_500))]
    #[case("0s", Duration::ZERO)]
    fn durations_parse(#[case] text: &str, #[case] expected: Duration) {
        assert_eq!(parse_duration(text), Ok(expected));
    }

    #[rstest]
    #[case("5 minutes")]
    #[case("")]
    #[case("30")]
    #[case("s")]
    #[case("1.5h")]
    #[case("-5s")]
    #[case("1h 30m")]
    #[case("10y")]
    #[case("5M")]
    fn bad_durations_are_refused(#[case] text: &str) {
        assert_eq!(parse_duration(text), Err(UnitError::Duration(text.to_owned())));
    }

    #[test]
    fn duration_message_names_the_text_and_the_forms() {
        let err = parse_duration("5 minutes").unwrap_err();
        assert_eq!(err.to_string(), "invalid duration `5 minutes`: expected e.g. 30s, 5m, 1h");
    }

    #[test]
    fn huge_durations_overflow_instead_of_panicking() {
        let text = "99999999999999999999w";
        assert!(parse_duration(text).is_err());
        let text = "999999999999999999w";
        assert_eq!(parse_duration(text), Err(UnitError::DurationOverflow(text.to_owned())));
    }

    #[rstest]
    #[case("10MiB", 10 * 1024 * 1024)]
    #[case("512KiB", 512 * 1024)]
    #[case("512 KiB", 512 * 1024)]
    #[case("1GB", 1_000_000_000)]
    #[case("1gib", 1 << 30)]
    #[case("2KB", 2_000)]
    #[case("2048", 2_048)]
    #[case("2048B", 2_048)]
    fn sizes_parse(#[case] text: &str, #[case] expected: u64) {
        assert_eq!(parse_size(text), Ok(expected));
    }

    #[rstest]
    #[case("10 megs")]
    #[case("MiB")]
    #[case("")]
    #[case("1.5MiB")]
    #[case("-1")]
    fn bad_sizes_are_refused(#[case] text: &str) {
        assert_eq!(parse_size(text), Err(UnitError::Size(text.to_owned())));
    }

    #[test]
    fn huge_sizes_overflow() {
        let text = "99999999999999GiB";
        assert_eq!(parse_size(text), Err(UnitError::SizeOverflow(text.to_owned())));
    }

    #[rstest]
    #[case(Duration::from_secs(90), "1m30s")]
    #[case(Duration::from_secs(86_400 + 3_600), "1d1h")]
    #[case(Duration::from_millis(500), "500ms")]
    #[case(Duration::ZERO, "0ms")]
    fn durations_format_back(#[case] duration: Duration, #[case] expected: &str) {
        assert_eq!(format_duration(duration), expected);
        assert_eq!(parse_duration(expected), Ok(duration));
    }
}
