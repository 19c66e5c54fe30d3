//! The hand-off of a frame to an encoder: its visible rect converted (and scaled) to the
//! encoder's input format and size, read in place when nothing needs converting.

use ffmpeg::frame;
use ffmpeg_next as ffmpeg;

use super::session::SessionCore;
use super::VideoEncodeInput;
use crate::convert::{self, GreyChroma, ScalerCache};
use crate::Result;

/// The conversion state kept across frames (and sessions): the colour scaler, and for
/// `alpha: "keep"` the alpha plane's scaler and neutral chroma planes.
#[derive(Default)]
pub(crate) struct InputConverter {
    colour: ScalerCache,
    alpha: ScalerCache,
    grey: GreyChroma,
}

impl InputConverter {
    /// The picture of `input` in `session`'s input format and configured size (see
    /// [`convert::to_encoder_frame`]).
    pub(crate) fn colour(
        &mut self,
        input: &VideoEncodeInput,
        session: &SessionCore,
    ) -> Result<frame::Video> {
        let c = &session.cfg;
        let f = &input.frame;
        convert::to_encoder_frame(
            f,
            input.visible,
            c.width,
            c.height,
            session.pix,
            &mut self.colour,
        )
    }

    /// The alpha encoder's 8-bit picture of `input` at `session`'s configured size: its alpha
    /// plane as Y (see [`convert::to_alpha_frame`]).
    pub(crate) fn alpha(
        &mut self,
        input: &VideoEncodeInput,
        session: &SessionCore,
    ) -> Result<frame::Video> {
        let c = &session.cfg;
        let (f, scaler, grey) = (&input.frame, &mut self.alpha, &mut self.grey);
        convert::to_alpha_frame(f, input.visible, c.width, c.height, scaler, grey)
    }
}
