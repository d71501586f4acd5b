//! PNG plots of DataArrays (feature `plot`), like xarray's `DataArray.plot.pcolormesh`.
//!
//! Text is drawn with a bundled font (DejaVu Sans, `assets/fonts/`), so plots render the
//! same on machines without system fonts.
//!
//! ```no_run
//! use xr::plot::{pcolormesh, MapOptions};
//!
//! # fn main() -> xr::Result<()> {
//! let t = xr::DataArray::new(
//!     ndarray::array![[280.0, 285.0, 290.0], [275.0, f64::NAN, 282.0]].into_dyn(),
//!     &["lat", "lon"],
//! )?
//! .with_coord("lat", &["lat"], vec![10.0, 0.0])?
//! .with_coord("lon", &["lon"], vec![0.0, 10.0, 20.0])?
//! .with_name("t")
//! .with_attr("units", "K");
//! pcolormesh(&t, std::path::Path::new("t.png"), &MapOptions::new().title("Air temperature"))?;
//! # Ok(())
//! # }
//! ```

mod viridis;

use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::dataset::{DataArray, Variable};
use crate::error::{Error, Result};
use viridis::VIRIDIS;

/// The colour of cells whose value is NaN.
pub const NAN_COLOR: (u8, u8, u8) = (211, 211, 211);

const FONT: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
const FAMILY: &str = "sans-serif";

/// How [`pcolormesh`] draws: size, title, which dims go on which axis, colour range.
///
/// `MapOptions::new()` (the default) is a 900x500 PNG titled by the array's `long_name`
/// attribute or its name, with the first dim on y and the second on x, coloured from the
/// smallest to the largest finite value.
#[derive(Debug, Clone, PartialEq)]
pub struct MapOptions {
    width: u32,
    height: u32,
    title: Option<String>,
    x: Option<String>,
    y: Option<String>,
    vmin: Option<f64>,
    vmax: Option<f64>,
}

impl Default for MapOptions {
    fn default() -> Self {
        MapOptions {
            width: 900,
            height: 500,
            title: None,
            x: None,
            y: None,
            vmin: None,
            vmax: None,
        }
    }
}

impl MapOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The image size in pixels.
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.width = width;
        self.height = height;
        self
    }

    /// The title above the map.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// The dimension on the horizontal axis.
    pub fn x(mut self, dim: impl Into<String>) -> Self {
        self.x = Some(dim.into());
        self
    }

    /// The dimension on the vertical axis.
    pub fn y(mut self, dim: impl Into<String>) -> Self {
        self.y = Some(dim.into());
        self
    }

    /// The value at the low end of the colour map (default: the smallest finite value).
    pub fn vmin(mut self, vmin: f64) -> Self {
        self.vmin = Some(vmin);
        self
    }

    /// The value at the high end of the colour map (default: the largest finite value).
    pub fn vmax(mut self, vmax: f64) -> Self {
        self.vmax = Some(vmax);
        self
    }
}

/// Draws a 2-D DataArray as a filled map of cells to the PNG file `path`.
///
/// The axes show the dimension coordinates' values (or positions, for a dim without a
/// coordinate) with cell edges midway between centres, so irregular and descending
/// coordinates are drawn where they lie. Axis labels are the coordinate names with
/// their `units` attribute; the colour bar (viridis) is labelled with the array's
/// `units`. NaN cells are light grey ([`NAN_COLOR`]).
///
/// # Errors
/// - [`Error::InvalidArgument`] when the array is not 2-D or empty, a coordinate is not
///   1-D along its dim, not finite or not strictly monotonic, or the colour range is
///   not finite or has `vmin > vmax`, or the size is outside 200x150..=16384x16384;
/// - [`Error::DimNotFound`] when `opts` names a dim the array lacks;
/// - [`Error::UnsupportedDType`] for non-numeric data or coordinates;
/// - [`Error::Plot`] when `path` does not end in `.png` or cannot be written;
/// - any error from computing lazy data.
pub fn pcolormesh(da: &DataArray, path: &Path, opts: &MapOptions) -> Result<()> {
    let mesh = Mesh::new(da, opts)?;
    check_path(path)?;
    let (w, h) = (opts.width, opts.height);
    if !(200..=16384).contains(&w) || !(150..=16384).contains(&h) {
        return Err(Error::invalid_argument(
            "opts.width/height",
            format!("plot size {w}x{h}: width must be 200..=16384 and height 150..=16384 pixels"),
        ));
    }
    register_font()?;
    let plot_err = |doing: &str, source| Error::Plot {
        path: path.to_path_buf(),
        reason: doing.to_string(),
        source: Some(source),
    };
    let root = BitMapBackend::new(path, (opts.width, opts.height)).into_drawing_area();
    draw(&root, &mesh).map_err(|e| plot_err("drawing", e))?;
    root.present()
        .map_err(|e| plot_err("writing the PNG", e.into()))?;
    Ok(())
}

