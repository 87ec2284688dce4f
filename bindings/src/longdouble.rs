//! `long double` values, which on x86-64 are 80-bit extended precision
//! numbers in 16 bytes (sign, 15-bit exponent, 64-bit significand with an
//! explicit integer bit). Rust has no such type: Python sees them as
//! `float`, rounded to the nearest double on reading and widened exactly on
//! writing.

const BIAS_80: i32 = 16383;
const BIAS_64: i32 = 1023;

/// The double nearest to the extended value in `bytes`.
pub fn to_f64(bytes: &[u8; 16]) -> f64 {
    let significand = u64::from_le_bytes(bytes[..8].try_into().unwrap_or([0; 8]));
    let top = u16::from_le_bytes([bytes[8], bytes[9]]);
    let negative = top & 0x8000 != 0;
    let exponent = (top & 0x7fff) as i32;
    let magnitude = if exponent == 0x7fff {
        if significand << 1 == 0 { f64::INFINITY } else { f64::NAN }
    } else if significand == 0 {
        0.0
    } else {
        // The significand rounds once to 53 bits; the scaling by a power of
        // two is exact (done in steps that stay within a double's range).
        let mut value = significand as f64;
        let mut scale = exponent.max(1) - BIAS_80 - 63;
        while scale > 1000 {
            value *= 2f64.powi(1000);
            scale -= 1000;
        }
        while scale < -1000 {
            value *= 2f64.powi(-1000);
            scale += 1000;
        }
        value * 2f64.powi(scale)
    };
    if negative { -magnitude } else { magnitude }
}

/// `value` as an extended value (exact: every double is one).
pub fn from_f64(value: f64) -> [u8; 16] {
    let bits = value.to_bits();
    let negative = bits >> 63 != 0;
    let exponent = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1u64 << 52) - 1);
    let (top, significand) = if exponent == 0x7ff {
        (0x7fffu16, if fraction == 0 { 1u64 << 63 } else { (1u64 << 63) | (1u64 << 62) | (fraction << 11) })
    } else if exponent == 0 && fraction == 0 {
        (0, 0)
    } else if exponent == 0 {
        // A subnormal double is a normal extended value.
        let shift = fraction.leading_zeros() as i32;
        ((1 - BIAS_64 - (shift - 11) + BIAS_80) as u16, fraction << shift)
    } else {
        ((exponent - BIAS_64 + BIAS_80) as u16, (1u64 << 63) | (fraction << 11))
    };
    let top = top | if negative { 0x8000 } else { 0 };
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&significand.to_le_bytes());
    bytes[8..10].copy_from_slice(&top.to_le_bytes());
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_round_trip() {
        for v in [0.0, -0.0, 1.0, -2.5, 1e300, -1e-300, 5e-324, f64::MAX, f64::MIN_POSITIVE, f64::INFINITY, -f64::INFINITY] {
            assert_eq!(to_f64(&from_f64(v)).to_bits(), v.to_bits(), "{v}");
        }
        assert!(to_f64(&from_f64(f64::NAN)).is_nan());
    }

    #[test]
    fn one_is_the_x87_encoding() {
        // 1.0L: significand 0x8000000000000000, exponent 0x3fff.
        let one = from_f64(1.0);
        assert_eq!(&one[..10], &[0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f]);
    }
}
