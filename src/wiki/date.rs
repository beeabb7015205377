//! Calendar dates for page names, from the store's unix milliseconds, without a date crate:
//! the machine's local time (a loop that ends late in the evening is filed under that day),
//! or UTC by the civil-from-days algorithm (Howard Hinnant) when the local time is unknown.

/// `YYYY-MM-DD` of a unix-millisecond timestamp, in UTC.
pub fn ymd(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// `YYYY-MM-DD` of a unix-millisecond timestamp in the machine's local time zone.
pub fn local_ymd(ms: i64) -> String {
    match local(ms) {
        Some(tm) => format!(
            "{:04}-{:02}-{:02}",
            tm.tm_year + 1900,
            tm.tm_mon + 1,
            tm.tm_mday
        ),
        None => ymd(ms),
    }
}

/// `HH:MM` of a unix-millisecond timestamp in the machine's local time zone.
pub fn local_hm(ms: i64) -> String {
    match local(ms) {
        Some(tm) => format!("{:02}:{:02}", tm.tm_hour, tm.tm_min),
        None => hm(ms),
    }
}

fn local(ms: i64) -> Option<libc::tm> {
    let secs = libc::time_t::try_from(ms.div_euclid(1000)).ok()?;
    // SAFETY: `tm` is plain old data that localtime_r fills in; a null return means it did not.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let filled = unsafe { libc::localtime_r(&secs, &mut tm) };
    (!filled.is_null()).then_some(tm)
}

/// `HH:MM` of a unix-millisecond timestamp, in UTC.
pub fn hm(ms: i64) -> String {
    let secs = ms.div_euclid(1000).rem_euclid(86_400);
    format!("{:02}:{:02}", secs / 3600, secs / 60 % 60)
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
            assert_eq!(ymd(ms), want, "{ms}");
        }
        assert_eq!(hm(1_795_305_600_000 + 3_723_000), "01:02");
    }
}