/// Everything drawn, in plot order: values by (y, x) and the cell edges.
struct Mesh {
    title: String,
    x_label: String,
    y_label: String,
    units: Option<String>,
    x_edges: Vec<f64>,
    y_edges: Vec<f64>,
    /// Row-major over (y, x).
    values: Vec<f64>,
    vmin: f64,
    vmax: f64,
}

impl Mesh {
    fn new(da: &DataArray, opts: &MapOptions) -> Result<Self> {
        let name = da.display_name();
        let dims = da.dims();
        if dims.len() != 2 {
            return Err(Error::invalid_argument(
                "da",
                format!("pcolormesh needs a 2-D DataArray; {name} has dims {dims:?}"),
            ));
        }
        let (y_axis, x_axis) = pick_axes(da, opts)?;
        let (y_dim, x_dim) = (&dims[y_axis], &dims[x_axis]);
        if !da.dtype().is_numeric() {
            return Err(Error::UnsupportedDType {
                op: format!("pcolormesh of DataArray {name}"),
                dtype: da.dtype(),
            });
        }
        let shape = da.shape();
        let (ny, nx) = (shape[y_axis], shape[x_axis]);
        if ny == 0 || nx == 0 {
            return Err(Error::invalid_argument(
                "da",
                format!("pcolormesh of DataArray {name}: nothing to draw, shape is {shape:?}"),
            ));
        }
        let (y_centres, y_label) = axis(da, y_dim, ny)?;
        let (x_centres, x_label) = axis(da, x_dim, nx)?;
        let flat = da.values().to_f64_vec()?;
        let values = if y_axis == 0 {
            flat
        } else {
            let mut v = Vec::with_capacity(flat.len());
            for iy in 0..ny {
                v.extend((0..nx).map(|ix| flat[ix * ny + iy]));
            }
            v
        };
        let (vmin, vmax) = colour_range(&values, opts)?;
        let attr = |k: &str| {
            da.attrs()
                .get(k)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        let title = opts
            .title
            .clone()
            .or_else(|| attr("long_name"))
            .or_else(|| da.name().map(str::to_owned))
            .unwrap_or_default();
        Ok(Mesh {
            title,
            x_label,
            y_label,
            units: attr("units"),
            x_edges: edges(&x_centres),
            y_edges: edges(&y_centres),
            values,
            vmin,
            vmax,
        })
    }

    fn range(edges: &[f64]) -> Range<f64> {
        let (a, b) = (edges[0], edges[edges.len() - 1]);
        a.min(b)..a.max(b)
    }
}

/// The axes of (y, x) in the array's dims.
fn pick_axes(da: &DataArray, opts: &MapOptions) -> Result<(usize, usize)> {
    let find = |dim: &str| {
        da.dims()
            .iter()
            .position(|d| d == dim)
            .ok_or_else(|| Error::DimNotFound {
                dim: dim.to_string(),
                context: format!("DataArray {}", da.display_name()),
                available: da.dims().to_vec(),
            })
    };
    let (y, x) = match (&opts.y, &opts.x) {
        (None, None) => (0, 1),
        (Some(y), None) => {
            let y = find(y)?;
            (y, 1 - y)
        }
        (None, Some(x)) => {
            let x = find(x)?;
            (1 - x, x)
        }
        (Some(y), Some(x)) => (find(y)?, find(x)?),
    };
    if y == x {
        return Err(Error::invalid_argument(
            "opts.x/y",
            format!("pcolormesh: x and y are both dim {:?}", da.dims()[x]),
        ));
    }
    Ok((y, x))
}

/// The centres along `dim` (its coordinate, or 0..n without one) and the axis label.
fn axis(da: &DataArray, dim: &str, n: usize) -> Result<(Vec<f64>, String)> {
    let Some(coord) = da.coords().get(dim) else {
        return Ok(((0..n).map(|i| i as f64).collect(), dim.to_string()));
    };
    let centres = coord_values(coord, dim)?;
    if centres.len() != n {
        return Err(Error::ShapeMismatch {
            what: format!("coordinate {dim:?}"),
            expected: vec![n],
            actual: coord.shape().to_vec(),
        });
    }
    let increasing = centres.windows(2).all(|w| w[0] < w[1]);
    let decreasing = centres.windows(2).all(|w| w[0] > w[1]);
    if !(increasing || decreasing) {
        return Err(Error::invalid_argument(
            "da",
            format!("pcolormesh: coordinate {dim:?} must be strictly increasing or decreasing"),
        ));
    }
    let label = match coord.attrs().get("units").and_then(|u| u.as_str()) {
        Some(units) if !units.is_empty() => format!("{dim} [{units}]"),
        _ => dim.to_string(),
    };
    Ok((centres, label))
}

fn coord_values(coord: &Variable, dim: &str) -> Result<Vec<f64>> {
    if coord.dims() != [dim] {
        return Err(Error::invalid_argument(
            "da",
            format!(
                "pcolormesh: coordinate {dim:?} must be 1-D along {dim:?}, has dims {:?}",
                coord.dims()
            ),
        ));
    }
    if !coord.dtype().is_numeric() {
        return Err(Error::UnsupportedDType {
            op: format!("using coordinate {dim:?} as a pcolormesh axis"),
            dtype: coord.dtype(),
        });
    }
    let values = coord.data().to_f64_vec()?;
    if values.iter().any(|v| !v.is_finite()) {
        return Err(Error::invalid_argument(
            "da",
            format!("pcolormesh: coordinate {dim:?} has NaN or infinite values"),
        ));
    }
    Ok(values)
}

/// Cell edges midway between centres, the outer ones half a step beyond the ends.
fn edges(centres: &[f64]) -> Vec<f64> {
    let n = centres.len();
    if n == 1 {
        return vec![centres[0] - 0.5, centres[0] + 0.5];
    }
    let mut e = Vec::with_capacity(n + 1);
    e.push(centres[0] - (centres[1] - centres[0]) / 2.0);
    e.extend(centres.windows(2).map(|w| (w[0] + w[1]) / 2.0));
    e.push(centres[n - 1] + (centres[n - 1] - centres[n - 2]) / 2.0);
    e
}

fn colour_range(values: &[f64], opts: &MapOptions) -> Result<(f64, f64)> {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let lo = finite.clone().fold(f64::INFINITY, f64::min);
    let hi = finite.fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    let (vmin, vmax) = (opts.vmin.unwrap_or(lo), opts.vmax.unwrap_or(hi));
    if !vmin.is_finite() || !vmax.is_finite() || vmin > vmax {
        return Err(Error::invalid_argument(
            "opts.vmin/vmax",
            format!(
            "pcolormesh: colour range vmin={vmin}, vmax={vmax} must be finite with vmin <= vmax"
        ),
        ));
    }
    if vmin == vmax {
        // One value: centre it in a unit range so it gets the middle colour.
        return Ok((vmin - 0.5, vmax + 0.5));
    }
    Ok((vmin, vmax))
}

/// The viridis colour of `v` on `[vmin, vmax]` (clipped), light grey for NaN.
fn colour(v: f64, vmin: f64, vmax: f64) -> RGBColor {
    if v.is_nan() {
        let (r, g, b) = NAN_COLOR;
        return RGBColor(r, g, b);
    }
    let t = ((v - vmin) / (vmax - vmin)).clamp(0.0, 1.0);
    // t in [0, 1], so the index is in 0..=255.
    let [r, g, b] = VIRIDIS[(t * 255.0).round() as usize];
    RGBColor(r, g, b)
}

fn check_path(path: &Path) -> Result<()> {
    let fail = |reason: &str| {
        Err(Error::Plot {
            path: path.to_path_buf(),
            reason: reason.to_string(),
            source: None,
        })
    };
    let is_png = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("png"));
    if !is_png {
        return fail("the file name must end in .png");
    }
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => {
            fail("its directory does not exist")
        }
        _ => Ok(()),
    }
}

