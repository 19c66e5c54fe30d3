//! Checks shared by several fuzz targets (a module of each target that uses it, not a target).

use std::fmt::Debug;

/// A record parsed from `data` re-serialises to `bytes` no longer than the input, and `bytes`
/// parse to the same record.
pub fn assert_reserialises<R: PartialEq + Debug, E: PartialEq + Debug>(
    data: &[u8],
    record: &R,
    bytes: &[u8],
    parse: impl Fn(&[u8]) -> Result<R, E>,
) {
    assert!(
        bytes.len() <= data.len(),
        "re-serialised record is no longer than the input"
    );
    assert_eq!(parse(bytes).as_ref(), Ok(record));
}
