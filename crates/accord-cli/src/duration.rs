//! Durations as people type them: `30s`, `10m`, `12h`, `7d`, `1h30m`.

use std::time::Duration;

use anyhow::{Result, bail};

pub fn parse(s: &str) -> Result<Duration> {
    let t = s.trim();
    if t.is_empty() {
        bail!("an empty duration; use e.g. 30s, 10m, 12h or 7d");
    }
    let mut total = Duration::ZERO;
    let mut rest = t;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            bail!("{s:?} is not a duration; use e.g. 30s, 10m, 12h or 7d");
        }
        let n: u64 = rest[..digits]
            .parse()
            .map_err(|_| anyhow::anyhow!("{s:?} is too long a duration"))?;
        rest = &rest[digits..];
        let unit = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let secs = match &rest[..unit] {
            "ms" => {
                total += Duration::from_millis(n);
                rest = &rest[unit..];
                continue;
            }
            "" | "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            "w" => 7 * 86_400,
            other => {
                bail!("{s:?} is not a duration: unknown unit {other:?} (use ms, s, m, h, d or w)")
            }
        };
        total += Duration::from_secs(n.saturating_mul(secs));
        rest = &rest[unit..];
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_the_units_people_type() {
        assert_eq!(parse("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse("7d").unwrap(), Duration::from_secs(7 * 86_400));
        assert_eq!(parse("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse("90").unwrap(), Duration::from_secs(90));
        assert!(parse("soon").is_err());
        assert!(parse("3y").is_err());
        assert!(parse("").is_err());
    }
}
