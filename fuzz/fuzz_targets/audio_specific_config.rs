//! `AudioSpecificConfig::parse`: never panics; accepted configs have sane fields.
#![no_main]
use libfuzzer_sys::fuzz_target;
use media_parse::audio::aac::AudioSpecificConfig;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = AudioSpecificConfig::parse(data) {
        assert!(c.audio_object_type > 0 && c.audio_object_type < 96);
        assert!(c.channel_configuration <= 7);
        assert!(c.sampling_frequency > 0 && c.sampling_frequency < 1 << 24);
        if let Some(f) = c.extension_sampling_frequency {
            assert!(f > 0 && f < 1 << 24);
        }
    }
});
