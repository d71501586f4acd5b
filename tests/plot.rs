//! PNG plots: files written, sized, coloured; errors for arrays that cannot be drawn.
#![cfg(feature = "plot")]
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use ndarray::Array2;
use xr::plot::{pcolormesh, MapOptions, NAN_COLOR};
use xr::{DataArray, Error};

/// A fresh directory for one test, removed when dropped (set `XR_KEEP_PLOTS=1` to look
/// at the images).
struct OutDir(PathBuf);

impl OutDir {
    fn new(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("xr-plot-{}-{test}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        OutDir(dir)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for OutDir {
    fn drop(&mut self) {
        if std::env::var_os("XR_KEEP_PLOTS").is_none() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A smooth field on a 2-degree global grid, latitudes descending, with a NaN patch.
fn air() -> DataArray {
    let lat: Vec<f64> = (0..90).map(|i| 89.0 - 2.0 * i as f64).collect();
    let lon: Vec<f64> = (0..180).map(|i| 2.0 * i as f64).collect();
    let data = Array2::from_shape_fn((lat.len(), lon.len()), |(i, j)| {
        let (la, lo) = (lat[i].to_radians(), lon[j].to_radians());
        if (10..20).contains(&i) && (30..50).contains(&j) {
            f64::NAN
        } else {
            273.15 + 30.0 * la.cos() + 5.0 * (2.0 * lo).sin()
        }
    });
    let lat_coord = xr::Variable::new(&["lat"], ndarray::Array1::from(lat).into_dyn())
        .unwrap()
        .with_attr("units", "degrees_north");
    let lon_coord = xr::Variable::new(&["lon"], ndarray::Array1::from(lon).into_dyn())
        .unwrap()
        .with_attr("units", "degrees_east");
    DataArray::new(data.into_dyn(), &["lat", "lon"])
        .unwrap()
        .with_coord_var("lat", lat_coord)
        .unwrap()
        .with_coord_var("lon", lon_coord)
        .unwrap()
        .with_name("air")
        .with_attr("units", "K")
        .with_attr("long_name", "Air temperature at 2 m")
}

/// (width, height, RGB pixels).
fn decode(path: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    assert!(channels >= 3, "expected RGB(A), got {:?}", info.color_type);
    let pixels = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    (info.width, info.height, pixels)
}

#[test]
fn pcolormesh_writes_a_coloured_png_with_grey_nans() {
    let dir = OutDir::new("map");
    let path = dir.join("air.png");
    pcolormesh(&air(), &path, &MapOptions::new()).unwrap();
    assert!(path.is_file());
    let (w, h, pixels) = decode(&path);
    assert_eq!((w, h), (900, 500));
    assert_eq!(pixels.len(), 900 * 500);
    let distinct: HashSet<[u8; 3]> = pixels.iter().copied().collect();
    assert!(distinct.len() > 50, "only {} colours", distinct.len());
    let (r, g, b) = NAN_COLOR;
    let grey = pixels.iter().filter(|p| **p == [r, g, b]).count();
    // 10 x 20 cells of about 3.5 x 2.4 pixels each.
    assert!(grey > 500, "only {grey} NaN-grey pixels");
    // The ends of viridis appear: the field spans the colour range.
    assert!(pixels.contains(&[68, 1, 84]));
    assert!(pixels.contains(&[253, 231, 37]));
}

#[test]
fn options_set_size_axes_and_range() {
    let dir = OutDir::new("opts");
    let path = dir.join("air_t.png");
    let opts = MapOptions::new()
        .size(400, 300)
        .title("transposed")
        .x("lat")
        .y("lon")
        .vmin(250.0)
        .vmax(350.0);
    pcolormesh(&air(), &path, &opts).unwrap();
    let (w, h, pixels) = decode(&path);
    assert_eq!((w, h), (400, 300));
    let distinct: HashSet<[u8; 3]> = pixels.iter().copied().collect();
    assert!(distinct.len() > 50, "only {} colours", distinct.len());

    let bad = MapOptions::new().vmin(2.0).vmax(1.0);
    let err = pcolormesh(&air(), &path, &bad).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }), "{err}");
}

#[test]
fn no_coordinates_and_integer_data_plot_by_position() {
    let da = DataArray::new(
        Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as i32).into_dyn(),
        &["y", "x"],
    )
    .unwrap();
    let dir = OutDir::new("plain");
    let path = dir.join("plain.png");
    pcolormesh(&da, &path, &MapOptions::new()).unwrap();
    assert_eq!(decode(&path).0, 900);
}

#[test]
fn errors_name_what_cannot_be_drawn() {
    let dir = OutDir::new("errors");
    let path = dir.join("x.png");
    let one_d = DataArray::new(ndarray::array![1.0, 2.0].into_dyn(), &["x"])
        .unwrap()
        .with_name("line");
    let err = pcolormesh(&one_d, &path, &MapOptions::new()).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }));
    assert!(err.to_string().contains("\"line\""), "{err}");

    let labelled = DataArray::new(ndarray::array![[1.0, 2.0]].into_dyn(), &["y", "x"])
        .unwrap()
        .with_coord("x", &["x"], vec!["a", "b"])
        .unwrap();
    let err = pcolormesh(&labelled, &path, &MapOptions::new()).unwrap_err();
    assert!(matches!(err, Error::UnsupportedDType { .. }), "{err}");
    assert!(err.to_string().contains("\"x\""), "{err}");

    let err = pcolormesh(&air(), &path, &MapOptions::new().x("time")).unwrap_err();
    assert!(matches!(err, Error::DimNotFound { ref dim, .. } if dim == "time"));

    let missing = dir.join("no/such/dir/air.png");
    let err = pcolormesh(&air(), &missing, &MapOptions::new()).unwrap_err();
    assert!(
        matches!(err, Error::Plot { ref path, .. } if *path == missing),
        "{err}"
    );
    let err = pcolormesh(&air(), &dir.join("air.jpg"), &MapOptions::new()).unwrap_err();
    assert!(matches!(err, Error::Plot { .. }), "{err}");
    assert!(!missing.exists());

    // A file that cannot be written: plotters' error is kept as the source.
    let taken = dir.join("taken.png");
    std::fs::create_dir_all(&taken).unwrap();
    let err = pcolormesh(&air(), &taken, &MapOptions::new()).unwrap_err();
    let cause = std::error::Error::source(&err).unwrap_or_else(|| panic!("{err:?}"));
    assert!(
        matches!(err, Error::Plot { ref path, .. } if *path == taken),
        "{err}"
    );
    assert!(err.to_string().contains(&cause.to_string()), "{err}");
}
