//! Calendar dates and clock times for pages and notices, from the store's unix milliseconds,
//! in the machine's time zone (a loop that ends late in the evening is filed under that day)
//! or in UTC. The calendar and the zone database are jiff's.

use jiff::tz::TimeZone;
use jiff::Timestamp;

/// `YYYY-MM-DD` of a unix-millisecond timestamp in the machine's local time zone.
pub fn local_ymd(ms: i64) -> String {
    format_in(ms, &TimeZone::system(), "%Y-%m-%d")
}

/// `HH:MM` of a unix-millisecond timestamp in the machine's local time zone.
pub fn local_hm(ms: i64) -> String {
    format_in(ms, &TimeZone::system(), "%H:%M")
}

/// `MM-DD` of a unix-millisecond timestamp in UTC (the Kaizen board's weeks start on a
/// Monday in UTC).
pub fn utc_md(ms: i64) -> String {
    format_in(ms, &TimeZone::UTC, "%m-%d")
}

/// `YYYY-MM-DD` of a unix-millisecond timestamp in UTC.
pub fn utc_ymd(ms: i64) -> String {
    format_in(ms, &TimeZone::UTC, "%Y-%m-%d")
}

/// `ms` in `zone`, formatted; a timestamp outside jiff's range (years beyond ±9999) is
/// clamped to it, as no store holds one.
fn format_in(ms: i64, zone: &TimeZone, format: &str) -> String {
    let at = Timestamp::from_millisecond(ms).unwrap_or(if ms < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    });
    at.to_zoned(zone.clone()).strftime(format).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        let table = [
            (0, "1970-01-01"),
            (951_782_400_000, "2000-02-29"),
            (1_795_305_600_000, "2026-11-22"),
            (-86_400_000, "1969-12-31"),
        ];
        for (ms, want) in table {
            assert_eq!(format_in(ms, &TimeZone::UTC, "%Y-%m-%d"), want, "{ms}");
        }
        let at = 1_795_305_600_000 + 3_723_000;
        assert_eq!(format_in(at, &TimeZone::UTC, "%H:%M"), "01:02");
    }

    #[test]
    fn local_time_follows_the_zone() {
        let ms = 1_795_305_600_000 + 3_723_000;
        let tokyo = TimeZone::get("Asia/Tokyo").unwrap_or(TimeZone::fixed(jiff::tz::offset(9)));
        assert_eq!(format_in(ms, &tokyo, "%Y-%m-%d %H:%M"), "2026-11-22 10:02");
    }
}
