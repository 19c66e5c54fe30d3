//! The one error type of the parsers.

/// Why a parser refused its input. The variants keep *malformed*, *unsupported* and *limit*
/// cases apart (as Symphonia does), so a caller can tell a corrupt file (`EncodingError`,
/// `DataError`) from a valid one this project cannot handle (`NotSupportedError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The data ended inside a field that starts at byte `at` (bytes, not bits).
    #[error("data ends inside a field at byte {at}")]
    Truncated {
        /// Offset of the field that could not be read.
        at: usize,
    },
    /// A field holds a value its format does not allow.
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// A valid feature of the format that these parsers do not handle.
    #[error("unsupported {0}")]
    Unsupported(&'static str),
    /// A size or count beyond what we accept from untrusted input.
    #[error("{0} exceeds the limit")]
    Limit(&'static str),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
