//! Sunrise and sunset by the NOAA solar calculator (the equations of NOAA's Global Monitoring
//! Laboratory spreadsheet, after Meeus, "Astronomical Algorithms"), for daylight rules.
//!
//! Accuracy is about a minute for latitudes below ±60°. Sunset is when the Sun's upper limb
//! touches the horizon with standard refraction: a zenith of 90.833°.

use chrono::{Datelike, NaiveDate};

/// Zenith angle in degrees of the Sun's centre at sunrise and sunset (refraction and the solar
/// disc's radius included).
pub const SUNSET_ZENITH_DEG: f64 = 90.833;

fn julian_day(date: NaiveDate) -> f64 {
    // Julian day at 00:00 UTC of the date: days since 1970-01-01 plus its Julian day.
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
    (date - epoch).num_days() as f64 + 2_440_587.5
}

/// Sun position terms for a Julian day: (declination in degrees, equation of time in minutes).
fn sun_terms(jd: f64) -> (f64, f64) {
    let t = (jd - 2_451_545.0) / 36_525.0;
    let l0 = (280.46646 + t * (36_000.769_83 + t * 0.0003032)).rem_euclid(360.0);
    let m = 357.52911 + t * (35_999.050_29 - 0.0001537 * t);
    let e = 0.016708634 - t * (0.000042037 + 0.0000001267 * t);
    let mr = m.to_radians();
    let c = mr.sin() * (1.914602 - t * (0.004817 + 0.000014 * t))
        + (2.0 * mr).sin() * (0.019993 - 0.000101 * t)
        + (3.0 * mr).sin() * 0.000289;
    let true_long = l0 + c;
    let omega = 125.04 - 1934.136 * t;
    let app_long = true_long - 0.00569 - 0.00478 * omega.to_radians().sin();
    let eps0 = 23.0 + (26.0 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60.0) / 60.0;
    let eps = eps0 + 0.00256 * omega.to_radians().cos();
    let decl = (eps.to_radians().sin() * app_long.to_radians().sin())
        .asin()
        .to_degrees();
    let y = (eps.to_radians() / 2.0).tan().powi(2);
    let l0r = l0.to_radians();
    let eq_time = 4.0
        * (y * (2.0 * l0r).sin() - 2.0 * e * mr.sin() + 4.0 * e * y * mr.sin() * (2.0 * l0r).cos()
            - 0.5 * y * y * (4.0 * l0r).sin()
            - 1.25 * e * e * (2.0 * mr).sin())
        .to_degrees();
    (decl, eq_time)
}

/// Hour angle in degrees of sunset at a latitude for a declination; `None` in polar day/night.
fn sunset_hour_angle(lat_deg: f64, decl_deg: f64) -> Option<f64> {
    let (lat, decl) = (lat_deg.to_radians(), decl_deg.to_radians());
    let cos_h =
        SUNSET_ZENITH_DEG.to_radians().cos() / (lat.cos() * decl.cos()) - lat.tan() * decl.tan();
    (-1.0..=1.0)
        .contains(&cos_h)
        .then(|| cos_h.acos().to_degrees())
}

fn event_min(
    date: NaiveDate,
    lat_deg: f64,
    lon_deg: f64,
    utc_offset_min: i32,
    sign: f64,
) -> Option<f64> {
    let jd0 = julian_day(date);
    let offset = f64::from(utc_offset_min);
    // First pass at local noon, second pass at the event's own time.
    let mut minutes = 720.0;
    for _ in 0..2 {
        let jd = jd0 + (minutes - offset) / 1440.0;
        let (decl, eq_time) = sun_terms(jd);
        let ha = sunset_hour_angle(lat_deg, decl)?;
        let noon = 720.0 - 4.0 * lon_deg - eq_time + offset;
        minutes = noon + sign * 4.0 * ha;
    }
    Some(minutes)
}

/// Sunset on `date` at `[lat, lon]` (degrees, east positive), in minutes after local midnight
/// of a clock at `utc_offset_min`; `None` when the Sun does not set (polar day or night).
pub fn sunset_local_min(
    date: NaiveDate,
    lat_deg: f64,
    lon_deg: f64,
    utc_offset_min: i32,
) -> Option<f64> {
    event_min(date, lat_deg, lon_deg, utc_offset_min, 1.0)
}

/// Sunrise, like [`sunset_local_min`].
pub fn sunrise_local_min(
    date: NaiveDate,
    lat_deg: f64,
    lon_deg: f64,
    utc_offset_min: i32,
) -> Option<f64> {
    event_min(date, lat_deg, lon_deg, utc_offset_min, -1.0)
}

/// Day of the year (1 = 1 January), for logs.
pub fn day_of_year(date: NaiveDate) -> u32 {
    date.ordinal()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAT: f64 = 29.5537;
    const LON: f64 = 106.5348;

    fn hm(m: f64) -> String {
        format!("{:02}:{:02}", (m / 60.0) as u32, (m % 60.0).round() as u32)
    }

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    fn check(got: Option<f64>, want_hm: (u32, u32), label: &str) {
        let got = got.expect("sun sets");
        let want = f64::from(want_hm.0 * 60 + want_hm.1);
        assert!(
            (got - want).abs() <= 2.0,
            "{label}: {} vs {:02}:{:02}",
            hm(got),
            want_hm.0,
            want_hm.1
        );
    }

    #[test]
    fn chongqing_sunsets() {
        // NOAA solar calculator for the site centre (29.5537 N, 106.5348 E), UTC+8. Solar noon is
        // about 12:56 there, so the June sunset falls near 19:57 and the December one near 18:00.
        check(
            sunset_local_min(d(2026, 6, 21), LAT, LON, 480),
            (19, 57),
            "2026-06-21 sunset",
        );
        check(
            sunset_local_min(d(2026, 12, 21), LAT, LON, 480),
            (17, 59),
            "2026-12-21 sunset",
        );
        check(
            sunset_local_min(d(2026, 3, 20), LAT, LON, 480),
            (19, 5),
            "2026-03-20 sunset",
        );
        check(
            sunset_local_min(d(2026, 9, 23), LAT, LON, 480),
            (18, 50),
            "2026-09-23 sunset",
        );
        check(
            sunrise_local_min(d(2026, 6, 21), LAT, LON, 480),
            (5, 54),
            "2026-06-21 sunrise",
        );
    }

    #[test]
    fn published_reference_times() {
        // Published almanac times (NOAA method) for Beijing (39.9042 N, 116.4074 E, UTC+8) and
        // London (51.5074 N, 0.1278 W, UTC+1 in summer).
        check(
            sunset_local_min(d(2024, 6, 21), 39.9042, 116.4074, 480),
            (19, 46),
            "Beijing June",
        );
        check(
            sunset_local_min(d(2024, 12, 21), 39.9042, 116.4074, 480),
            (16, 53),
            "Beijing December",
        );
        check(
            sunset_local_min(d(2024, 6, 21), 51.5074, -0.1278, 60),
            (21, 21),
            "London June",
        );
    }

    #[test]
    fn polar_night_has_no_sunset() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 21).unwrap();
        assert!(sunset_local_min(d, 80.0, 0.0, 0).is_none());
        assert_eq!(day_of_year(d), 355);
    }
}