fn register_font() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED
        .get_or_init(|| plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok());
    if ok {
        Ok(())
    } else {
        Err(Error::internal("the bundled font could not be loaded"))
    }
}

/// `v` with as many decimals as ticks a tenth of the axis span apart need ("50", "0.25").
fn tick_label(v: f64, span: &[f64]) -> String {
    let (a, b) = (span[0], span[span.len() - 1]);
    let step = (b - a).abs() / 10.0;
    let decimals = if step > 0.0 {
        (-step.log10()).ceil().clamp(0.0, 12.0) as usize
    } else {
        0
    };
    let s = format!("{v:.decimals$}");
    // "-0" reads as a different number than "0".
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        s.trim_start_matches('-').to_string()
    } else {
        s
    }
}

type DrawResult<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

const TITLE_PX: u32 = 22;
const LABEL_PX: u32 = 16;
const TICK_PX: u32 = 13;
const X_LABEL_AREA: u32 = 50;
const TOP_MARGIN: u32 = 10;

fn draw(root: &DrawingArea<BitMapBackend<'_>, Shift>, mesh: &Mesh) -> DrawResult<()> {
    root.fill(&WHITE)?;
    let root = if mesh.title.is_empty() {
        root.clone()
    } else {
        root.titled(&mesh.title, (FAMILY, TITLE_PX).into_font())?
    };
    let (width, _) = root.dim_in_pixel();
    // The colour bar takes a fixed share so small plots keep most room for the map.
    let bar_px = (width / 7).clamp(90, 130);
    let (map_area, bar_area) = root.split_horizontally(width.saturating_sub(bar_px));
    draw_map(&map_area, mesh)?;
    draw_colorbar(&bar_area, mesh)?;
    Ok(())
}

