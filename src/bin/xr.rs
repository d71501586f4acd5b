//! The `xr` command-line tool.

fn main() {
    println!("xr {}", env!("CARGO_PKG_VERSION"));
}
