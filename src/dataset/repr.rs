//! Text representations in the layout of xarray's `repr`.

use std::fmt::{self, Write as _};

use indexmap::IndexMap;

use super::multi_index::MultiIndex;
use super::{Attrs, DataArray, Dataset, Variable};
use crate::array::{DType, NdArray, Scalar};
use crate::lazy::Data;
use crate::lazy::LazyArray;

/// Total width of a summary line, as xarray's `display_width`.
const DISPLAY_WIDTH: usize = 80;
/// Above this many elements, arrays print only their edges.
const SUMMARIZE_THRESHOLD: usize = 1000;
/// Elements kept at each edge of a summarized axis.
const EDGE_ITEMS: usize = 3;

impl fmt::Display for Dataset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.render(&mut s)?;
        f.write_str(s.trim_end_matches('\n'))
    }
}

impl Dataset {
    fn render(&self, f: &mut String) -> fmt::Result {
        let nbytes: usize = self
            .variables()
            .values()
            .map(|v| numpy_nbytes(v.data()))
            .sum();
        writeln!(f, "<xr.Dataset> Size: {}", human_bytes(nbytes))?;
        let col = col_width(self.variables().keys().map(String::len));
        let dims = self.dims();
        writeln!(f, "{}({})", pad("Dimensions:", col), dims_str(&dims))?;
        let coords: Vec<_> = self.coords().collect();
        if !coords.is_empty() {
            writeln!(f, "Coordinates:")?;
            let stacked = stacked_dims(self);
            for (name, var) in coords {
                writeln!(
                    f,
                    "{}",
                    coord_line(name, var, col, self.indexes().contains_key(name), &stacked)
                )?;
            }
        }
        write_unindexed_dims(f, &dims, |d| {
            self.variables().contains_key(d) && self.is_coord(d)
        })?;
        writeln!(f, "Data variables:")?;
        let data_vars: Vec<_> = self.data_vars().collect();
        if data_vars.is_empty() {
            writeln!(f, "    *empty*")?;
        }
        for (name, var) in data_vars {
            writeln!(f, "{}", summary_line(name, ' ', var, col))?;
        }
        write_attrs(f, self.attrs())
    }
}

impl fmt::Display for DataArray {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.render(&mut s)?;
        f.write_str(s.trim_end_matches('\n'))
    }
}

impl DataArray {
    fn render(&self, f: &mut String) -> fmt::Result {
        let name = self.name().map(|n| format!("'{n}' ")).unwrap_or_default();
        let sizes = self.sizes();
        write!(f, "<xr.DataArray {name}")?;
        if !sizes.is_empty() {
            write!(f, "({})", dims_str(&sizes))?;
        }
        writeln!(f, "> Size: {}", human_bytes(numpy_nbytes(self.values())))?;
        writeln!(f, "{}", array_repr(self.values()))?;
        let col = col_width(self.coords().keys().map(String::len));
        if !self.coords().is_empty() {
            writeln!(f, "Coordinates:")?;
            let stacked = stacked_dims(&self.to_dataset());
            for (cname, var) in self.coords() {
                writeln!(
                    f,
                    "{}",
                    coord_line(
                        cname,
                        var,
                        col,
                        self.indexes().contains_key(cname),
                        &stacked
                    )
                )?;
            }
        }
        write_unindexed_dims(f, &sizes, |d| self.coords().contains_key(d))?;
        write_attrs(f, self.attrs())
    }
}

impl fmt::Display for Variable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.render(&mut s)?;
        f.write_str(s.trim_end_matches('\n'))
    }
}

impl Variable {
    fn render(&self, f: &mut String) -> fmt::Result {
        writeln!(
            f,
            "<xr.Variable ({})> Size: {}",
            dims_str(&self.sizes()),
            human_bytes(numpy_nbytes(self.data()))
        )?;
        writeln!(f, "{}", array_repr(self.data()))?;
        write_attrs(f, self.attrs())
    }
}

