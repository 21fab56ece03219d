//! Opening hours: the subset of the OpenStreetMap `opening_hours` syntax the seed uses.
//!
//! ```text
//! hours    := "24/7" | rule ( ";" rule )*
//! rule     := [dates " "] [days " "] ( "off" | span ( "," span )* )
//! dates    := datepart ( "," datepart )*
//! datepart := month                              one month:              Jan
//!           | month "-" month                     months (may wrap):      Nov-Mar
//!           | month " " dd                        one date:               Dec 25
//!           | month " " dd "-" dd                 dates in one month:     Dec 24-26
//!           | month " " dd "-" month " " dd       dates (may wrap):       Dec 24-Jan 02
//! days     := dayspec ( "," dayspec )*            dayspec := day | day "-" day | "PH"
//!                                                 (weekday ranges may wrap: Sa-Mo)
//! month    := "Jan" | "Feb" | … | "Dec"
//! day      := "Mo" | "Tu" | "We" | "Th" | "Fr" | "Sa" | "Su"
//! span     := HH:MM "-" HH:MM                     (closing 24:00 allowed; a closing time before
//!                                                  the opening time runs past midnight into the
//!                                                  next day)
//! ```
//!
//! `PH` stands for the site's public holidays (a [`Holidays`] list of dates). A rule applies to a
//! date when the date lies in one of its date parts (or it has none) and, when it names days, the
//! date falls on one of its weekdays or is a public holiday and the rule names `PH`. As in OSM,
//! the last rule that applies to a date decides that date's hours: `Mar-Dec 09:00-17:00; Mo off`
//! is closed on Mondays and all of January and February; `Mo-Fr 09:00-17:00; PH off` is closed
//! on public holidays; `PH off; Mo-Fr 09:00-17:00` is open on a weekday holiday. Day numbers are
//! 1..=31 and must exist in their month (`Feb 29` is accepted). Times are local site time in
//! minutes after midnight. A span running past midnight stays attached to the date it opens on,
//! even when a later rule changes the next date.
//!
//! The date-aware methods ([`OpeningHours::is_open_on`], [`OpeningHours::spans_on`],
//! [`OpeningHours::windows_on`], [`OpeningHours::describe_day`]) honour every rule. The older
//! weekday-only methods ([`OpeningHours::is_open_at`], [`OpeningHours::spans_opening_on`],
//! [`OpeningHours::windows`]) describe an ordinary week: they skip rules restricted to months or
//! dates and treat no day as a public holiday.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{Datelike, Days, NaiveDate, Weekday};

use crate::types::Lang;

/// Minutes in a day.
pub const MIN_PER_DAY: u32 = 1440;

const DAY_NAMES: [&str; 7] = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];
const MONTH_NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MONTH_NAMES_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAY_NAMES_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const DAY_NAMES_ZH: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
/// Longest day number per month (February counts 29 so that `Feb 29` parses).
const MONTH_DAYS: [u8; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// A site's public holidays: the dates `PH` rules apply to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Holidays {
    dates: BTreeSet<NaiveDate>,
}

impl Holidays {
    /// No public holidays.
    pub fn none() -> Self {
        Holidays::default()
    }

    /// The given dates.
    pub fn new(dates: impl IntoIterator<Item = NaiveDate>) -> Self {
        Holidays {
            dates: dates.into_iter().collect(),
        }
    }

    /// Parses ISO dates (`YYYY-MM-DD`); the error names the index and the value at fault.
    pub fn parse_iso<S: AsRef<str>>(dates: &[S]) -> Result<Self, String> {
        let mut set = BTreeSet::new();
        for (i, s) in dates.iter().enumerate() {
            let s = s.as_ref();
            let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map_err(|_| format!("[{i}]: '{s}' is not a date of the form YYYY-MM-DD"))?;
            set.insert(d);
        }
        Ok(Holidays { dates: set })
    }

    /// Whether `date` is a public holiday.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.dates.contains(&date)
    }

    /// The dates in order.
    pub fn iter(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.dates.iter().copied()
    }

    /// Number of dates.
    pub fn len(&self) -> usize {
        self.dates.len()
    }

    /// Whether there are no dates.
    pub fn is_empty(&self) -> bool {
        self.dates.is_empty()
    }
}

impl FromIterator<NaiveDate> for Holidays {
    fn from_iter<I: IntoIterator<Item = NaiveDate>>(iter: I) -> Self {
        Holidays::new(iter)
    }
}

/// A month (1..=12) and day of month (1..=31).
type MonthDay = (u8, u8);

/// One item of a rule's date selector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DatePart {
    /// Months `from..=to` (1..=12), wrapping over the new year when `from > to`.
    Months(u8, u8),
    /// Dates `from..=to`, wrapping over the new year when `from > to`.
    Dates(MonthDay, MonthDay),
}

fn in_cyclic_range<T: PartialOrd>(x: T, from: T, to: T) -> bool {
    if from <= to {
        from <= x && x <= to
    } else {
        x >= from || x <= to
    }
}

