//! The numbers migration files are named by (`0003_add_users.rs`): the one
//! rule both `cargo build` (ferro-build) and `revision -m` follow for the
//! next file. Not a public API: it changes without notice.

/// The number a file name starts with: 0 when it starts with no digit; the
/// name back as the error when the number is too long for a `u32` (it is not
/// none: the next file must still come after it).
pub fn number(file: &str) -> Result<u32, &str> {
    let digits: String = file.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return Ok(0);
    }
    digits.parse().map_err(|_| file)
}

/// The number of a new file after `files`: one more than the highest; the
/// name of the file no number can follow as the error.
pub fn next<'a>(files: impl IntoIterator<Item = &'a str>) -> Result<u32, &'a str> {
    let mut next = 1;
    for file in files {
        let after = number(file)?.checked_add(1).ok_or(file)?;
        next = next.max(after);
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_number_follows_the_highest() {
        assert_eq!(next([]), Ok(1));
        assert_eq!(next(["0001_a.rs", "hand_written.rs", "0007_b.rs"]), Ok(8));
        assert_eq!(next(["0001_a.rs", "4294967294_b.rs"]), Ok(u32::MAX));
        assert_eq!(next(["0001_a.rs", "4294967295_x.rs"]), Err("4294967295_x.rs"));
        assert_eq!(next(["99999999999_x.rs"]), Err("99999999999_x.rs"));
    }
}
