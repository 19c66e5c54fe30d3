//! Links libaom (pkg-config `aom`) and generates bindings for the few encoder items
//! `src/aom.rs` uses (`<aom/aom_encoder.h>`, `<aom/aomcx.h>`).

use std::env;
use std::path::PathBuf;

fn main() {
    let lib = pkg_config::Config::new()
        .atleast_version("3.2.0")
        .probe("aom")
        .expect("libaom (pkg-config aom) not found: install libaom-dev");
    let mut builder = bindgen::Builder::default()
        .header_contents(
            "aom_wrapper.h",
            "#include <aom/aom_encoder.h>\n#include <aom/aomcx.h>\n",
        )
        .allowlist_function("aom_codec_av1_cx")
        .allowlist_function("aom_codec_enc_config_default")
        .allowlist_function("aom_codec_enc_init_ver")
        .allowlist_function("aom_codec_enc_config_set")
        .allowlist_function("aom_codec_encode")
        .allowlist_function("aom_codec_get_cx_data")
        .allowlist_function("aom_codec_control")
        .allowlist_function("aom_codec_destroy")
        .allowlist_function("aom_codec_error")
        .allowlist_function("aom_codec_error_detail")
        .allowlist_function("aom_img_wrap")
        .allowlist_type("aom_svc_params_t")
        .allowlist_type("aom_svc_layer_id_t")
        .allowlist_type("aom_svc_ref_frame_config_t")
        .allowlist_type("aome_enc_control_id")
        .allowlist_type("aom_rc_mode")
        .allowlist_type("aom_kf_mode")
        .allowlist_type("aom_tune_content")
        .allowlist_var("AOM_ENCODER_ABI_VERSION")
        .allowlist_var("AOM_USAGE_REALTIME")
        .allowlist_var("AOM_EFLAG_FORCE_KF")
        .allowlist_var("AOM_FRAME_IS_KEY")
        .allowlist_var("AOM_CODEC_USE_HIGHBITDEPTH")
        .allowlist_var("AOM_IMG_FMT_HIGHBITDEPTH")
        .allowlist_var("AOM_MAX_LAYERS")
        .allowlist_var("AOM_MAX_TS_LAYERS")
        .prepend_enum_name(false)
        // The workspace MSRV (1.80) has no `unsafe extern` blocks.
        .rust_target(bindgen::RustTarget::stable(77, 0).expect("known Rust target"))
        .layout_tests(false)
        .generate_comments(false);
    for p in &lib.include_paths {
        builder = builder.clang_arg(format!("-I{}", p.display()));
    }
    let bindings = builder.generate().expect("cannot generate libaom bindings");
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR")).join("aom_bindings.rs");
    bindings
        .write_to_file(out)
        .expect("cannot write libaom bindings");
}
