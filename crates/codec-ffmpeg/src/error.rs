//! The error type of the FFmpeg backends.

use codec_core::{CodecError, ErrorName};
use ffmpeg_next as ffmpeg;

/// Why a backend operation failed. The variants keep *malformed* input, *unsupported*
/// configurations, *resource limits* and *internal* failures apart (as Symphonia does); which
/// spec error each becomes is decided in one place, [`Error::name`].
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input (a chunk, an image, a description, a frame's samples) is corrupt or
    /// contradicts its format.
    #[error("malformed input: {0}")]
    Malformed(String),
    /// A valid configuration or input that this build cannot run.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A size or count beyond what is accepted from untrusted input.
    #[error("resource limit: {0}")]
    Limit(String),
    /// An FFmpeg call failed.
    #[error("{context}: {source}")]
    Ffmpeg {
        /// What was being done.
        context: &'static str,
        /// FFmpeg's error.
        #[source]
        source: ffmpeg::Error,
    },
    /// A libaom call (the direct path for AV1 temporal layers) failed.
    #[error("libaom: {0}")]
    Aom(String),
    /// A bitstream or container parser refused the data.
    #[error(transparent)]
    Parse(#[from] media_parse::Error),
    /// A rule of the specification (checked in codec-core) refused the operation; carries its
    /// own spec category.
    #[error(transparent)]
    Spec(#[from] CodecError),
    /// A state the code should never reach (a bug), or a panic caught at a boundary.
    #[error("internal error: {0}")]
    Internal(String),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A [`Error::Malformed`] with `message`.
    pub fn malformed(message: impl Into<String>) -> Self {
        Self::Malformed(message.into())
    }

    /// An [`Error::Unsupported`] with `message`.
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::Unsupported(message.into())
    }

    /// An [`Error::Limit`] with `message`.
    pub fn limit(message: impl Into<String>) -> Self {
        Self::Limit(message.into())
    }

    /// An [`Error::Internal`] with `message`.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::Internal(message.into())
    }

    /// An [`Error::Ffmpeg`]: `source` happened while doing `context`.
    pub fn ffmpeg(context: &'static str, source: ffmpeg::Error) -> Self {
        Self::Ffmpeg { context, source }
    }

    /// The spec error category this failure is reported as: malformed input, FFmpeg and libaom
    /// failures, limits and internal errors are `EncodingError`; unsupported configurations are
    /// `NotSupportedError`; parser errors follow their kind; spec errors keep their own name.
    pub fn name(&self) -> ErrorName {
        match self {
            Self::Unsupported(_) => ErrorName::NotSupportedError,
            Self::Parse(media_parse::Error::Unsupported(_)) => ErrorName::NotSupportedError,
            Self::Spec(e) => e.name,
            Self::Malformed(_)
            | Self::Limit(_)
            | Self::Ffmpeg { .. }
            | Self::Aom(_)
            | Self::Parse(_)
            | Self::Internal(_) => ErrorName::EncodingError,
        }
    }
}

impl From<Error> for CodecError {
    fn from(e: Error) -> Self {
        match e {
            Error::Spec(e) => e,
            e => CodecError::new(e.name(), e.to_string()),
        }
    }
}
