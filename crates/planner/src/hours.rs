//! Opening hours: the subset of the OpenStreetMap `opening_hours` syntax the seed uses.
//!
//! ```text
//! hours    := "24/7" | rule ( ";" rule )*
//! rule     := [days " "] ( "off" | span ( "," span )* )
//! days     := dayspec ( "," dayspec )*          dayspec := day | day "-" day   (ranges may wrap: Sa-Mo)
//! day      := "Mo" | "Tu" | "We" | "Th" | "Fr" | "Sa" | "Su"
//! span     := HH:MM "-" HH:MM                    (closing 24:00 allowed; a closing time before the
//!                                                 opening time runs past midnight into the next day)
//! ```
//!
//! A rule without days applies to every day; a later rule replaces earlier ones for the days it
//! names. Times are local site time in minutes after midnight. A span running past midnight stays
//! attached to the day it opens on, even when a later rule changes the next day.

use std::fmt;

use chrono::Weekday;

/// Minutes in a day.
pub const MIN_PER_DAY: u32 = 1440;

const DAY_NAMES: [&str; 7] = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];

/// What a rule says about its days.
#[derive(Clone, Debug, PartialEq, Eq)]
enum RuleBody {
    Off,
    /// `(open_min, close_min)` with `open_min < close_min <= 2 * 1440`; a close above 1440 runs
    /// into the next day.
    Spans(Vec<(u32, u32)>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Rule {
    /// Bit `d` set for weekday `d` (Monday = 0); `None` when the rule names no days.
    days: Option<u8>,
    body: RuleBody,
}

/// Parsed opening hours. `Display` writes a canonical form that parses back to an equal value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpeningHours {
    rules: Vec<Rule>,
    /// Effective spans per weekday (Monday = 0), after later rules override earlier ones.
    week: [Vec<(u32, u32)>; 7],
}

fn weekday_index(w: Weekday) -> usize {
    w.num_days_from_monday() as usize
}

fn parse_day(s: &str) -> Result<usize, String> {
    DAY_NAMES
        .iter()
        .position(|d| *d == s)
        .ok_or_else(|| format!("unknown day '{s}' (expected one of Mo Tu We Th Fr Sa Su)"))
}

fn parse_days(s: &str) -> Result<u8, String> {
    let mut mask = 0u8;
    for part in s.split(',') {
        let part = part.trim();
        if part.is_empty() {
            return Err(format!("empty day in '{s}'"));
        }
        if let Some((a, b)) = part.split_once('-') {
            let (a, b) = (parse_day(a.trim())?, parse_day(b.trim())?);
            let mut d = a;
            loop {
                mask |= 1 << d;
                if d == b {
                    break;
                }
                d = (d + 1) % 7;
            }
        } else {
            mask |= 1 << parse_day(part)?;
        }
    }
    Ok(mask)
}

fn parse_time(s: &str) -> Result<u32, String> {
    let bad = || format!("bad time '{s}' (expected HH:MM)");
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return Err(format!("time '{s}' is out of range"));
    }
    Ok(h * 60 + m)
}

fn parse_span(s: &str) -> Result<(u32, u32), String> {
    let (a, b) = s
        .split_once('-')
        .ok_or_else(|| format!("bad time span '{s}' (expected HH:MM-HH:MM)"))?;
    let open = parse_time(a.trim())?;
    let close = parse_time(b.trim())?;
    if open >= MIN_PER_DAY {
        return Err(format!("opening time in '{s}' must be before 24:00"));
    }
    if close == open {
        return Err(format!("time span '{s}' is empty"));
    }
    let close = if close < open {
        close + MIN_PER_DAY
    } else {
        close
    };
    Ok((open, close))
}

fn looks_like_time(tok: &str) -> bool {
    tok.as_bytes().first().is_some_and(|c| c.is_ascii_digit())
}

