//! Great-circle lengths, bearings and a local planar projection.
//!
//! Positions are `[lon, lat]` in degrees (WGS84), as in GeoJSON. Sites span a few kilometres, so a
//! spherical Earth is accurate to well under 0.5 %, far below the positional error of the data.

/// Mean Earth radius in metres (IUGG R1, the value `geo`'s haversine uses).
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle (haversine) distance in metres between two `[lon, lat]` positions in degrees.
pub fn haversine_m(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (lon1, lat1) = (a[0].to_radians(), a[1].to_radians());
    let (lon2, lat2) = (b[0].to_radians(), b[1].to_radians());
    let dlat = lat2 - lat1;
    let dlon = lon2 - lon1;
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// Initial bearing in degrees clockwise from north, in `[0, 360)`, from `a` towards `b`.
pub fn bearing_deg(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (lon1, lat1) = (a[0].to_radians(), a[1].to_radians());
    let (lon2, lat2) = (b[0].to_radians(), b[1].to_radians());
    let dlon = lon2 - lon1;
    let y = dlon.sin() * lat2.cos();
    let x = lat1.cos() * lat2.sin() - lat1.sin() * lat2.cos() * dlon.cos();
    let deg = y.atan2(x).to_degrees();
    (deg + 360.0) % 360.0
}

/// Sum of the haversine lengths in metres of a polyline's segments.
pub fn polyline_length_m(points: &[[f64; 2]]) -> f64 {
    points.windows(2).map(|w| haversine_m(w[0], w[1])).sum()
}

/// Signed turn in degrees from heading `from_deg` to heading `to_deg`, in `(-180, 180]`;
/// positive turns right (clockwise), negative turns left.
pub fn turn_deg(from_deg: f64, to_deg: f64) -> f64 {
    let mut d = (to_deg - from_deg) % 360.0;
    if d <= -180.0 {
        d += 360.0;
    } else if d > 180.0 {
        d -= 360.0;
    }
    d
}

/// An equirectangular projection around a reference point: `x` metres east, `y` metres north.
///
/// Within a few kilometres of the reference its distances differ from great-circle ones by far
/// less than a metre, which is what snapping needs.
#[derive(Clone, Copy, Debug)]
pub struct LocalProjection {
    /// Reference longitude in degrees.
    pub lon0: f64,
    /// Reference latitude in degrees.
    pub lat0: f64,
    /// Metres per degree of longitude at the reference latitude.
    m_per_deg_lon: f64,
    /// Metres per degree of latitude.
    m_per_deg_lat: f64,
}

impl LocalProjection {
    /// A projection centred on `[lon0, lat0]` (degrees).
    pub fn new(lon0: f64, lat0: f64) -> Self {
        let m_per_deg_lat = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
        LocalProjection {
            lon0,
            lat0,
            m_per_deg_lon: m_per_deg_lat * lat0.to_radians().cos(),
            m_per_deg_lat,
        }
    }

    /// `[lon, lat]` degrees to `[x, y]` metres.
    pub fn project(&self, p: [f64; 2]) -> [f64; 2] {
        [
            (p[0] - self.lon0) * self.m_per_deg_lon,
            (p[1] - self.lat0) * self.m_per_deg_lat,
        ]
    }

    /// `[x, y]` metres back to `[lon, lat]` degrees.
    pub fn unproject(&self, q: [f64; 2]) -> [f64; 2] {
        [
            self.lon0 + q[0] / self.m_per_deg_lon,
            self.lat0 + q[1] / self.m_per_deg_lat,
        ]
    }
}

/// The eight compass points for a bearing in degrees, in English and Chinese.
pub fn compass(bearing_deg: f64) -> (&'static str, &'static str) {
    const EN: [&str; 8] = [
        "north",
        "north-east",
        "east",
        "south-east",
        "south",
        "south-west",
        "west",
        "north-west",
    ];
    const ZH: [&str; 8] = ["北", "东北", "东", "东南", "南", "西南", "西", "西北"];
    let i = (((bearing_deg % 360.0 + 360.0) % 360.0 + 22.5) / 45.0) as usize % 8;
    (EN[i], ZH[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_matches_reference_distance() {
        // Factory centroid to Liziba station: 353 m in the site notes.
        let d = haversine_m([106.536848, 29.553764], [106.533922, 29.555662]);
        assert!((d - 353.0).abs() < 3.0, "{d}");
    }

    #[test]
    fn bearings_and_turns() {
        let o = [106.5, 29.5];
        assert!((bearing_deg(o, [106.5, 29.6]) - 0.0).abs() < 1e-6);
        assert!((bearing_deg(o, [106.6, 29.5]) - 90.0).abs() < 0.1);
        assert_eq!(turn_deg(350.0, 10.0), 20.0);
        assert_eq!(turn_deg(10.0, 350.0), -20.0);
        assert_eq!(compass(44.0).0, "north-east");
        assert_eq!(compass(359.0).1, "北");
    }

    #[test]
    fn projection_round_trips() {
        let p = LocalProjection::new(106.5348, 29.5537);
        let q = p.project([106.536848, 29.553764]);
        let back = p.unproject(q);
        assert!((back[0] - 106.536848).abs() < 1e-12 && (back[1] - 29.553764).abs() < 1e-12);
        let planar = (q[0] * q[0] + q[1] * q[1]).sqrt();
        let sphere = haversine_m([106.5348, 29.5537], [106.536848, 29.553764]);
        assert!((planar - sphere).abs() < 0.1);
    }
}