/// The stacked dims of `ds` that show as a MultiIndex, with their level names.
fn stacked_dims(ds: &Dataset) -> IndexMap<String, Vec<String>> {
    ds.dims()
        .keys()
        .filter_map(|d| {
            let mi = MultiIndex::displayed(ds, d)?;
            Some((
                d.clone(),
                mi.names().iter().map(|n| n.to_string()).collect(),
            ))
        })
        .collect()
}

/// A coordinate's line: a stacked dim's coordinate shows as xarray shows a MultiIndex
/// (`object`, 8 bytes a label, `MultiIndex` for values), and its levels are marked as
/// indexed, as xarray marks them.
fn coord_line(
    name: &str,
    var: &Variable,
    col: usize,
    indexed: bool,
    stacked: &IndexMap<String, Vec<String>>,
) -> String {
    if stacked.contains_key(name) {
        let first = pad(&format!("  * {name} "), col);
        return format!(
            "{first}({}) object {} MultiIndex",
            var.dims().join(", "),
            human_bytes(var.data().len() * 8)
        );
    }
    let level = stacked
        .values()
        .any(|levels| levels.iter().any(|l| l == name));
    summary_line(name, if indexed || level { '*' } else { ' ' }, var, col)
}

fn col_width(names: impl Iterator<Item = usize>) -> usize {
    names.max().unwrap_or(0).max(7) + 6
}

fn pad(s: &str, width: usize) -> String {
    format!("{s:<width$}")
}

fn dims_str(dims: &IndexMap<String, usize>) -> String {
    dims.iter()
        .map(|(d, n)| format!("{d}: {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn write_unindexed_dims(
    f: &mut String,
    dims: &IndexMap<String, usize>,
    has_coord: impl Fn(&str) -> bool,
) -> fmt::Result {
    let bare: Vec<&str> = dims
        .keys()
        .map(String::as_str)
        .filter(|d| !has_coord(d))
        .collect();
    if bare.is_empty() {
        Ok(())
    } else {
        writeln!(f, "Dimensions without coordinates: {}", bare.join(", "))
    }
}

/// The attributes section; its column width comes from the attribute names alone, as
/// in xarray.
fn write_attrs(f: &mut String, attrs: &Attrs) -> fmt::Result {
    if attrs.is_empty() {
        return Ok(());
    }
    let col = col_width(attrs.keys().map(String::len));
    write!(f, "Attributes:")?;
    for (k, v) in attrs {
        let line = format!(
            "{} {}",
            pad(&format!("    {k}:"), col),
            v.to_string().replace('\n', "\\n")
        );
        write!(f, "\n{}", truncate(&line, DISPLAY_WIDTH))?;
    }
    Ok(())
}

fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(width - 3).collect();
        out.push_str("...");
        out
    }
}

/// `    name     (dims) dtype size values...`, one line, at most the display width.
fn summary_line(name: &str, marker: char, var: &Variable, col: usize) -> String {
    let first = pad(&format!("  {marker} {name} "), col);
    let dims = if var.ndim() == 0 {
        String::new()
    } else {
        format!("({}) ", var.dims().join(", "))
    };
    let front = format!(
        "{first}{dims}{} {} ",
        dtype_str(var.data()),
        human_bytes(numpy_nbytes(var.data()))
    );
    let room = DISPLAY_WIDTH.saturating_sub(front.chars().count());
    format!("{front}{}", flat_values(var.data(), room))
}

/// The size numpy would report: strings count 4 bytes per character of the longest.
fn numpy_nbytes(a: &Data) -> usize {
    match a.dtype() {
        DType::Str => 4 * longest_str(a) * a.len(),
        _ => a.nbytes(),
    }
}

fn longest_str(a: &Data) -> usize {
    a.as_array::<String>()
        .and_then(|s| s.iter().map(|x| x.chars().count()).max())
        .unwrap_or(0)
}

pub(super) fn dtype_str(a: &Data) -> String {
    match a.dtype() {
        DType::Str if a.is_lazy() => "object".to_string(),
        DType::Str => format!("<U{}", longest_str(a)),
        other => other.name().to_string(),
    }
}