fn merge(mut spans: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    spans.sort_unstable();
    let mut out: Vec<(u32, u32)> = Vec::with_capacity(spans.len());
    for (a, b) in spans {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

fn fmt_time(m: u32) -> String {
    let m = if m > MIN_PER_DAY { m - MIN_PER_DAY } else { m };
    format!("{:02}:{:02}", m / 60, m % 60)
}

fn fmt_days(mask: u8) -> String {
    let mut parts = Vec::new();
    let mut d = 0;
    while d < 7 {
        if mask & (1 << d) == 0 {
            d += 1;
            continue;
        }
        let start = d;
        while d + 1 < 7 && mask & (1 << (d + 1)) != 0 {
            d += 1;
        }
        if start == d {
            parts.push(DAY_NAMES[d].to_string());
        } else {
            parts.push(format!("{}-{}", DAY_NAMES[start], DAY_NAMES[d]));
        }
        d += 1;
    }
    parts.join(",")
}

impl OpeningHours {
    /// Parses the documented syntax; the error says what is wrong and where.
    pub fn parse(s: &str) -> Result<Self, String> {
        let text = s.trim();
        if text.is_empty() {
            return Err("opening hours are empty".into());
        }
        let mut rules = Vec::new();
        if text == "24/7" {
            rules.push(Rule {
                days: None,
                body: RuleBody::Spans(vec![(0, MIN_PER_DAY)]),
            });
        } else {
            for raw in text.split(';') {
                let rule = raw.trim();
                if rule.is_empty() {
                    return Err(format!("empty rule in '{text}'"));
                }
                let (days, rest) = match rule.split_once(char::is_whitespace) {
                    Some((head, tail)) if !looks_like_time(head) && head != "off" => {
                        (Some(parse_days(head)?), tail.trim())
                    }
                    None if !looks_like_time(rule) && rule != "off" => {
                        return Err(format!("rule '{rule}' names days but no times or 'off'"));
                    }
                    _ => (None, rule),
                };
                let body = if rest == "off" || rest == "closed" {
                    RuleBody::Off
                } else {
                    let spans = rest
                        .split(',')
                        .map(|p| parse_span(p.trim()))
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|e| format!("{e} in rule '{rule}'"))?;
                    RuleBody::Spans(merge(spans))
                };
                rules.push(Rule { days, body });
            }
        }
        let mut week: [Vec<(u32, u32)>; 7] = Default::default();
        for r in &rules {
            let mask = r.days.unwrap_or(0x7f);
            for (d, day) in week.iter_mut().enumerate() {
                if mask & (1 << d) != 0 {
                    *day = match &r.body {
                        RuleBody::Off => Vec::new(),
                        RuleBody::Spans(s) => s.clone(),
                    };
                }
            }
        }
        Ok(OpeningHours { rules, week })
    }

    /// Open every day around the clock.
    pub fn always() -> Self {
        OpeningHours::parse("24/7").expect("valid")
    }

    /// Whether the place is open on `weekday` at `minute_of_day` (0..1440, local time), counting
    /// spans that started the day before and run past midnight. A span includes its opening
    /// minute and excludes its closing minute.
    pub fn is_open_at(&self, weekday: Weekday, minute_of_day: u32) -> bool {
        let d = weekday_index(weekday);
        let prev = (d + 6) % 7;
        let m = minute_of_day;
        self.week[d].iter().any(|&(a, b)| a <= m && m < b)
            || self.week[prev]
                .iter()
                .any(|&(_, b)| b > MIN_PER_DAY && m + MIN_PER_DAY < b)
    }

    /// The spans that open on `weekday`, as `(open_min, close_min)` after that day's midnight;
    /// a close above 1440 runs into the next day.
    pub fn spans_opening_on(&self, weekday: Weekday) -> &[(u32, u32)] {
        &self.week[weekday_index(weekday)]
    }

    /// Open windows over `days` consecutive days starting at midnight of `first_day`, as merged
    /// `(open_min, close_min)` pairs in minutes after that midnight, clipped to
    /// `[0, days * 1440]`. Includes a span from the day before that runs past midnight.
    pub fn windows(&self, first_day: Weekday, days: u32) -> Vec<(u32, u32)> {
        let first = weekday_index(first_day) as i64;
        let horizon = i64::from(days) * i64::from(MIN_PER_DAY);
        let mut spans = Vec::new();
        for k in -1..i64::from(days) {
            let d = (first + k).rem_euclid(7) as usize;
            let base = k * i64::from(MIN_PER_DAY);
            for &(a, b) in &self.week[d] {
                let (a, b) = (
                    (base + i64::from(a)).max(0),
                    (base + i64::from(b)).min(horizon),
                );
                if a < b {
                    spans.push((a as u32, b as u32));
                }
            }
        }
        merge(spans)
    }

    /// Whether the place is open at some time on every day of the week.
    pub fn is_24_7(&self) -> bool {
        (0..7).all(|d| self.week[d] == [(0, MIN_PER_DAY)])
            || (0..7).all(|d| {
                self.week[d]
                    .iter()
                    .any(|&(a, b)| a == 0 && b >= MIN_PER_DAY)
            })
    }

    /// Whether the place never opens.
    pub fn is_never_open(&self) -> bool {
        self.week.iter().all(|d| d.is_empty())
    }
}

impl fmt::Display for OpeningHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.rules.len() == 1
            && self.rules[0].days.is_none()
            && self.rules[0].body == RuleBody::Spans(vec![(0, MIN_PER_DAY)])
        {
            return f.write_str("24/7");
        }
        for (i, r) in self.rules.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            if let Some(mask) = r.days {
                write!(f, "{} ", fmt_days(mask))?;
            }
            match &r.body {
                RuleBody::Off => f.write_str("off")?,
                RuleBody::Spans(spans) => {
                    for (j, &(a, b)) in spans.iter().enumerate() {
                        if j > 0 {
                            f.write_str(",")?;
                        }
                        write!(f, "{}-{}", fmt_time(a), fmt_time(b))?;
                    }
                }
            }
        }
        Ok(())
    }
}

