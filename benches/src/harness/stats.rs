//! Medians, ratios and number formatting for the harness's tables.

/// The median of `values` (the mean of the middle two for an even count); `None` when empty
/// or when any value is NaN.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() || values.iter().any(|v| v.is_nan()) {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// How far apart the rounds were: (largest - smallest) / median, as a fraction; `None` for
/// fewer than two values or a zero median.
pub fn spread(values: &[f64]) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let m = median(values)?;
    if m == 0.0 {
        return None;
    }
    let max = values.iter().cloned().fold(f64::MIN, f64::max);
    let min = values.iter().cloned().fold(f64::MAX, f64::min);
    Some((max - min) / m)
}

/// `a / b`, or `None` when either is missing or `b` is zero.
pub fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b != 0.0 => Some(a / b),
        _ => None,
    }
}

/// A rate with thousands separators, no decimals: `1234567.8` → `1,234,568`.
pub fn fmt_count(v: f64) -> String {
    let n = v.round() as i128;
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    // Digits before the first separator, then groups of three.
    let mut group = match digits.len() % 3 {
        0 => 3,
        r => r,
    };
    for c in digits.chars() {
        if group == 0 {
            out.push(',');
            group = 3;
        }
        out.push(c);
        group -= 1;
    }
    out
}

/// Milliseconds with three significant decimals: `0.231`, `12.5`, `1234`.
pub fn fmt_ms(v: f64) -> String {
    if v < 10.0 {
        format!("{v:.3}")
    } else if v < 100.0 {
        format!("{v:.2}")
    } else if v < 1000.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

/// A ratio as `1.23x`, or `–` when missing.
pub fn fmt_ratio(r: Option<f64>) -> String {
    match r {
        Some(r) => format!("{r:.2}x"),
        None => "–".to_string(),
    }
}

/// An optional value through `f`, or `–` when missing.
pub fn fmt_opt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map(f).unwrap_or_else(|| "–".to_string())
}

/// A fraction as a percentage with no decimals: `0.123` → `12%`.
pub fn fmt_pct(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

/// Bytes as MiB with one decimal.
pub fn fmt_mib(bytes: f64) -> String {
    format!("{:.1}", bytes / (1024.0 * 1024.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_odd_even_empty() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[7.0]), Some(7.0));
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[1.0, f64::NAN]), None);
    }

    #[test]
    fn spread_and_ratio() {
        assert_eq!(spread(&[1.0]), None);
        assert!((spread(&[90.0, 100.0, 110.0]).unwrap() - 0.2).abs() < 1e-12);
        assert_eq!(ratio(Some(3.0), Some(2.0)), Some(1.5));
        assert_eq!(ratio(Some(3.0), Some(0.0)), None);
        assert_eq!(ratio(None, Some(2.0)), None);
    }

    #[test]
    fn formatting() {
        assert_eq!(fmt_count(0.4), "0");
        assert_eq!(fmt_count(999.0), "999");
        assert_eq!(fmt_count(1000.0), "1,000");
        assert_eq!(fmt_count(1234567.8), "1,234,568");
        assert_eq!(fmt_count(-1234.0), "-1,234");
        assert_eq!(fmt_ms(0.2314), "0.231");
        assert_eq!(fmt_ms(12.345), "12.35");
        assert_eq!(fmt_ms(123.45), "123.5");
        assert_eq!(fmt_ms(12345.0), "12345");
        assert_eq!(fmt_ratio(Some(1.234)), "1.23x");
        assert_eq!(fmt_ratio(None), "–");
        assert_eq!(fmt_pct(0.123), "12%");
        assert_eq!(fmt_mib(3.0 * 1024.0 * 1024.0), "3.0");
    }
}
