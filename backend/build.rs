//! Rebuilds the binary whenever the embedded frontend or the migrations change.
fn main() {
    println!("cargo:rerun-if-changed=../frontend/dist");
    println!("cargo:rerun-if-changed=../migrations");
}
