//! FLAC's STREAMINFO metadata block (RFC 9639 §8.2), as a FLAC decoder `description` carries
//! it: the `fLaC` marker and metadata blocks of the stream start, or the bare block.

use crate::error::{Error, Result};
use crate::reader::ByteReader;

/// The size of a STREAMINFO block body.
pub const STREAMINFO_SIZE: usize = 34;

/// The STREAMINFO of a FLAC description: a bare 34-byte block, or `fLaC` followed by a first
/// metadata block of type 0 (STREAMINFO, as the format requires) at least 34 bytes long.
///
/// # Errors
/// [`Error::Malformed`] for anything else ([`Error::Truncated`] when the block is cut short).
pub fn streaminfo(description: &[u8]) -> Result<[u8; STREAMINFO_SIZE]> {
    if description.len() == STREAMINFO_SIZE {
        return ByteReader::new(description).array();
    }
    let mut r = ByteReader::new(description);
    if r.take(4).ok() != Some(b"fLaC".as_slice()) {
        return Err(Error::Malformed("FLAC description"));
    }
    // METADATA_BLOCK_HEADER: last-block flag and 7-bit type, 24-bit length.
    if r.u8()? & 0x7f != 0 {
        return Err(Error::Malformed(
            "first FLAC metadata block is not STREAMINFO",
        ));
    }
    if (r.u24_be()? as usize) < STREAMINFO_SIZE {
        return Err(Error::Malformed("STREAMINFO length"));
    }
    r.array()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn finds_the_streaminfo() {
        let block: Vec<u8> = (0..34).collect();
        assert_eq!(streaminfo(&block).map(|b| b.to_vec()), Ok(block.clone()));
        let mut stream = b"fLaC\x80\x00\x00\x22".to_vec();
        stream.extend_from_slice(&block);
        stream.extend_from_slice(b"more");
        assert_eq!(streaminfo(&stream).map(|b| b.to_vec()), Ok(block.clone()));
        let mut other = stream.clone();
        other[4] = 0x04; // a VORBIS_COMMENT block first
        assert!(matches!(streaminfo(&other), Err(Error::Malformed(_))));
        let mut short = stream.clone();
        short[7] = 0x21;
        assert_eq!(
            streaminfo(&short),
            Err(Error::Malformed("STREAMINFO length"))
        );
        assert!(streaminfo(&stream[..41]).is_err());
        assert!(streaminfo(&[0; 10]).is_err());
        assert!(streaminfo(&[]).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(tail in proptest::collection::vec(any::<u8>(), 0..48)) {
            let mut d = b"fLaC".to_vec();
            d.extend_from_slice(&tail);
            let _ = streaminfo(&d);
            let _ = streaminfo(&tail);
        }
    }
}
