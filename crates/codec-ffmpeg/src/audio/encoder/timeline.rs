//! The input timeline of an audio encoder: chunk timestamps are exact positions on it (rational
//! arithmetic, floored to µs), so they never drift, also across resampling.

use std::collections::VecDeque;

use crate::audio::samples_to_us;

/// Where the input samples lie in time: one segment per contiguous run of input.
#[derive(Debug)]
pub(crate) struct Timeline {
    /// The configured (input) rate.
    in_rate: u32,
    /// The encoder's rate.
    enc_rate: u32,
    /// Input samples (input rate) so far.
    in_samples: i64,
    /// (first input sample, timestamp) of each contiguous run of input.
    segments: VecDeque<(i64, i64)>,
}

impl Timeline {
    /// An empty timeline for input at `in_rate` encoded at `enc_rate`.
    pub(crate) fn new(in_rate: u32, enc_rate: u32) -> Self {
        Self {
            in_rate,
            enc_rate,
            in_samples: 0,
            segments: VecDeque::new(),
        }
    }

    /// Records `frames` input samples starting at `timestamp`. The first input and any input
    /// that does not follow the previous one (more than a sample off) start a new segment.
    pub(crate) fn input(&mut self, timestamp: i64, frames: i64) {
        let expected = self
            .segments
            .back()
            .map(|&(s0, t0)| t0 + samples_to_us(self.in_samples - s0, self.in_rate));
        let tolerance = samples_to_us(1, self.in_rate) + 1;
        if expected.is_none_or(|e| (timestamp - e).abs() > tolerance) {
            self.segments.push_back((self.in_samples, timestamp));
        }
        self.in_samples += frames;
    }

    /// The time of encoder-rate sample `pos` in the front segment.
    pub(crate) fn time_in_front(&self, pos: i64) -> i64 {
        let Some(&(s0, t0)) = self.segments.front() else {
            return 0;
        };
        let in_r = i128::from(self.in_rate);
        let enc_r = i128::from(self.enc_rate);
        let num = (i128::from(pos) * in_r - i128::from(s0) * enc_r) * 1_000_000;
        t0 + num.div_euclid(in_r * enc_r) as i64
    }

    /// Drops the segments that end before encoder-rate sample `pos`, then
    /// [`Self::time_in_front`].
    pub(crate) fn time_at(&mut self, pos: i64) -> i64 {
        let in_r = i128::from(self.in_rate);
        let enc_r = i128::from(self.enc_rate);
        while self.segments.len() > 1
            && i128::from(self.segments[1].0) * enc_r <= i128::from(pos) * in_r
        {
            self.segments.pop_front();
        }
        self.time_in_front(pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_map_exactly_across_rates_and_gaps() {
        let mut t = Timeline::new(44_100, 48_000);
        t.input(1_000, 441);
        t.input(11_000, 441);
        assert_eq!(t.time_at(0), 1_000);
        assert_eq!(t.time_at(480), 11_000);
        // A jump of more than a sample starts a segment; a continuation does not.
        t.input(5_000_000, 441);
        t.input(5_010_000, 10);
        assert_eq!(t.time_at(960), 5_000_000);
        assert_eq!(t.time_at(1440), 5_010_000);
    }
}
