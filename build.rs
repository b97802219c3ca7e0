//! Generates the C header for the library's C ABI (`src/jni/c_abi.rs`) into OUT_DIR. A test compares it with the
//! committed `include/connect_otel.h` and compiles a C program against that header.

fn main() {
    let crate_dir = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let out_dir = std::env::var("OUT_DIR").expect("OUT_DIR");
    println!("cargo:rerun-if-changed=src/jni/c_abi.rs");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let config = cbindgen::Config::from_file(format!("{crate_dir}/cbindgen.toml")).expect("cbindgen.toml");
    // Only src/jni/c_abi.rs: cbindgen would otherwise export every public constant of the crate.
    cbindgen::Builder::new()
        .with_src(format!("{crate_dir}/src/jni/c_abi.rs"))
        .with_config(config)
        .generate()
        .expect("generate the C header")
        .write_to_file(format!("{out_dir}/connect_otel.h"));
}
