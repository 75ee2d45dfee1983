//! Exact divisibility for `multipleOf`: JSON numbers such as 0.01 are not exact in binary
//! floating point, so divisibility is decided on their shortest decimal spelling.

/// A decimal number `mantissa × 10^-scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    mantissa: i128,
    scale: u32,
}

impl Decimal {
    /// The decimal spelled by `value`'s shortest round-trip representation.
    pub fn from_f64(value: f64) -> Option<Self> {
        if !value.is_finite() {
            return None;
        }
        let text = format!("{value:e}");
        let (digits, exponent) = text.split_once('e')?;
        let exponent: i32 = exponent.parse().ok()?;
        let negative = digits.starts_with('-');
        let digits = digits.trim_start_matches('-');
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let mut mantissa: i128 = format!("{whole}{fraction}").parse().ok()?;
        let mut scale = i32::try_from(fraction.len()).ok()? - exponent;
        while scale < 0 {
            mantissa = mantissa.checked_mul(10)?;
            scale += 1;
        }
        if scale > 30 {
            return None;
        }
        if negative {
            mantissa = -mantissa;
        }
        Some(Decimal {
            mantissa,
            scale: u32::try_from(scale).ok()?,
        })
    }

    /// Whether `self / divisor` is an integer. `None` when the numbers are out of range.
    pub fn is_multiple_of(self, divisor: Decimal) -> Option<bool> {
        if divisor.mantissa == 0 {
            return None;
        }
        let scale = self.scale.max(divisor.scale);
        let a = self
            .mantissa
            .checked_mul(10i128.checked_pow(scale - self.scale)?)?;
        let b = divisor
            .mantissa
            .checked_mul(10i128.checked_pow(scale - divisor.scale)?)?;
        Some(a % b == 0)
    }
}

/// Whether `value` is a multiple of `divisor`, decided exactly where possible.
pub fn is_multiple(value: f64, divisor: f64) -> Option<bool> {
    Decimal::from_f64(value)?.is_multiple_of(Decimal::from_f64(divisor)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decides_decimal_divisibility_exactly() {
        assert_eq!(is_multiple(0.3, 0.1), Some(true));
        assert_eq!(is_multiple(0.05, 0.01), Some(true));
        assert_eq!(is_multiple(0.01, 0.05), Some(false));
        assert_eq!(is_multiple(10.0, 2.5), Some(true));
        assert_eq!(is_multiple(1e3, 7.0), Some(false));
        assert_eq!(is_multiple(-6.0, 3.0), Some(true));
    }
}