impl std::str::FromStr for OpeningHours {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        OpeningHours::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Weekday::*;

    fn h(s: &str) -> OpeningHours {
        OpeningHours::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn twenty_four_seven() {
        let o = h("24/7");
        assert!(o.is_open_at(Mon, 0) && o.is_open_at(Sun, 1439));
        assert_eq!(o.to_string(), "24/7");
        assert!(o.is_24_7());
        assert_eq!(o.windows(Wed, 2), vec![(0, 2880)]);
    }

    #[test]
    fn simple_daily_span() {
        let o = h("09:00-22:00");
        assert!(!o.is_open_at(Tue, 539));
        assert!(o.is_open_at(Tue, 540));
        assert!(o.is_open_at(Tue, 1319));
        assert!(!o.is_open_at(Tue, 1320));
        assert_eq!(o.to_string(), "09:00-22:00");
    }

    #[test]
    fn day_ranges_and_off_override() {
        let o = h("Tu-Su 09:00-17:00; Mo off");
        assert!(!o.is_open_at(Mon, 600));
        assert!(o.is_open_at(Tue, 600) && o.is_open_at(Sun, 600));
        let o = h("09:00-17:00; Mo off");
        assert!(!o.is_open_at(Mon, 600));
        assert!(o.is_open_at(Fri, 600));
        let o = h("Mo,We,Fr 10:00-12:00,14:00-18:00");
        assert!(o.is_open_at(Wed, 11 * 60) && !o.is_open_at(Wed, 13 * 60));
        assert!(!o.is_open_at(Tue, 11 * 60));
        let o = h("Sa-Mo 10:00-16:00");
        assert!(o.is_open_at(Sat, 600) && o.is_open_at(Sun, 600) && o.is_open_at(Mon, 600));
        assert!(!o.is_open_at(Tue, 600));
    }

    #[test]
    fn past_midnight_spans_spill_into_the_next_day() {
        let o = h("Fr-Sa 18:00-02:00");
        assert!(o.is_open_at(Fri, 23 * 60));
        assert!(
            o.is_open_at(Sat, 60),
            "Friday's span runs to 02:00 Saturday"
        );
        assert!(
            o.is_open_at(Sun, 60),
            "Saturday's span runs to 02:00 Sunday"
        );
        assert!(!o.is_open_at(Sun, 3 * 60));
        assert!(!o.is_open_at(Fri, 60));
        // From Friday midnight over two days: Fri 18:00 → Sat 02:00, Sat 18:00 → Sun 02:00 (clipped).
        assert_eq!(o.windows(Fri, 2), vec![(1080, 1560), (2520, 2880)]);
        // Thursday has nothing, so Friday's first window starts at 18:00.
        assert_eq!(o.windows(Sat, 1), vec![(0, 120), (1080, 1440)]);
        assert_eq!(o.to_string(), "Fr-Sa 18:00-02:00");
    }

    #[test]
    fn closing_at_midnight() {
        let o = h("08:00-24:00");
        assert!(o.is_open_at(Mon, 1439));
        assert!(!o.is_open_at(Tue, 0));
        assert_eq!(o.windows(Mon, 2), vec![(480, 1440), (1920, 2880)]);
        assert_eq!(o.to_string(), "08:00-24:00");
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "24/7",
            "09:00-22:00",
            "Tu-Su 09:00-17:00; Mo off",
            "Mo,We,Fr 10:00-12:00,14:00-18:00",
            "Mo-Fr 08:00-20:00; Sa,Su 09:00-01:00",
            "off",
            "Sa-Mo 10:00-16:00",
            "Mo-Su 00:00-24:00",
        ] {
            let o = h(s);
            let again = h(&o.to_string());
            assert_eq!(o, again, "{s} → {o}");
        }
        assert_eq!(h("Mo,Tu,We 10:00-11:00").to_string(), "Mo-We 10:00-11:00");
    }

    #[test]
    fn errors_say_what_is_wrong() {
        for (s, needle) in [
            ("", "empty"),
            ("Xx 10:00-12:00", "unknown day 'Xx'"),
            ("10:00", "HH:MM-HH:MM"),
            ("10-12", "bad time"),
            ("25:00-26:00", "out of range"),
            ("10:60-11:00", "out of range"),
            ("10:00-10:00", "empty"),
            ("24:00-02:00", "before 24:00"),
            ("Mo-Fr", "no times"),
            ("09:00-17:00;", "empty rule"),
            ("Mo, 09:00-10:00", "empty day"),
            ("Mo-Fr 9:00-17:00", "bad time"),
        ] {
            let err = OpeningHours::parse(s).expect_err(s);
            assert!(err.contains(needle), "{s:?}: {err}");
        }
    }

    #[test]
    fn off_everywhere_is_never_open() {
        let o = h("off");
        assert!(o.is_never_open());
        assert!(!o.is_open_at(Mon, 600));
        assert!(o.windows(Mon, 3).is_empty());
    }
}