/// As many values from the front and back as fit in `width`, joined by `...`
/// (xarray's `format_array_flat`, step for step).
pub(super) fn flat_values(a: &Data, width: usize) -> String {
    let a = match a {
        Data::Eager(a) => a,
        Data::Lazy(l) => return format!("xr.lazy<chunksize={}>", chunksize(l)),
    };
    let n = a.len();
    let item = |i: usize| a.get_flat(i).map(|s| format_item(&s)).unwrap_or_default();
    let relevant = n.max(1).min(width.div_ceil(2).max(2));
    let front: Vec<String> = (0..relevant.div_ceil(2).min(n)).map(item).collect();
    let back: Vec<String> = (n.saturating_sub(relevant / 2)..n).map(item).collect();
    let mut interleaved: Vec<&String> = Vec::new();
    for k in 0..front.len().max(back.len()) {
        interleaved.extend(front.get(k));
        interleaved.extend(back.iter().rev().nth(k));
    }
    interleaved.truncate(relevant);
    let mut cum = Vec::with_capacity(interleaved.len());
    let mut total = 0usize;
    for s in &interleaved {
        total += s.len() + 1;
        cum.push(total - 1);
    }
    let padding = " ... ";
    let (count, padding) = if n > 2 && (relevant < n || cum.iter().any(|&c| c > width)) {
        let first_over = cum
            .iter()
            .position(|&c| c + padding.len() - 1 > width)
            .unwrap_or(0);
        (n.min(first_over.max(2)), padding)
    } else {
        (n, if n <= 1 { "" } else { " " })
    };
    let num_front = count.div_ceil(2);
    let num_back = count - num_front;
    let out = format!(
        "{}{padding}{}",
        front[..num_front.min(front.len())].join(" "),
        back[back.len() - num_back.min(back.len())..].join(" ")
    );
    if out.chars().count() > width {
        let mut cut: String = out.chars().take(width.saturating_sub(3)).collect();
        cut.push_str("...");
        cut
    } else {
        out
    }
}

/// One value as xarray prints it in a summary line.
pub(crate) fn format_item(s: &Scalar) -> String {
    match s {
        Scalar::F64(v) => format_float(*v, 4),
        Scalar::Str(v) => format!("'{v}'"),
        // xarray's `format_timestamp`: a datetime at midnight shows its date alone.
        Scalar::DateTime(..) => {
            let text = s.to_string();
            match text.strip_suffix("T00:00:00") {
                Some(date) => date.to_string(),
                None => text,
            }
        }
        other => other.to_string(),
    }
}

