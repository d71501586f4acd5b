//! The seed slide's two examples, on named dims, with lazy chunked arrays:
//!
//! ```text
//! x = random((10000, 10000), chunks=(1000, 1000))
//! (x + x.T - x.mean("y")).std()
//! (x.dot(x.T + 1) - x.mean()).std()
//! ```
//!
//! `x` is 800 MB; it is never whole in memory: chunks are generated, used and freed.
//! Run: `cargo run --release --example seed -- [N] [--dot]` (N = 10000 by default;
//! `--dot` also runs the second example, which is 2·N³ flops).
//!
//! With named dims `x.T` *is* `x` (xarray aligns by name, so `x + x.T == 2x`); the
//! matrix transpose of the slide is the transpose with its dims renamed, which is what
//! `xt` is below.

use std::time::Instant;

use xr::lazy::LazyArray;
use xr::DataArray;

fn main() -> xr::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(10_000);
    let chunk = (n / 10).max(1);
    let x = DataArray::new(
        LazyArray::random(&[n, n], &[chunk, chunk], 42)?,
        &["x", "y"],
    )?;
    let xt = x
        .transpose(&["y", "x"])?
        .rename(&[("x", "tmp")])?
        .rename(&[("y", "x")])?
        .rename(&[("tmp", "y")])?;

    let t = Instant::now();
    let first = (&(&x + &xt)? - &x.mean(&["y"])?)?.std(&[])?;
    let first = first.values().get_flat(0)?;
    println!(
        "(x + x.T - x.mean(\"y\")).std() = {first}   [{n}x{n}, chunks {chunk}x{chunk}, {:.2?}]",
        t.elapsed()
    );

    if args.iter().any(|a| a == "--dot") {
        let t = Instant::now();
        // C[x, k] = sum_y x[x, y] * (x.T + 1)[y, k]: the matrix product, by dim name.
        let b = (&x + 1.0)?.rename(&[("x", "k")])?;
        let product = x.dot(&b, Some(&["y"]))?;
        let second = (&product - &x.mean(&[])?)?.std(&[])?;
        let second = second.values().get_flat(0)?;
        println!(
            "(x.dot(x.T + 1) - x.mean()).std() = {second}   [{:.2?}]",
            t.elapsed()
        );
    }
    Ok(())
}