impl DatePart {
    fn contains(self, month: u8, day: u8) -> bool {
        match self {
            DatePart::Months(a, b) => in_cyclic_range(month, a, b),
            DatePart::Dates(a, b) => in_cyclic_range((month, day), a, b),
        }
    }
}

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
    /// Date selector; empty when the rule names no months or dates.
    dates: Vec<DatePart>,
    /// Bit `d` set for weekday `d` (Monday = 0); `None` when the rule names no weekdays.
    days: Option<u8>,
    /// Whether the rule names `PH` among its days.
    ph: bool,
    body: RuleBody,
}

impl Rule {
    /// Whether the rule applies to a date given as month, day, weekday (Monday = 0) and whether
    /// it is a public holiday.
    fn applies(&self, month: u8, day: u8, weekday: usize, holiday: bool) -> bool {
        if !self.dates.is_empty() && !self.dates.iter().any(|p| p.contains(month, day)) {
            return false;
        }
        if self.days.is_none() && !self.ph {
            return true;
        }
        self.days.is_some_and(|m| m & (1 << weekday) != 0) || (self.ph && holiday)
    }

    fn spans(&self) -> &[(u32, u32)] {
        match &self.body {
            RuleBody::Off => &[],
            RuleBody::Spans(s) => s,
        }
    }
}

/// Parsed opening hours. `Display` writes a canonical form that parses back to an equal value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpeningHours {
    rules: Vec<Rule>,
    /// Effective spans per weekday (Monday = 0) of an ordinary week: rules restricted to months
    /// or dates are skipped and no day is a public holiday.
    week: [Vec<(u32, u32)>; 7],
}

fn weekday_index(w: Weekday) -> usize {
    w.num_days_from_monday() as usize
}

fn parse_day(s: &str) -> Result<usize, String> {
    DAY_NAMES.iter().position(|d| *d == s).ok_or_else(|| {
        if MONTH_NAMES.contains(&s) {
            format!("month '{s}' must come before the days")
        } else {
            format!("unknown day '{s}' (expected one of Mo Tu We Th Fr Sa Su PH, or months Jan…Dec first)")
        }
    })
}

