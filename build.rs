//! Keeps the linker's relocations in the app's wasm (the binary trunk links, not the test
//! binaries): `w365-wasm-split` needs them to cut the module at its split points. The
//! post-build step that runs it is `js/postbuild.mjs`.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg-bins=--emit-relocs");
    }
}
