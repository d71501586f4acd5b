//! Byte sizes on the command line: `--memory-budget 512M`.

/// Bytes from `text`: a whole number, optionally followed by `K`, `M`, `G` or `T` (powers
/// of 1024, as `ulimit` and batch schedulers' memory requests count), which may be
/// followed by `B` or `iB`: `1073741824`, `1G`, `1GiB` and `1024MB` are the same size.
pub fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits);
    let bad = || {
        format!("{text:?} is not a size: write bytes, or a number with K, M, G or T (e.g. 512M)")
    };
    let n: usize = number.parse().map_err(|_| bad())?;
    let unit = unit.trim_start().to_ascii_uppercase();
    let unit = unit
        .strip_suffix("IB")
        .or_else(|| unit.strip_suffix('B'))
        .unwrap_or(&unit);
    let power = match unit {
        "" => 0,
        "K" => 1,
        "M" => 2,
        "G" => 3,
        "T" => 4,
        _ => return Err(bad()),
    };
    n.checked_mul(1usize << (10 * power))
        .ok_or_else(|| format!("{text:?} is more bytes than this machine can count"))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_in_bytes_and_binary_units() {
        assert_eq!(parse_size("1073741824"), Ok(1 << 30));
        for s in ["1G", "1GiB", "1gb", "1024M", "1024 MB", "1048576K"] {
            assert_eq!(parse_size(s), Ok(1 << 30), "{s}");
        }
        assert_eq!(parse_size("0"), Ok(0));
        for bad in ["", "G", "1.5G", "-1", "12X", "1 GiB extra"] {
            let err = parse_size(bad).unwrap_err();
            assert!(err.contains("is not a size"), "{bad}: {err}");
        }
        assert!(parse_size("99999999999T").is_err());
    }
}
