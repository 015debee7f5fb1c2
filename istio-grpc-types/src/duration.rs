//! `google.protobuf.Duration` as Istio reads and writes it.
//!
//! Istio decodes durations with Go's `time.ParseDuration` (legacy `jsonpb`), so `1h`, `1m30s`,
//! `1.5s`, `300ms`, `250us` and `0s` are all valid; its encoder writes seconds with 0, 3, 6 or 9
//! fractional digits and an `s` suffix (`180s`, `1.500s`, `0.001s`). This type accepts exactly
//! Go's syntax and always writes that canonical form, so the same value is always spelled the
//! same way.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A signed span of time with nanosecond precision, spelled like Go's `time.Duration`.
///
/// ```
/// use istio_grpc_types::Duration;
///
/// let d: Duration = "1m30s".parse()?;
/// assert_eq!(d, Duration::from_secs(90));
/// assert_eq!(d.to_string(), "90s");
/// assert_eq!("1.5s".parse::<Duration>()?.to_string(), "1.500s");
/// assert_eq!(Duration::ZERO.to_string(), "0s");
/// assert!("5".parse::<Duration>().is_err()); // a unit is required (except for a bare `0`)
/// # Ok::<(), istio_grpc_types::DurationError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Duration {
    nanos: i64,
}

/// Why a string is not a duration.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid duration {input:?}: {reason} (expected Go syntax such as 1h, 1m30s, 1.5s, 300ms or 0s)"
)]
pub struct DurationError {
    input: String,
    reason: &'static str,
}

const NANOS_PER_SEC: i64 = 1_000_000_000;

impl Duration {
    /// No time at all; on a route, `timeout: 0s` disables the timeout.
    pub const ZERO: Duration = Duration { nanos: 0 };

    /// A duration of whole seconds.
    pub const fn from_secs(secs: i64) -> Self {
        Duration {
            nanos: secs.saturating_mul(NANOS_PER_SEC),
        }
    }

    /// A duration of whole milliseconds.
    pub const fn from_millis(millis: i64) -> Self {
        Duration {
            nanos: millis.saturating_mul(1_000_000),
        }
    }

    /// A duration of nanoseconds.
    pub const fn from_nanos(nanos: i64) -> Self {
        Duration { nanos }
    }

    /// The length in nanoseconds (negative for negative durations).
    pub const fn as_nanos(self) -> i64 {
        self.nanos
    }

    /// Whether this is exactly zero.
    pub const fn is_zero(self) -> bool {
        self.nanos == 0
    }

    /// Whether this is below zero.
    pub const fn is_negative(self) -> bool {
        self.nanos < 0
    }

    /// The same span as a [`std::time::Duration`], or `None` when negative.
    pub fn to_std(self) -> Option<std::time::Duration> {
        u64::try_from(self.nanos)
            .ok()
            .map(std::time::Duration::from_nanos)
    }
}

impl TryFrom<std::time::Duration> for Duration {
    type Error = DurationError;

    fn try_from(d: std::time::Duration) -> Result<Self, DurationError> {
        i64::try_from(d.as_nanos())
            .map(Duration::from_nanos)
            .map_err(|_| DurationError {
                input: format!("{d:?}"),
                reason: "longer than Go's time.Duration can hold (about 292 years)",
            })
    }
}

impl fmt::Display for Duration {
    /// Istio's canonical spelling: seconds with 0, 3, 6 or 9 fractional digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.nanos < 0 { "-" } else { "" };
        let abs = self.nanos.unsigned_abs();
        let secs = abs / NANOS_PER_SEC as u64;
        let frac = abs % NANOS_PER_SEC as u64;
        if frac == 0 {
            write!(f, "{sign}{secs}s")
        } else if frac.is_multiple_of(1_000_000) {
            write!(f, "{sign}{secs}.{:03}s", frac / 1_000_000)
        } else if frac.is_multiple_of(1_000) {
            write!(f, "{sign}{secs}.{:06}s", frac / 1_000)
        } else {
            write!(f, "{sign}{secs}.{frac:09}s")
        }
    }
}

impl FromStr for Duration {
    type Err = DurationError;

    /// Go's `time.ParseDuration`: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, or a bare `0`.
    fn from_str(input: &str) -> Result<Self, DurationError> {
        let err = |reason| DurationError {
            input: input.to_owned(),
            reason,
        };
        let mut s = input;
        let mut negative = false;
        if let Some(rest) = s.strip_prefix('-') {
            negative = true;
            s = rest;
        } else if let Some(rest) = s.strip_prefix('+') {
            s = rest;
        }
        if s == "0" {
            return Ok(Duration::ZERO);
        }
        if s.is_empty() {
            return Err(err("empty"));
        }
        let mut total: u128 = 0;
        while !s.is_empty() {
            let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
            let (int_part, rest) = s.split_at(int_len);
            s = rest;
            let mut frac_part = "";
            if let Some(rest) = s.strip_prefix('.') {
                let frac_len = rest.bytes().take_while(u8::is_ascii_digit).count();
                frac_part = &rest[..frac_len];
                s = &rest[frac_len..];
            }
            if int_part.is_empty() && frac_part.is_empty() {
                return Err(err("a number is missing"));
            }
            let unit_len = s
                .find(|c: char| c == '.' || c.is_ascii_digit())
                .unwrap_or(s.len());
            let (unit, rest) = s.split_at(unit_len);
            s = rest;
            let scale: u128 = match unit {
                "ns" => 1,
                "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
                "ms" => 1_000_000,
                "s" => 1_000_000_000,
                "m" => 60 * 1_000_000_000,
                "h" => 3_600 * 1_000_000_000,
                "" => return Err(err("a unit is missing (ns, us, ms, s, m or h)")),
                _ => return Err(err("unknown unit (use ns, us, ms, s, m or h)")),
            };
            let whole: u128 = if int_part.is_empty() {
                0
            } else {
                int_part.parse().map_err(|_| err("number too large"))?
            };
            let mut value = whole
                .checked_mul(scale)
                .ok_or_else(|| err("number too large"))?;
            // Go keeps fractional digits while they can still change the result.
            let mut frac_scale = scale;
            for digit in frac_part.bytes() {
                if frac_scale < 10 {
                    break;
                }
                frac_scale /= 10;
                value += u128::from(digit - b'0') * frac_scale;
            }
            total = total
                .checked_add(value)
                .ok_or_else(|| err("number too large"))?;
            if total > 1u128 << 63 {
                return Err(err(
                    "longer than Go's time.Duration can hold (about 292 years)",
                ));
            }
        }
        let nanos = if negative {
            -i128::try_from(total).map_err(|_| err("number too large"))?
        } else {
            i128::try_from(total).map_err(|_| err("number too large"))?
        };
        i64::try_from(nanos)
            .map(Duration::from_nanos)
            .map_err(|_| err("longer than Go's time.Duration can hold (about 292 years)"))
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration string such as 1h, 1m30s, 1.5s, 300ms or 0s")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Duration, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}