/// Python's `format(v, ".{precision}")`: `g` with at least one decimal in fixed notation.
fn format_float(v: f64, precision: usize) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.into();
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    let exp = format!("{:.*e}", precision - 1, v);
    let (mantissa, e) = exp.split_once('e').unwrap_or((&exp, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    if e < -4 || e >= precision as i32 {
        let m = trim_zeros(mantissa);
        format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
    } else {
        let decimals = (precision as i32 - 1 - e).max(0) as usize;
        let fixed = trim_zeros(&format!("{v:.decimals$}"));
        if fixed.contains('.') {
            fixed
        } else {
            format!("{fixed}.0")
        }
    }
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

/// xarray's `render_human_readable_nbytes`: decimal units, no fraction.
fn human_bytes(n: usize) -> String {
    const UNITS: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    let mut v = n as f64;
    let mut unit = UNITS[0];
    for u in UNITS {
        unit = u;
        if v < 1000.0 || u == UNITS[UNITS.len() - 1] {
            break;
        }
        v /= 1000.0;
    }
    format!("{v:.0}{unit}")
}

/// A shape as Python prints a tuple: `(3,)`, `(2, 3)`.
fn tuple(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The largest chunk's shape, as dask prints `chunksize`.
fn chunksize(l: &LazyArray) -> String {
    let sizes: Vec<usize> = l
        .chunks()
        .iter()
        .map(|c| c.iter().copied().max().unwrap_or(0))
        .collect();
    tuple(&sizes)
}

/// numpy's `repr` of an array: `array([[1., 2.], [3., 4.]])`, edges only when large.
/// Only the elements shown are formatted, so printing a huge array is cheap.
pub(super) fn array_repr(a: &Data) -> String {
    let a = match a {
        Data::Eager(a) => a,
        Data::Lazy(l) => {
            return format!(
                "xr.lazy<shape={}, dtype={}, chunksize={}>",
                tuple(l.shape()),
                dtype_str(&Data::Lazy(l.clone())),
                chunksize(l)
            )
        }
    };
    let summarize = a.len() > SUMMARIZE_THRESHOLD;
    let shape = a.shape().to_vec();
    let mut offsets = Vec::new();
    if shape.is_empty() {
        offsets.push(0);
    } else {
        shown_offsets(&shape, 0, 0, summarize, &mut offsets);
    }
    let strs: std::collections::HashMap<usize, String> = offsets
        .iter()
        .copied()
        .zip(element_strings(a, &offsets))
        .collect();
    let width = strs.values().map(String::len).max().unwrap_or(0);
    let mut out = String::from("array(");
    if shape.is_empty() {
        out.push_str(strs.get(&0).map(String::as_str).unwrap_or(""));
    } else {
        let layout = Layout {
            shape: &shape,
            strs: &strs,
            width,
            summarize,
            indent: "array(".len(),
        };
        layout.nest(&mut out, 0, 0);
    }
    match a.dtype() {
        DType::I64 | DType::F64 | DType::Bool => {}
        DType::Str => {
            let _ = write!(out, ", dtype='<U{}'", longest_str(&Data::Eager(a.clone())));
        }
        other => {
            let _ = write!(out, ", dtype={}", other.name());
        }
    }
    out.push(')');
    out
}

/// The positions shown along `axis`: all, or the edges with `None` for the ellipsis.
fn shown_positions(n: usize, summarize: bool) -> Vec<Option<usize>> {
    if summarize && n > 2 * EDGE_ITEMS {
        (0..EDGE_ITEMS)
            .map(Some)
            .chain(std::iter::once(None))
            .chain((n - EDGE_ITEMS..n).map(Some))
            .collect()
    } else {
        (0..n).map(Some).collect()
    }
}

fn shown_offsets(
    shape: &[usize],
    axis: usize,
    offset: usize,
    summarize: bool,
    out: &mut Vec<usize>,
) {
    let stride: usize = shape[axis + 1..].iter().product();
    for i in shown_positions(shape[axis], summarize)
        .into_iter()
        .flatten()
    {
        if axis + 1 == shape.len() {
            out.push(offset + i * stride);
        } else {
            shown_offsets(shape, axis + 1, offset + i * stride, summarize, out);
        }
    }
}

struct Layout<'a> {
    shape: &'a [usize],
    strs: &'a std::collections::HashMap<usize, String>,
    width: usize,
    summarize: bool,
    indent: usize,
}

impl Layout<'_> {
    fn nest(&self, out: &mut String, axis: usize, offset: usize) {
        let stride: usize = self.shape[axis + 1..].iter().product();
        let last_axis = axis + 1 == self.shape.len();
        let sep = if last_axis {
            ", ".to_string()
        } else {
            let blank_lines = "\n".repeat(self.shape.len() - axis - 1);
            format!(",{blank_lines}{}", " ".repeat(self.indent + axis + 1))
        };
        out.push('[');
        for (k, p) in shown_positions(self.shape[axis], self.summarize)
            .into_iter()
            .enumerate()
        {
            if k > 0 {
                out.push_str(&sep);
            }
            match p {
                None => out.push_str("..."),
                Some(i) if last_axis => {
                    let s = self
                        .strs
                        .get(&(offset + i * stride))
                        .map(String::as_str)
                        .unwrap_or("");
                    let _ = write!(out, "{s:>w$}", w = self.width);
                }
                Some(i) => self.nest(out, axis + 1, offset + i * stride),
            }
        }
        out.push(']');
    }
}

fn element_strings(a: &NdArray, offsets: &[usize]) -> Vec<String> {
    let items: Vec<Scalar> = offsets.iter().filter_map(|&i| a.get_flat(i).ok()).collect();
    match a.dtype() {
        DType::F32 => float_strings(
            &items
                .iter()
                .filter_map(Scalar::as_f64)
                .map(|v| (v, format!("{:e}", v as f32)))
                .collect::<Vec<_>>(),
        ),
        DType::F64 => float_strings(
            &items
                .iter()
                .filter_map(Scalar::as_f64)
                .map(|v| (v, format!("{v:e}")))
                .collect::<Vec<_>>(),
        ),
        DType::Str | DType::DateTime(_) => items.iter().map(|s| format!("'{s}'")).collect(),
        _ => items.iter().map(ToString::to_string).collect(),
    }
}

/// Digits after the point in the mantissa of a shortest `{:e}` representation, at most 8.
fn mantissa_digits(short_exp: &str) -> usize {
    let m = short_exp.split('e').next().unwrap_or("");
    m.find('.').map_or(0, |p| m.len() - p - 1).min(8)
}

/// numpy's float style: one precision for the whole array (the most digits any value's
/// shortest representation needs, at most 8), `1.` for whole numbers, scientific
/// notation when magnitudes are very small or very large.
fn float_strings(vals: &[(f64, String)]) -> Vec<String> {
    let finite: Vec<f64> = vals.iter().map(|v| v.0).filter(|v| v.is_finite()).collect();
    let max_abs = finite.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    let min_abs = finite
        .iter()
        .filter(|v| **v != 0.0)
        .fold(f64::INFINITY, |m, v| m.min(v.abs()));
    let scientific = max_abs >= 1e8 || min_abs < 1e-4 || max_abs / min_abs > 1e3;
    let special = |v: f64| {
        if v.is_nan() {
            Some("nan".to_string())
        } else if v.is_infinite() {
            Some(if v > 0.0 { "inf" } else { "-inf" }.to_string())
        } else {
            None
        }
    };
    if scientific {
        let digits = vals
            .iter()
            .filter(|v| v.0.is_finite())
            .map(|(_, short)| mantissa_digits(short))
            .max()
            .unwrap_or(0);
        return vals
            .iter()
            .map(|(v, _)| {
                special(*v).unwrap_or_else(|| {
                    let e = format!("{v:.digits$e}");
                    let (m, x) = e.split_once('e').unwrap_or((&e, "0"));
                    let x: i32 = x.parse().unwrap_or(0);
                    let dot = if m.contains('.') { "" } else { "." };
                    format!("{m}{dot}e{}{:02}", if x < 0 { '-' } else { '+' }, x.abs())
                })
            })
            .collect();
    }
    let decimals = vals
        .iter()
        .filter(|v| v.0.is_finite())
        .map(|(_, short)| {
            let exp = short
                .split_once('e')
                .and_then(|(_, x)| x.parse::<i32>().ok())
                .unwrap_or(0);
            (mantissa_digits(short) as i32 - exp).clamp(0, 8) as usize
        })
        .max()
        .unwrap_or(0);
    vals.iter()
        .map(|(v, _)| {
            special(*v).unwrap_or_else(|| {
                if decimals == 0 {
                    format!("{v:.0}.")
                } else {
                    format!("{v:.decimals$}")
                }
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_format_like_python() {
        assert_eq!(format_float(1.0, 4), "1.0");
        assert_eq!(format_float(0.83781234, 4), "0.8378");
        assert_eq!(format_float(12345.678, 4), "1.235e+04");
        assert_eq!(format_float(0.00001234, 4), "1.234e-05");
        assert_eq!(format_float(-2.5, 4), "-2.5");
    }

    #[test]
    fn bytes_are_decimal() {
        assert_eq!(human_bytes(92), "92B");
        assert_eq!(human_bytes(80_000), "80kB");
        assert_eq!(human_bytes(1_056), "1kB");
    }
}
