//! GEP-2257 durations, the only duration format of the Gateway API.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A Gateway API duration (GEP-2257): one to four parts of 1-5 digits and a unit `h`, `m`, `s`
/// or `ms`, such as `1h30m5s`, `500ms` or `0s` (CRD pattern `^([0-9]{1,5}(h|m|s|ms)){1,4}$`).
/// No fractions (`1.5s` is `1s500ms`), no sign, no `us`/`ns`: Istio's durations are a
/// different format ([`crate::Duration`]).
///
/// Written back in GEP-2257's canonical form: the largest units first, zero parts left out, `0s`
/// for zero (so `90m` is written `1h30m`: the same value, one spelling).
///
/// ```
/// use istio_grpc_types::gateway_api::Duration;
///
/// let d: Duration = "1h30m5s".parse()?;
/// assert_eq!(d.as_millis(), 5_405_000);
/// assert_eq!("90m".parse::<Duration>()?.to_string(), "1h30m");
/// assert_eq!(Duration::from_millis(1_500).to_string(), "1s500ms");
/// assert_eq!(Duration::ZERO.to_string(), "0s");
/// assert!("1.5s".parse::<Duration>().is_err());
/// # Ok::<(), istio_grpc_types::gateway_api::DurationError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Duration {
    millis: u64,
}

/// Why a string is not a GEP-2257 duration.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid Gateway API duration {input:?}: {reason} (GEP-2257: 1 to 4 parts of up to 5 digits with h, m, s or ms, such as 1h30m5s, 500ms or 0s; no fractions: 1.5s is 1s500ms)"
)]
pub struct DurationError {
    input: String,
    reason: &'static str,
}

const MS_PER_S: u64 = 1_000;
const MS_PER_M: u64 = 60 * MS_PER_S;
const MS_PER_H: u64 = 60 * MS_PER_M;

impl Duration {
    /// No time; on HTTPRoute `timeouts`, `0s` disables the timeout.
    pub const ZERO: Duration = Duration { millis: 0 };

    /// A duration of whole milliseconds.
    pub const fn from_millis(millis: u64) -> Self {
        Duration { millis }
    }

    /// A duration of whole seconds.
    pub const fn from_secs(secs: u64) -> Self {
        Duration {
            millis: secs.saturating_mul(MS_PER_S),
        }
    }

    /// The length in milliseconds.
    pub const fn as_millis(self) -> u64 {
        self.millis
    }

    /// Whether this is zero.
    pub const fn is_zero(self) -> bool {
        self.millis == 0
    }

    /// The same span as a [`std::time::Duration`].
    pub const fn to_std(self) -> std::time::Duration {
        std::time::Duration::from_millis(self.millis)
    }

    /// The same span as an Istio duration (what Istio's conversion writes into a VirtualService).
    pub fn to_istio(self) -> crate::Duration {
        crate::Duration::from_millis(i64::try_from(self.millis).unwrap_or(i64::MAX))
    }
}

impl TryFrom<std::time::Duration> for Duration {
    type Error = DurationError;

    /// Whole milliseconds only: GEP-2257 has no smaller unit.
    fn try_from(d: std::time::Duration) -> Result<Self, DurationError> {
        let err = |reason| DurationError {
            input: format!("{d:?}"),
            reason,
        };
        if !d.subsec_nanos().is_multiple_of(1_000_000) {
            return Err(err("finer than a millisecond"));
        }
        u64::try_from(d.as_millis())
            .map(Duration::from_millis)
            .map_err(|_| err("too long"))
    }
}

impl fmt::Display for Duration {
    /// GEP-2257's canonical form: `1h30m5s`, `500ms`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.millis == 0 {
            return f.write_str("0s");
        }
        let mut rest = self.millis;
        for (unit, size) in [("h", MS_PER_H), ("m", MS_PER_M), ("s", MS_PER_S), ("ms", 1)] {
            let n = rest / size;
            rest %= size;
            if n > 0 {
                write!(f, "{n}{unit}")?;
            }
        }
        Ok(())
    }
}

impl FromStr for Duration {
    type Err = DurationError;

    fn from_str(input: &str) -> Result<Self, DurationError> {
        let err = |reason| DurationError {
            input: input.to_owned(),
            reason,
        };
        if input.is_empty() {
            return Err(err("empty"));
        }
        let mut s = input;
        let mut parts = 0;
        let mut total: u64 = 0;
        while !s.is_empty() {
            parts += 1;
            if parts > 4 {
                return Err(err("more than 4 parts"));
            }
            let digits = s.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(err(if s.starts_with(['-', '+']) {
                    "a sign is not allowed"
                } else {
                    "a number is missing"
                }));
            }
            if digits > 5 {
                return Err(err("a part has more than 5 digits"));
            }
            let (number, rest) = s.split_at(digits);
            let n: u64 = number.parse().map_err(|_| err("not a number"))?;
            let (size, rest) = if let Some(r) = rest.strip_prefix("ms") {
                (1, r)
            } else if let Some(r) = rest.strip_prefix('h') {
                (MS_PER_H, r)
            } else if let Some(r) = rest.strip_prefix('m') {
                (MS_PER_M, r)
            } else if let Some(r) = rest.strip_prefix('s') {
                (MS_PER_S, r)
            } else if rest.starts_with('.') {
                return Err(err("a fraction is not allowed"));
            } else if rest.is_empty() {
                return Err(err("a unit is missing (h, m, s or ms)"));
            } else {
                return Err(err("unknown unit (use h, m, s or ms)"));
            };
            total += n * size; // at most 4 × 99999h: far below u64::MAX
            s = rest;
        }
        Ok(Duration { millis: total })
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
                f.write_str("a Gateway API duration such as 1h30m5s, 500ms or 0s")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Duration, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_unit_and_writes_the_canonical_form() {
        for (input, millis, canonical) in [
            ("0s", 0, "0s"),
            ("0ms", 0, "0s"),
            ("1h", 3_600_000, "1h"),
            ("90m", 5_400_000, "1h30m"),
            ("1h30m5s", 5_405_000, "1h30m5s"),
            ("500ms", 500, "500ms"),
            ("1s500ms", 1_500, "1s500ms"),
            ("10s1h", 3_610_000, "1h10s"),
        ] {
            let d: Duration = input.parse().unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(d.as_millis(), millis, "{input}");
            assert_eq!(d.to_string(), canonical, "{input}");
        }
    }

    #[test]
    fn refuses_what_the_crd_pattern_refuses() {
        for (input, reason) in [
            ("", "empty"),
            ("1.5s", "a fraction is not allowed"),
            ("-1s", "a sign is not allowed"),
            ("5", "a unit is missing"),
            ("5us", "unknown unit"),
            ("123456s", "more than 5 digits"),
            ("1h1m1s1ms1h", "more than 4 parts"),
            ("s", "a number is missing"),
        ] {
            let e = input.parse::<Duration>().expect_err(input).to_string();
            assert!(e.contains(reason), "{input}: {e}");
        }
    }

    #[test]
    fn converts_to_istio_and_std() {
        let d: Duration = "1s500ms".parse().expect("valid");
        assert_eq!(d.to_istio().to_string(), "1.500s");
        assert_eq!(d.to_std(), std::time::Duration::from_millis(1_500));
        assert!(Duration::try_from(std::time::Duration::from_micros(1)).is_err());
    }
}