fn draw_map(area: &DrawingArea<BitMapBackend<'_>, Shift>, mesh: &Mesh) -> DrawResult<()> {
    let mut chart = ChartBuilder::on(area)
        .margin_top(TOP_MARGIN)
        .margin_left(10)
        .margin_right(10)
        .x_label_area_size(X_LABEL_AREA)
        .y_label_area_size(75)
        .build_cartesian_2d(Mesh::range(&mesh.x_edges), Mesh::range(&mesh.y_edges))?;
    let nx = mesh.x_edges.len() - 1;
    let cells = mesh.values.iter().enumerate().map(|(i, &v)| {
        let (iy, ix) = (i / nx, i % nx);
        let (x0, x1) = (mesh.x_edges[ix], mesh.x_edges[ix + 1]);
        let (y0, y1) = (mesh.y_edges[iy], mesh.y_edges[iy + 1]);
        Rectangle::new(
            [(x0.min(x1), y0.max(y1)), (x0.max(x1), y0.min(y1))],
            colour(v, mesh.vmin, mesh.vmax).filled(),
        )
    });
    chart.draw_series(cells)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(mesh.x_label.as_str())
        .y_desc(mesh.y_label.as_str())
        .axis_desc_style((FAMILY, LABEL_PX))
        .label_style((FAMILY, TICK_PX))
        .x_labels(8)
        .y_labels(6)
        .x_label_formatter(&|v| tick_label(*v, &mesh.x_edges))
        .y_label_formatter(&|v| tick_label(*v, &mesh.y_edges))
        .draw()?;
    Ok(())
}

fn draw_colorbar(area: &DrawingArea<BitMapBackend<'_>, Shift>, mesh: &Mesh) -> DrawResult<()> {
    let (vmin, vmax) = (mesh.vmin, mesh.vmax);
    let mut builder = ChartBuilder::on(area);
    builder
        .margin_top(TOP_MARGIN)
        .margin_left(5)
        .margin_right(5)
        .set_label_area_size(LabelAreaPosition::Bottom, X_LABEL_AREA)
        .set_label_area_size(LabelAreaPosition::Right, 60);
    let mut chart = builder.build_cartesian_2d(0.0..1.0, vmin..vmax)?;
    let steps = VIRIDIS.len();
    let step = (vmax - vmin) / steps as f64;
    chart.draw_series((0..steps).map(|i| {
        let lo = vmin + step * i as f64;
        let [r, g, b] = VIRIDIS[i];
        Rectangle::new([(0.0, lo + step), (1.0, lo)], RGBColor(r, g, b).filled())
    }))?;
    let span = [vmin, vmax];
    let fmt = |v: &f64| tick_label(*v, &span);
    let mut axes = chart.configure_mesh();
    axes.disable_mesh()
        .disable_x_axis()
        .label_style((FAMILY, TICK_PX))
        .axis_desc_style((FAMILY, LABEL_PX))
        .y_labels(8)
        .y_label_formatter(&fmt);
    if let Some(units) = &mesh.units {
        axes.y_desc(units.as_str());
    }
    axes.draw()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_are_midway_and_follow_descending_centres() {
        assert_eq!(edges(&[0.0, 1.0, 3.0]), vec![-0.5, 0.5, 2.0, 4.0]);
        assert_eq!(edges(&[10.0, 0.0]), vec![15.0, 5.0, -5.0]);
        assert_eq!(edges(&[2.0]), vec![1.5, 2.5]);
    }

    #[test]
    fn tick_labels_use_the_decimals_the_span_needs() {
        assert_eq!(tick_label(50.0, &[0.0, 360.0]), "50");
        assert_eq!(tick_label(0.25, &[0.0, 1.0]), "0.2");
        assert_eq!(tick_label(0.25, &[0.0, 0.5]), "0.25");
        assert_eq!(tick_label(-0.0001, &[-1.0, 1.0]), "0.0");
    }

    #[test]
    fn colours_clip_and_mark_nan() {
        assert_eq!(colour(-5.0, 0.0, 1.0), RGBColor(68, 1, 84));
        assert_eq!(colour(5.0, 0.0, 1.0), RGBColor(253, 231, 37));
        assert_eq!(colour(f64::NAN, 0.0, 1.0), RGBColor(211, 211, 211));
    }
}