/// Parses a weekday selector: the day mask (`None` when only `PH` is named) and whether `PH` is.
fn parse_days(s: &str) -> Result<(Option<u8>, bool), String> {
    let mut mask = 0u8;
    let mut ph = false;
    for part in s.split(',') {
        let part = part.trim();
        if part.is_empty() {
            return Err(format!("empty day in '{s}'"));
        }
        if part == "PH" {
            ph = true;
        } else if let Some((a, b)) = part.split_once('-') {
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
    Ok(((mask != 0).then_some(mask), ph))
}

fn month_at(s: &str) -> Option<u8> {
    let head = s.get(..3)?;
    let m = MONTH_NAMES.iter().position(|n| *n == head)?;
    // A month name is a whole word: "Jan", "Jan-…", "Jan,…", "Jan 05".
    match s.as_bytes().get(3) {
        None | Some(b' ' | b'-' | b',') => Some(m as u8 + 1),
        _ => None,
    }
}

/// A day of month after optional spaces: `(day, rest)`; `None` when what follows is not a day
/// number (for instance a time, `09:00`).
fn day_number_at(s: &str) -> Option<(u32, &str)> {
    let t = s.trim_start_matches(' ');
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || t.as_bytes().get(digits) == Some(&b':') {
        return None;
    }
    Some((t[..digits].parse().ok()?, &t[digits..]))
}

fn check_day(month: u8, day: u32, item: &str) -> Result<u8, String> {
    let max = MONTH_DAYS[usize::from(month - 1)];
    if day == 0 || day > u32::from(max) {
        return Err(format!(
            "day {day} does not exist in {} (in '{item}')",
            MONTH_NAMES[usize::from(month - 1)]
        ));
    }
    Ok(day as u8)
}

/// Parses a date selector at the start of `s`; returns it and the rest of the rule.
fn parse_dates(s: &str) -> Result<(Vec<DatePart>, &str), String> {
    let mut parts = Vec::new();
    let mut rest = s;
    loop {
        let item_start = rest;
        let m1 = month_at(rest).ok_or_else(|| format!("expected a month (Jan…Dec) at '{rest}'"))?;
        rest = &rest[3..];
        let mut d1 = None;
        if rest.starts_with(' ') {
            if let Some((d, r)) = day_number_at(rest) {
                d1 = Some(check_day(m1, d, item_start)?);
                rest = r;
            }
        }
        let part = if let Some(after) = rest.strip_prefix('-') {
            if let Some(m2) = month_at(after) {
                rest = &after[3..];
                match d1 {
                    None => {
                        if rest.starts_with(' ') && day_number_at(rest).is_some() {
                            return Err(format!(
                                "a range from a whole month cannot end on a day in '{item_start}' \
                                 (write both days, e.g. 'Jan 01-Feb 15')"
                            ));
                        }
                        DatePart::Months(m1, m2)
                    }
                    Some(d1) => {
                        let (d2, r) = day_number_at(rest).ok_or_else(|| {
                            format!(
                                "date range in '{item_start}' needs a day after the second month"
                            )
                        })?;
                        rest = r;
                        DatePart::Dates((m1, d1), (m2, check_day(m2, d2, item_start)?))
                    }
                }
            } else if let (Some(d1), Some((d2, r))) = (d1, day_number_at(after)) {
                rest = r;
                let d2 = check_day(m1, d2, item_start)?;
                if d2 < d1 {
                    return Err(format!(
                        "date range in '{item_start}' runs backwards (name the month of its end)"
                    ));
                }
                DatePart::Dates((m1, d1), (m1, d2))
            } else {
                return Err(format!("bad month or date range at '{item_start}'"));
            }
        } else {
            match d1 {
                None => DatePart::Months(m1, m1),
                Some(d) => DatePart::Dates((m1, d), (m1, d)),
            }
        };
        parts.push(part);
        match rest.strip_prefix(',') {
            Some(after) => {
                if month_at(after).is_none() {
                    return Err(format!("expected a month after ',' at '{after}'"));
                }
                rest = after;
            }
            None => break,
        }
    }
    if !(rest.is_empty() || rest.starts_with(' ')) {
        return Err(format!("unexpected '{rest}' after the dates"));
    }
    Ok((parts, rest.trim_start()))
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

fn is_off(tok: &str) -> bool {
    tok == "off" || tok == "closed"
}

fn parse_rule(rule: &str) -> Result<Rule, String> {
    let mut rest = rule;
    let mut dates = Vec::new();
    if month_at(rest).is_some() {
        let (d, r) = parse_dates(rest).map_err(|e| format!("{e} in rule '{rule}'"))?;
        dates = d;
        rest = r;
    }
    let (mut days, mut ph) = (None, false);
    let head = rest.split(char::is_whitespace).next().unwrap_or("");
    if !head.is_empty() && !looks_like_time(head) && !is_off(head) {
        (days, ph) = parse_days(head)?;
        rest = rest[head.len()..].trim_start();
    }
    if rest.is_empty() {
        return Err(format!("rule '{rule}' names days but no times or 'off'"));
    }
    if month_at(rest).is_some() {
        return Err(format!(
            "in rule '{rule}' the months or dates must come before the days"
        ));
    }
    let body = if is_off(rest) {
        RuleBody::Off
    } else {
        let spans = rest
            .split(',')
            .map(|p| parse_span(p.trim()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("{e} in rule '{rule}'"))?;
        RuleBody::Spans(merge(spans))
    };
    Ok(Rule {
        dates,
        days,
        ph,
        body,
    })
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

/// Runs of consecutive weekdays in a mask, as `(first, last)` (Monday = 0).
fn day_runs(mask: u8) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
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
        runs.push((start, d));
        d += 1;
    }
    runs
}

fn fmt_days(mask: u8) -> String {
    day_runs(mask)
        .into_iter()
        .map(|(a, b)| {
            if a == b {
                DAY_NAMES[a].to_string()
            } else {
                format!("{}-{}", DAY_NAMES[a], DAY_NAMES[b])
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn fmt_month_day((m, d): MonthDay) -> String {
    format!("{} {:02}", MONTH_NAMES[usize::from(m - 1)], d)
}

fn fmt_dates(parts: &[DatePart]) -> String {
    parts
        .iter()
        .map(|p| match *p {
            DatePart::Months(a, b) if a == b => MONTH_NAMES[usize::from(a - 1)].to_string(),
            DatePart::Months(a, b) => format!(
                "{}-{}",
                MONTH_NAMES[usize::from(a - 1)],
                MONTH_NAMES[usize::from(b - 1)]
            ),
            DatePart::Dates(a, b) if a == b => fmt_month_day(a),
            DatePart::Dates(a, b) if a.0 == b.0 => format!("{}-{:02}", fmt_month_day(a), b.1),
            DatePart::Dates(a, b) => format!("{}-{}", fmt_month_day(a), fmt_month_day(b)),
        })
        .collect::<Vec<_>>()
        .join(",")
}

// ----- words for descriptions ----------------------------------------------------------------

fn month_en(m: u8) -> &'static str {
    MONTH_NAMES_EN[usize::from(m - 1)]
}

fn dates_words(parts: &[DatePart], lang: Lang) -> String {
    let words: Vec<String> = parts
        .iter()
        .map(|p| match (*p, lang) {
            (DatePart::Months(a, b), Lang::En) if a == b => format!("in {}", month_en(a)),
            (DatePart::Months(a, b), Lang::En) if b == a % 12 + 1 => {
                format!("in {} and {}", month_en(a), month_en(b))
            }
            (DatePart::Months(a, b), Lang::En) => {
                format!("from {} to {}", month_en(a), month_en(b))
            }
            (DatePart::Months(a, b), Lang::Zh) if a == b => format!("{a}月"),
            (DatePart::Months(a, b), Lang::Zh) if a < b => format!("{a}–{b}月"),
            (DatePart::Months(a, b), Lang::Zh) => format!("{a}月至次年{b}月"),
            (DatePart::Dates(a, b), Lang::En) if a == b => {
                format!("on {} {}", a.1, month_en(a.0))
            }
            (DatePart::Dates(a, b), Lang::En) => format!(
                "from {} {} to {} {}",
                a.1,
                month_en(a.0),
                b.1,
                month_en(b.0)
            ),
            (DatePart::Dates(a, b), Lang::Zh) if a == b => format!("{}月{}日", a.0, a.1),
            (DatePart::Dates(a, b), Lang::Zh) if a <= b => {
                format!("{}月{}日至{}月{}日", a.0, a.1, b.0, b.1)
            }
            (DatePart::Dates(a, b), Lang::Zh) => {
                format!("{}月{}日至次年{}月{}日", a.0, a.1, b.0, b.1)
            }
        })
        .collect();
    match lang {
        Lang::En => words.join(" and "),
        Lang::Zh => words.join("、"),
    }
}

fn days_words(days: Option<u8>, ph: bool, lang: Lang) -> String {
    let mut words: Vec<String> = day_runs(days.unwrap_or(0))
        .into_iter()
        .map(|(a, b)| match (lang, a == b) {
            (Lang::En, true) => format!("{}s", DAY_NAMES_EN[a]),
            (Lang::En, false) => format!("{}s to {}s", DAY_NAMES_EN[a], DAY_NAMES_EN[b]),
            (Lang::Zh, true) => format!("每{}", DAY_NAMES_ZH[a]),
            (Lang::Zh, false) => format!("每{}至{}", DAY_NAMES_ZH[a], DAY_NAMES_ZH[b]),
        })
        .collect();
    if ph {
        words.push(
            match lang {
                Lang::En => "public holidays",
                Lang::Zh => "法定节假日",
            }
            .to_string(),
        );
    }
    match lang {
        Lang::En if words.is_empty() => String::new(),
        Lang::En => format!("on {}", words.join(", ")),
        Lang::Zh => words.join("、"),
    }
}

/// The weekday's name in `lang`: `Monday` or `周一`.
pub fn weekday_name(w: Weekday, lang: Lang) -> &'static str {
    match lang {
        Lang::En => DAY_NAMES_EN[weekday_index(w)],
        Lang::Zh => DAY_NAMES_ZH[weekday_index(w)],
    }
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
                dates: Vec::new(),
                days: None,
                ph: false,
                body: RuleBody::Spans(vec![(0, MIN_PER_DAY)]),
            });
        } else {
            for raw in text.split(';') {
                let rule = raw.trim();
                if rule.is_empty() {
                    return Err(format!("empty rule in '{text}'"));
                }
                rules.push(parse_rule(rule)?);
            }
        }
        let mut week: [Vec<(u32, u32)>; 7] = Default::default();
        for r in rules.iter().filter(|r| r.dates.is_empty()) {
            for (d, day) in week.iter_mut().enumerate() {
                if r.days.is_none() && r.ph {
                    continue;
                }
                if r.days.is_none_or(|mask| mask & (1 << d) != 0) {
                    *day = r.spans().to_vec();
                }
            }
        }
        Ok(OpeningHours { rules, week })
    }

    /// Open every day around the clock.
    pub fn always() -> Self {
        OpeningHours::parse("24/7").expect("valid")
    }

    /// Whether any rule names months, dates or `PH`.
    pub fn has_date_rules(&self) -> bool {
        self.rules.iter().any(|r| !r.dates.is_empty() || r.ph)
    }

    /// Whether the place is open on `weekday` at `minute_of_day` (0..1440, local time) in an
    /// ordinary week (see the module doc), counting spans that started the day before and run
    /// past midnight. A span includes its opening minute and excludes its closing minute.
    pub fn is_open_at(&self, weekday: Weekday, minute_of_day: u32) -> bool {
        let d = weekday_index(weekday);
        let prev = (d + 6) % 7;
        let m = minute_of_day;
        self.week[d].iter().any(|&(a, b)| a <= m && m < b)
            || self.week[prev]
                .iter()
                .any(|&(_, b)| b > MIN_PER_DAY && m + MIN_PER_DAY < b)
    }

    /// The spans that open on `weekday` in an ordinary week, as `(open_min, close_min)` after
    /// that day's midnight; a close above 1440 runs into the next day.
    pub fn spans_opening_on(&self, weekday: Weekday) -> &[(u32, u32)] {
        &self.week[weekday_index(weekday)]
    }

    /// Open windows of an ordinary week over `days` consecutive days starting at midnight of
    /// `first_day`, as merged `(open_min, close_min)` pairs in minutes after that midnight,
    /// clipped to `[0, days * 1440]`. Includes a span from the day before that runs past
    /// midnight. For real dates use [`OpeningHours::windows_on`].
    pub fn windows(&self, first_day: Weekday, days: u32) -> Vec<(u32, u32)> {
        let first = weekday_index(first_day) as i64;
        collect_windows(days, |k| &self.week[(first + k).rem_euclid(7) as usize])
    }

    /// The rule that decides `date`'s hours: the last one that applies, if any.
    fn rule_on(&self, date: NaiveDate, holidays: &Holidays) -> Option<&Rule> {
        let (month, day) = (date.month() as u8, date.day() as u8);
        let wd = weekday_index(date.weekday());
        let ph = holidays.contains(date);
        self.rules
            .iter()
            .rev()
            .find(|r| r.applies(month, day, wd, ph))
    }

    /// The spans that open on `date`, as `(open_min, close_min)` after its midnight; a close above
    /// 1440 runs into the next day. Empty when the place does not open that date.
    pub fn spans_on(&self, date: NaiveDate, holidays: &Holidays) -> &[(u32, u32)] {
        self.rule_on(date, holidays).map_or(&[][..], Rule::spans)
    }

    /// Whether the place is open on `date` at `minute_of_day` (0..1440, local time), counting a
    /// span that opened the date before and runs past midnight. A span includes its opening
    /// minute and excludes its closing minute.
    pub fn is_open_on(&self, date: NaiveDate, minute_of_day: u32, holidays: &Holidays) -> bool {
        let m = minute_of_day;
        self.spans_on(date, holidays)
            .iter()
            .any(|&(a, b)| a <= m && m < b)
            || date.pred_opt().is_some_and(|prev| {
                self.spans_on(prev, holidays)
                    .iter()
                    .any(|&(_, b)| b > MIN_PER_DAY && m + MIN_PER_DAY < b)
            })
    }

    /// Open windows over `days` consecutive dates starting at midnight of `first_date`, as
    /// merged `(open_min, close_min)` pairs in minutes after that midnight, clipped to
    /// `[0, days * 1440]`. Includes a span from the date before that runs past midnight.
    pub fn windows_on(
        &self,
        first_date: NaiveDate,
        days: u32,
        holidays: &Holidays,
    ) -> Vec<(u32, u32)> {
        collect_windows(days, |k| {
            let date = if k < 0 {
                first_date.checked_sub_days(Days::new(k.unsigned_abs()))
            } else {
                first_date.checked_add_days(Days::new(k as u64))
            };
            date.map_or(&[][..], |d| self.spans_on(d, holidays))
        })
    }

    /// The hours of `date` in words, for messages: `open 09:00–17:00`, `closed in January and
    /// February`, `closed on Mondays`, `closed on public holidays`; in Chinese `开放时间
    /// 09:00–17:00`, `1–2月关闭`, `每周一关闭`, `法定节假日关闭`.
    pub fn describe_day(&self, date: NaiveDate, holidays: &Holidays, lang: Lang) -> String {
        let Some(rule) = self.rule_on(date, holidays) else {
            return match lang {
                Lang::En => "no opening hours on that day".into(),
                Lang::Zh => "当天没有开放时间".into(),
            };
        };
        match &rule.body {
            RuleBody::Spans(spans) => {
                let list: Vec<String> = spans
                    .iter()
                    .map(|&(a, b)| match (lang, b > MIN_PER_DAY) {
                        (Lang::En, false) | (Lang::Zh, false) => {
                            format!("{}–{}", fmt_time(a), fmt_time(b))
                        }
                        (Lang::En, true) => format!("{}–{} (next day)", fmt_time(a), fmt_time(b)),
                        (Lang::Zh, true) => format!("{}–次日{}", fmt_time(a), fmt_time(b)),
                    })
                    .collect();
                match lang {
                    Lang::En => format!("open {}", list.join(", ")),
                    Lang::Zh => format!("开放时间 {}", list.join("、")),
                }
            }
            RuleBody::Off => {
                let when_days = days_words(rule.days, rule.ph, lang);
                let when_dates = dates_words(&rule.dates, lang);
                match lang {
                    Lang::En => {
                        let mut s = String::from("closed");
                        for w in [when_days, when_dates] {
                            if !w.is_empty() {
                                s.push(' ');
                                s.push_str(&w);
                            }
                        }
                        s
                    }
                    Lang::Zh => format!("{when_dates}{when_days}关闭"),
                }
            }
        }
    }

    /// Whether the place is open around the clock on every date.
    pub fn is_24_7(&self) -> bool {
        !self.has_date_rules()
            && ((0..7).all(|d| self.week[d] == [(0, MIN_PER_DAY)])
                || (0..7).all(|d| {
                    self.week[d]
                        .iter()
                        .any(|&(a, b)| a == 0 && b >= MIN_PER_DAY)
                }))
    }

    /// Whether the place never opens, on any date, weekday or public holiday.
    pub fn is_never_open(&self) -> bool {
        (1..=12u8).all(|month| {
            (1..=MONTH_DAYS[usize::from(month - 1)]).all(|day| {
                (0..7).all(|wd| {
                    [false, true].into_iter().all(|ph| {
                        self.rules
                            .iter()
                            .rev()
                            .find(|r| r.applies(month, day, wd, ph))
                            .is_none_or(|r| r.spans().is_empty())
                    })
                })
            })
        })
    }
}

/// Merged windows over `days` days from the spans opening on day `k` (−1 = the day before).
fn collect_windows<'a>(days: u32, spans_of: impl Fn(i64) -> &'a [(u32, u32)]) -> Vec<(u32, u32)> {
    let horizon = i64::from(days) * i64::from(MIN_PER_DAY);
    let mut spans = Vec::new();
    for k in -1..i64::from(days) {
        let base = k * i64::from(MIN_PER_DAY);
        for &(a, b) in spans_of(k) {
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

impl fmt::Display for OpeningHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.rules.len() == 1
            && self.rules[0].dates.is_empty()
            && self.rules[0].days.is_none()
            && !self.rules[0].ph
            && self.rules[0].body == RuleBody::Spans(vec![(0, MIN_PER_DAY)])
        {
            return f.write_str("24/7");
        }
        for (i, r) in self.rules.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            if !r.dates.is_empty() {
                write!(f, "{} ", fmt_dates(&r.dates))?;
            }
            match (r.days, r.ph) {
                (Some(mask), false) => write!(f, "{} ", fmt_days(mask))?,
                (Some(mask), true) => write!(f, "{},PH ", fmt_days(mask))?,
                (None, true) => f.write_str("PH ")?,
                (None, false) => {}
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

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

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

    #[test]
    fn month_ranges_close_whole_months() {
        let none = Holidays::none();
        let o = h("Jan-Feb off; Mar-Dec 09:00-17:00");
        assert!(!o.is_open_on(d(2026, 1, 15), 600, &none));
        assert!(!o.is_open_on(d(2026, 2, 28), 600, &none));
        assert!(o.is_open_on(d(2026, 3, 1), 600, &none));
        assert!(o.is_open_on(d(2026, 12, 31), 540, &none));
        assert!(!o.is_open_on(d(2026, 12, 31), 1020, &none));
        assert!(o.spans_on(d(2026, 1, 31), &none).is_empty());
        assert_eq!(o.spans_on(d(2026, 6, 1), &none), &[(540, 1020)]);
        // The same without the explicit closure: no rule applies in January and February.
        let o = h("Mar-Dec 09:00-17:00");
        assert!(!o.is_open_on(d(2027, 2, 10), 600, &none));
        assert!(o.is_open_on(d(2027, 3, 10), 600, &none));
        // A later rule overrides the earlier one for its months.
        let o = h("09:00-17:00; Jan-Feb off");
        assert!(!o.is_open_on(d(2026, 1, 5), 600, &none));
        assert!(o.is_open_on(d(2026, 4, 5), 600, &none));
        assert!(o.has_date_rules() && !o.is_24_7() && !o.is_never_open());
    }

    #[test]
    fn seasons_wrap_over_the_new_year() {
        let none = Holidays::none();
        let o = h("Nov-Mar 09:00-17:00; Apr-Oct 08:30-18:00");
        for (date, spans) in [
            (d(2026, 11, 1), [(540, 1020)]),
            (d(2026, 12, 31), [(540, 1020)]),
            (d(2027, 1, 1), [(540, 1020)]),
            (d(2027, 3, 31), [(540, 1020)]),
            (d(2027, 4, 1), [(510, 1080)]),
            (d(2027, 10, 31), [(510, 1080)]),
        ] {
            assert_eq!(o.spans_on(date, &none), &spans, "{date}");
        }
        // Windows across the season change: 31 Oct (summer) then 1 Nov (winter).
        assert_eq!(
            o.windows_on(d(2026, 10, 31), 2, &none),
            vec![(510, 1080), (1980, 2460)]
        );
        // Across the year end: 31 Dec and 1 Jan are both winter days.
        assert_eq!(
            o.windows_on(d(2026, 12, 31), 2, &none),
            vec![(540, 1020), (1980, 2460)]
        );
    }

    #[test]
    fn date_ranges_including_over_the_year_end() {
        let none = Holidays::none();
        let o = h("10:00-18:00; Dec 24-Jan 02 off");
        assert!(o.is_open_on(d(2026, 12, 23), 600, &none));
        assert!(!o.is_open_on(d(2026, 12, 24), 600, &none));
        assert!(!o.is_open_on(d(2026, 12, 31), 600, &none));
        assert!(!o.is_open_on(d(2027, 1, 1), 600, &none));
        assert!(!o.is_open_on(d(2027, 1, 2), 600, &none));
        assert!(o.is_open_on(d(2027, 1, 3), 600, &none));
        assert_eq!(
            o.windows_on(d(2026, 12, 23), 2, &none),
            vec![(600, 1080)],
            "24 December has no window"
        );
        let o = h("09:00-17:00; Dec 24-26 off; Dec 25 10:00-12:00");
        assert!(!o.is_open_on(d(2026, 12, 24), 600, &none));
        assert!(o.is_open_on(d(2026, 12, 25), 600, &none));
        assert!(!o.is_open_on(d(2026, 12, 25), 13 * 60, &none));
        assert!(!o.is_open_on(d(2026, 12, 26), 600, &none));
        let o = h("Feb 29 off");
        assert!(o.spans_on(d(2028, 2, 29), &none).is_empty());
        // Months and dates mixed in one selector.
        let o = h("09:00-17:00; Jan,Dec 25 off");
        assert!(!o.is_open_on(d(2026, 1, 20), 600, &none));
        assert!(!o.is_open_on(d(2026, 12, 25), 600, &none));
        assert!(o.is_open_on(d(2026, 12, 26), 600, &none));
    }

    #[test]
    fn months_combine_with_weekdays() {
        let none = Holidays::none();
        let o = h("Tu-Su 09:00-17:00; Mo off; Jan-Feb Sa,Su 10:00-16:00; Jan-Feb Mo-Fr off");
        // 2026-01-05 is a Monday, 2026-01-10 a Saturday, 2026-03-03 a Tuesday.
        assert!(!o.is_open_on(d(2026, 1, 6), 600, &none));
        assert_eq!(o.spans_on(d(2026, 1, 10), &none), &[(600, 960)]);
        assert_eq!(o.spans_on(d(2026, 3, 3), &none), &[(540, 1020)]);
        assert!(o.spans_on(d(2026, 3, 2), &none).is_empty());
    }

    #[test]
    fn public_holidays_follow_the_site_list() {
        let hol = Holidays::parse_iso(&["2026-10-01", "2026-10-02"]).unwrap();
        let none = Holidays::none();
        // 2026-10-01 is a Thursday.
        let o = h("Mo-Fr 09:00-17:00; PH off");
        assert!(!o.is_open_on(d(2026, 10, 1), 600, &hol));
        assert!(o.is_open_on(d(2026, 10, 1), 600, &none));
        assert!(o.is_open_on(d(2026, 10, 8), 600, &hol));
        let o = h("Tu-Su 09:00-17:00; Mo off; PH 10:00-16:00");
        assert_eq!(o.spans_on(d(2026, 10, 1), &hol), &[(600, 960)]);
        assert_eq!(o.spans_on(d(2026, 10, 8), &hol), &[(540, 1020)]);
        // A holiday Monday opens; the rule order decides.
        let mon = Holidays::parse_iso(&["2026-10-05"]).unwrap();
        assert_eq!(o.spans_on(d(2026, 10, 5), &mon), &[(600, 960)]);
        let o = h("PH off; Mo-Fr 09:00-17:00");
        assert_eq!(
            o.spans_on(d(2026, 10, 1), &hol),
            &[(540, 1020)],
            "a later weekday rule overrides PH"
        );
        // PH together with weekdays in one selector.
        let o = h("09:00-17:00; Mo,PH off");
        assert!(!o.is_open_on(d(2026, 10, 2), 600, &hol));
        assert!(!o.is_open_on(d(2026, 10, 5), 600, &hol));
        assert!(o.is_open_on(d(2026, 10, 6), 600, &hol));
        // The ordinary week ignores PH-only rules.
        let o = h("09:00-17:00; PH off");
        assert!(o.is_open_at(Thu, 600));
        assert_eq!(o.windows(Thu, 1), vec![(540, 1020)]);
    }

    #[test]
    fn date_windows_carry_past_midnight_spans() {
        let hol = Holidays::parse_iso(&["2026-05-01"]).unwrap();
        // 2026-05-01 is a Friday.
        let o = h("Fr-Sa 18:00-02:00; PH off");
        assert_eq!(o.windows_on(d(2026, 5, 1), 2, &hol), vec![(2520, 2880)]);
        assert!(!o.is_open_on(d(2026, 5, 2), 60, &hol));
        assert!(o.is_open_on(d(2026, 5, 3), 60, &hol));
        let none = Holidays::none();
        assert_eq!(
            o.windows_on(d(2026, 5, 1), 2, &none),
            o.windows(Fri, 2),
            "without holidays or date rules both agree"
        );
    }

    #[test]
    fn date_aware_and_weekly_agree_without_date_rules() {
        let none = Holidays::none();
        for s in [
            "24/7",
            "Tu-Su 09:00-17:00; Mo off",
            "Mo-Fr 08:00-20:00; Sa,Su 09:00-01:00",
            "Fr-Sa 18:00-02:00",
        ] {
            let o = h(s);
            for k in 0..14 {
                let date = d(2026, 3, 1) + Days::new(k);
                assert_eq!(
                    o.windows_on(date, 2, &none),
                    o.windows(date.weekday(), 2),
                    "{s} {date}"
                );
                for m in (0..1440).step_by(30) {
                    assert_eq!(
                        o.is_open_on(date, m, &none),
                        o.is_open_at(date.weekday(), m)
                    );
                }
            }
        }
    }

    #[test]
    fn new_forms_round_trip() {
        for s in [
            "Jan-Feb off; Mar-Dec 09:00-17:00",
            "Nov-Mar 09:00-17:00; Apr-Oct 08:30-18:00",
            "10:00-18:00; Dec 24-Jan 02 off",
            "09:00-17:00; Dec 24-26 off; Dec 25 10:00-12:00",
            "PH off",
            "PH 10:00-16:00",
            "Tu-Su 09:00-17:00; Mo,PH off",
            "Jan-Feb Sa-Su 10:00-16:00",
            "Jan,Mar,Dec 25 off",
            "Nov-Feb Mo-Fr,PH 10:00-16:00",
        ] {
            let o = h(s);
            assert_eq!(o.to_string(), s);
            assert_eq!(h(&o.to_string()), o);
        }
        assert_eq!(h("Dec 1-Jan 2 closed").to_string(), "Dec 01-Jan 02 off");
        assert_eq!(h("PH,Mo off").to_string(), "Mo,PH off");
    }

    #[test]
    fn date_errors_say_what_is_wrong() {
        for (s, needle) in [
            ("Feb 30 off", "day 30 does not exist in Feb"),
            ("Jan 00 off", "day 0 does not exist"),
            ("Dec 24-Jan off", "needs a day after the second month"),
            ("Jan-Feb 15 off", "cannot end on a day"),
            ("Dec 26-24 off", "runs backwards"),
            ("Jan, off", "expected a month after ','"),
            ("Jan-Xyz off", "bad month or date range"),
            ("Mo Jan off", "must come before the days"),
            ("Janx off", "unknown day 'Janx'"),
            ("Jan-Feb", "names days but no times"),
            ("PH", "names days but no times"),
            ("Jan 10:00-25:00", "out of range"),
            ("Jan/Feb off", "unknown day 'Jan/Feb'"),
        ] {
            let err = OpeningHours::parse(s).expect_err(s);
            assert!(err.contains(needle), "{s:?}: {err}");
        }
        let err = Holidays::parse_iso(&["2026-01-01", "2026-13-01"]).unwrap_err();
        assert!(err.contains("[1]") && err.contains("2026-13-01"), "{err}");
    }

    #[test]
    fn never_open_considers_every_date() {
        assert!(h("off").is_never_open());
        assert!(h("Jan-Dec off").is_never_open());
        assert!(!h("Jan-Nov off; Dec 10:00-12:00").is_never_open());
        assert!(!h("off; PH 10:00-12:00").is_never_open());
        assert!(!h("off; Dec 31 10:00-12:00").is_never_open());
    }

    #[test]
    fn days_are_described_in_both_languages() {
        let hol = Holidays::parse_iso(&["2026-10-01"]).unwrap();
        let o = h("Jan-Feb off; Mar-Dec Tu-Su 09:00-17:00; Mo off; PH off; Dec 24-Jan 02 off");
        let cases = [
            // 2026-02-10 Tue, 2026-03-09 Mon, 2026-10-01 Thu (holiday), 2026-12-28 Mon.
            (
                d(2026, 2, 10),
                "closed in January and February",
                "1–2月关闭",
            ),
            (d(2026, 3, 9), "closed on Mondays", "每周一关闭"),
            (
                d(2026, 10, 1),
                "closed on public holidays",
                "法定节假日关闭",
            ),
            (
                d(2026, 12, 28),
                "closed from 24 December to 2 January",
                "12月24日至次年1月2日关闭",
            ),
            (d(2026, 3, 10), "open 09:00–17:00", "开放时间 09:00–17:00"),
        ];
        for (date, en, zh) in cases {
            assert_eq!(o.describe_day(date, &hol, Lang::En), en, "{date}");
            assert_eq!(o.describe_day(date, &hol, Lang::Zh), zh, "{date}");
        }
        let o = h("Nov-Mar Sa-Su 10:00-02:00; Apr-Oct off; Nov-Mar Mo-We off");
        assert_eq!(
            o.describe_day(d(2026, 11, 7), &hol, Lang::En),
            "open 10:00–02:00 (next day)"
        );
        assert_eq!(
            o.describe_day(d(2026, 11, 7), &hol, Lang::Zh),
            "开放时间 10:00–次日02:00"
        );
        assert_eq!(
            o.describe_day(d(2026, 11, 9), &hol, Lang::En),
            "closed on Mondays to Wednesdays from November to March"
        );
        assert_eq!(
            o.describe_day(d(2026, 11, 9), &hol, Lang::Zh),
            "11月至次年3月每周一至周三关闭"
        );
        assert_eq!(o.describe_day(d(2026, 6, 1), &hol, Lang::Zh), "4–10月关闭");
        assert_eq!(
            o.describe_day(d(2026, 11, 12), &hol, Lang::En),
            "no opening hours on that day"
        );
        assert_eq!(weekday_name(Mon, Lang::En), "Monday");
        assert_eq!(weekday_name(Sun, Lang::Zh), "周日");
    }
}
