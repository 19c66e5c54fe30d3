//! [`CodecError`]: a failure with the spec category ([`ErrorName`]) JavaScript sees. Every crate
//! of the workspace ends in it: codec-ffmpeg's errors convert into it at the worker boundary,
//! and the Node binding turns it into a `TypeError`, `RangeError` or `DOMException`.

use std::fmt;

/// The JavaScript error category a failure maps to.
///
/// `TypeError` and `RangeError` are plain JS errors; every other name is a `DOMException` with that
/// name (<https://webidl.spec.whatwg.org/#idl-DOMException-error-names>). Which one each
/// WebCodecs step throws is in the spec's algorithms (<https://w3c.github.io/webcodecs/>).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorName {
    /// Invalid argument or dictionary (WebIDL conversion or validity check).
    TypeError,
    /// A numeric argument out of its allowed range.
    RangeError,
    /// A valid configuration this implementation cannot run.
    NotSupportedError,
    /// A method called in the wrong codec or object state.
    InvalidStateError,
    /// Input that contradicts the rules (delta chunk where a key chunk is required).
    DataError,
    /// Encoding or decoding failed.
    EncodingError,
    /// Work abandoned by `reset()` or `close()`.
    AbortError,
    /// Codec reclaimed or a resource limit reached.
    QuotaExceededError,
    /// A transfer list names a detached or duplicate buffer.
    DataCloneError,
    /// Reading the `ImageDecoder`'s `ReadableStream` failed.
    NotReadableError,
}

impl ErrorName {
    /// The JS `name` of the error.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TypeError => "TypeError",
            Self::RangeError => "RangeError",
            Self::NotSupportedError => "NotSupportedError",
            Self::InvalidStateError => "InvalidStateError",
            Self::DataError => "DataError",
            Self::EncodingError => "EncodingError",
            Self::AbortError => "AbortError",
            Self::QuotaExceededError => "QuotaExceededError",
            Self::DataCloneError => "DataCloneError",
            Self::NotReadableError => "NotReadableError",
        }
    }

    /// Whether this name is thrown as a `DOMException` (everything except
    /// `TypeError`/`RangeError`).
    pub fn is_dom_exception(self) -> bool {
        !matches!(self, Self::TypeError | Self::RangeError)
    }
}

/// An error with its spec category and a human-readable message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {message}")]
pub struct CodecError {
    /// Spec category, decides the JS error type.
    pub name: ErrorName,
    /// Message for humans; tests never assert on it.
    pub message: String,
}

impl fmt::Display for ErrorName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! ctor {
    ($fn:ident, $name:ident) => {
        #[doc = concat!("A `", stringify!($name), "` with `message`.")]
        pub fn $fn(message: impl Into<String>) -> Self {
            Self {
                name: ErrorName::$name,
                message: message.into(),
            }
        }
    };
}

impl CodecError {
    /// An error of category `name`.
    pub fn new(name: ErrorName, message: impl Into<String>) -> Self {
        Self {
            name,
            message: message.into(),
        }
    }
    ctor!(type_error, TypeError);
    ctor!(range_error, RangeError);
    ctor!(not_supported, NotSupportedError);
    ctor!(invalid_state, InvalidStateError);
    ctor!(data, DataError);
    ctor!(encoding, EncodingError);
    ctor!(abort, AbortError);
    ctor!(data_clone, DataCloneError);
    ctor!(not_readable, NotReadableError);
}
