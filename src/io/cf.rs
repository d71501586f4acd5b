//! CF conventions: decoding on read and encoding on write, shared by every driver.
//!
//! Decoding moves the attributes it undoes (`_FillValue`, `missing_value`,
//! `scale_factor`, `add_offset`, `_Unsigned`, time `units`/`calendar`, `coordinates`)
//! from `attrs` into `encoding`, next to the on-disk `dtype`, so that
//! [`encode_variable`] can restore them on write. On lazy data every step is a
//! [`crate::lazy::Data::map_elementwise`] (masking and unpacking a
//! [`crate::lazy::Data::mask_scale`], which the grouped mean does value by value as it
//! reads), so decoding runs fused, once per chunk, in the task that reads it.

use indexmap::{IndexMap, IndexSet};
use ndarray::{ArcArray, IxDyn};

use crate::array::kernels::MaskScale;
use crate::array::match_numeric;
use crate::array::{DType, NdArray};
use crate::dataset::{AttrValue, Attrs, Dataset, Variable};
use crate::error::{Error, Result};
use crate::time::{infer_timedelta_unit, timedelta_unit, Calendar, CfUnits, Encoded, NAT};

use crate::warning::warn;

/// The builder methods `decode_options`, `decode_cf`, `mask_and_scale`, `decode_times`
/// and `decode_coords` of every driver's open options, for a builder with a
/// `decode: DecodeOptions` field. Unused when no driver feature is on.
#[allow(unused_macros)]
macro_rules! decode_option_setters {
    () => {
        /// All the CF decoding choices at once.
        pub fn decode_options(mut self, options: $crate::io::cf::DecodeOptions) -> Self {
            self.decode = options;
            self
        }

        /// Turns all CF decoding on or off (xarray's `decode_cf`).
        pub fn decode_cf(mut self, on: bool) -> Self {
            self.decode = if on {
                $crate::io::cf::DecodeOptions::default()
            } else {
                $crate::io::cf::DecodeOptions::none()
            };
            self
        }

        /// `_FillValue`/`missing_value` to NaN, `scale_factor`/`add_offset`, `_Unsigned`.
        pub fn mask_and_scale(mut self, on: bool) -> Self {
            self.decode.mask_and_scale = on;
            self
        }

        /// CF time units to datetimes.
        pub fn decode_times(mut self, on: bool) -> Self {
            self.decode.decode_times = on;
            self
        }

        /// `coordinates` attributes to non-index coordinates.
        pub fn decode_coords(mut self, on: bool) -> Self {
            self.decode.decode_coords = on;
            self
        }

        /// CF duration units (`days`, `hours`, ... without `since`) to timedeltas.
        pub fn decode_timedelta(mut self, on: bool) -> Self {
            self.decode.decode_timedelta = on;
            self
        }
    };
}
#[allow(unused_imports)]
pub(crate) use decode_option_setters;

/// Which CF decodings to apply on open, like xarray's `decode_cf`, `mask_and_scale`,
/// `decode_times` and `decode_coords`. All on by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOptions {
    /// `_FillValue`/`missing_value` to NaN, `scale_factor`/`add_offset`, `_Unsigned`.
    pub mask_and_scale: bool,
    /// `units = "<unit> since <date>"` (with `calendar`) to datetimes.
    pub decode_times: bool,
    /// Names in a `coordinates` attribute become non-index coordinates.
    pub decode_coords: bool,
    /// `units = "days"` (or `hours`, `minutes`, `seconds`, `milliseconds`,
    /// `microseconds`, without `since`) to timedeltas, as xarray's `decode_timedelta`.
    pub decode_timedelta: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            mask_and_scale: true,
            decode_times: true,
            decode_coords: true,
            decode_timedelta: true,
        }
    }
}

impl DecodeOptions {
    /// No decoding at all (xarray's `decode_cf=False`).
    pub fn none() -> Self {
        DecodeOptions {
            mask_and_scale: false,
            decode_times: false,
            decode_coords: false,
            decode_timedelta: false,
        }
    }
}

fn cf_error(variable: &str, reason: impl Into<String>) -> Error {
    Error::Cf {
        variable: variable.to_string(),
        reason: reason.into(),
    }
}

/// The numbers of a numeric attribute.
fn attr_numbers(variable: &str, key: &str, value: &AttrValue) -> Result<Vec<f64>> {
    match value {
        AttrValue::Array(a) => a
            .to_f64_vec()
            .map_err(|e| cf_error(variable, format!("attribute {key}: {e}"))),
        AttrValue::Str(s) => Err(cf_error(
            variable,
            format!("attribute {key} must be a number, not the text {s:?}"),
        )),
    }
}

fn attr_dtype(value: &AttrValue) -> Option<DType> {
    match value {
        AttrValue::Array(a) => Some(a.dtype()),
        AttrValue::Str(_) => None,
    }
}

/// xarray's `_choose_float_dtype`: the float type that decoded values get.
fn choose_float_dtype(dtype: DType, scale: Option<DType>, offset: Option<DType>) -> DType {
    if scale.is_some() || offset.is_some() {
        if let (Some(s), Some(o)) = (scale, offset) {
            if s == o && s.is_float() {
                if dtype.size() == 4 && dtype.is_integer() {
                    return DType::F64;
                }
                return s;
            }
        }
        if offset.is_some() {
            return DType::F64;
        }
        return match scale {
            Some(s) if s.is_float() => s,
            _ => DType::F64,
        };
    }
    if dtype.is_float() && dtype.size() <= 4 {
        return DType::F32;
    }
    if dtype.is_integer() && dtype.size() <= 2 {
        return DType::F32;
    }
    DType::F64
}

fn decode_time_chunk(chunk: &NdArray, units: &CfUnits) -> Result<NdArray> {
    let ticks = match chunk {
        // xarray writes NaT as int64's minimum, without a _FillValue, and reads it
        // back as NaT.
        NdArray::I64(a) if a.iter().any(|&x| x == i64::MIN) => {
            let values: Vec<i64> = a
                .iter()
                .map(|&x| if x == i64::MIN { 0 } else { x })
                .collect();
            let mut ticks = units.decode(&values)?;
            for (t, &x) in ticks.iter_mut().zip(a.iter()) {
                if x == i64::MIN {
                    *t = NAT;
                }
            }
            ticks
        }
        _ => match_numeric!(chunk, a => {
            let values: Vec<_> = a.iter().copied().collect();
            units.decode(&values)?
        }, other => return Err(Error::UnsupportedDType {
            op: "decoding CF times".into(),
            dtype: other.dtype(),
        })),
    };
    let ticks = ArcArray::from_shape_vec(IxDyn(chunk.shape()), ticks)
        .map_err(|_| Error::internal("decoded times have the chunk's length"))?;
    Ok(NdArray::DateTime(ticks, units.calendar))
}

/// Decodes one variable's CF attributes (see the module docs). `name` is used in errors.
///
/// # Errors
/// [`Error::Cf`] naming the variable for an unknown calendar or a non-numeric
/// `_FillValue`/`scale_factor`/`add_offset`. Time units that cannot be parsed are not
/// an error: the variable stays undecoded, with a [warning](crate::warning).
pub fn decode_variable(name: &str, var: Variable, options: &DecodeOptions) -> Result<Variable> {
    let mut attrs = var.attrs().clone();
    let mut encoding = var.encoding().clone();
    let mut data = var.data().clone();
    encoding.dtype.get_or_insert(data.dtype());

    // xarray stores bools as int8 with a `dtype = "bool"` attribute.
    if data.dtype().is_integer() && attrs.get("dtype").and_then(AttrValue::as_str) == Some("bool") {
        attrs.shift_remove("dtype");
        data = data.astype(DType::Bool)?;
        return Ok(var
            .with_data(data)?
            .with_attrs(attrs)
            .with_encoding(encoding));
    }

    if options.mask_and_scale && data.dtype().is_numeric() {
        if let Some(u) = attrs.shift_remove("_Unsigned") {
            let wanted_unsigned = u.as_str().is_some_and(|s| s.eq_ignore_ascii_case("true"));
            let dtype = data.dtype();
            if wanted_unsigned == dtype.is_signed_int() && dtype.is_integer() {
                data = data.astype(DType::flip_sign(dtype))?;
            }
            encoding.unsigned = Some(u);
        }
        let mut fills = Vec::new();
        for key in ["_FillValue", "missing_value"] {
            if let Some(v) = attrs.shift_remove(key) {
                let mut numbers = attr_numbers(name, key, &v)?;
                if data.dtype().is_unsigned_int() && encoding.unsigned.is_some() {
                    // The attribute holds the signed on-disk value.
                    let bits = 8 * data.dtype().size() as i32;
                    for f in &mut numbers {
                        if *f < 0.0 {
                            *f += 2f64.powi(bits);
                        }
                    }
                }
                fills.extend(numbers);
                if key == "_FillValue" {
                    encoding.fill_value = Some(v);
                } else {
                    encoding.missing_value = Some(v);
                }
            }
        }
        let scale_attr = attrs.shift_remove("scale_factor");
        let offset_attr = attrs.shift_remove("add_offset");
        let scale = match &scale_attr {
            Some(v) => attr_numbers(name, "scale_factor", v)?.first().copied(),
            None => None,
        };
        let offset = match &offset_attr {
            Some(v) => attr_numbers(name, "add_offset", v)?.first().copied(),
            None => None,
        };
        if data.dtype().is_float() {
            // NaN fills are NaN already.
            fills.retain(|f| !f.is_nan());
        }
        if !fills.is_empty() || scale.is_some() || offset.is_some() {
            let out = choose_float_dtype(
                data.dtype(),
                scale_attr.as_ref().and_then(attr_dtype),
                offset_attr.as_ref().and_then(attr_dtype),
            );
            data = data.mask_scale(MaskScale::new(out, fills, scale, offset))?;
        }
        if scale_attr.is_some() {
            encoding.scale_factor = scale_attr;
        }
        if offset_attr.is_some() {
            encoding.add_offset = offset_attr;
        }
    }

    if options.decode_times && data.dtype().is_numeric() {
        let units = attrs
            .get("units")
            .and_then(AttrValue::as_str)
            .map(str::to_string);
        if let Some(units) = units.filter(|u| u.to_ascii_lowercase().contains(" since ")) {
            let cal_name = attrs
                .get("calendar")
                .and_then(AttrValue::as_str)
                .unwrap_or("standard")
                .to_string();
            let calendar: Calendar = cal_name.trim().parse().map_err(|_| {
                cf_error(
                    name,
                    format!("unknown calendar {cal_name:?} (time units {units:?})"),
                )
            })?;
            // Units that cannot be parsed leave the variable as it is stored: one odd
            // variable must not make the whole file unreadable.
            match CfUnits::parse(&units, calendar) {
                Ok(parsed) => {
                    data = data.map_elementwise(DType::DateTime(calendar), move |chunk| {
                        decode_time_chunk(chunk, &parsed)
                    })?;
                    let text =
                        |v: Option<AttrValue>| v.and_then(|v| v.as_str().map(str::to_string));
                    encoding.units = text(attrs.shift_remove("units"));
                    if let Some(c) = text(attrs.shift_remove("calendar")) {
                        encoding.calendar = Some(c);
                    }
                }
                Err(e) => warn(format!(
                    "variable {name:?}: time units not decoded, left as numbers: {e}"
                )),
            }
        }
    }

    if options.decode_timedelta && data.dtype().is_numeric() {
        let unit = attrs
            .get("units")
            .and_then(AttrValue::as_str)
            .and_then(timedelta_unit);
        if let Some(unit) = unit {
            let units = CfUnits::new(unit, 0, Calendar::Standard);
            data =
                data.map_elementwise(DType::TimeDelta, move |chunk| {
                    match decode_time_chunk(chunk, &units)? {
                        NdArray::DateTime(ticks, _) => Ok(NdArray::TimeDelta(ticks)),
                        _ => Err(Error::internal("decoded times are datetimes")),
                    }
                })?;
            encoding.units = attrs
                .shift_remove("units")
                .and_then(|v| v.as_str().map(str::to_string));
            // xarray marks the timedeltas it writes with `dtype = "timedelta64[..]"`.
            if attrs
                .get("dtype")
                .and_then(AttrValue::as_str)
                .is_some_and(|d| d.starts_with("timedelta64"))
            {
                attrs.shift_remove("dtype");
            }
        }
    }

    Ok(var
        .with_data(data)?
        .with_attrs(attrs)
        .with_encoding(encoding))
}

/// Decodes every variable, then (with `decode_coords`) turns the names listed in
/// `coordinates` attributes into coordinates. Returns the variables and the names among
/// them that are coordinates (dimension coordinates included).
///
/// # Errors
/// As [`decode_variable`].
pub fn decode_variables(
    variables: IndexMap<String, Variable>,
    options: &DecodeOptions,
) -> Result<(IndexMap<String, Variable>, IndexSet<String>)> {
    let mut variables = variables;
    if options.decode_times {
        inherit_bounds_time_attrs(&mut variables);
    }
    let mut out = IndexMap::new();
    let mut coords = IndexSet::new();
    for (name, var) in variables {
        let mut var = decode_variable(&name, var, options)?;
        // A variable named like one of its dims is a coordinate: the index of that dim
        // when it is 1-d, a non-index coordinate otherwise (`y(x, y)`), as in xarray.
        if var.dims().contains(&name) {
            coords.insert(name.clone());
        }
        if options.decode_coords {
            let listed = var.attrs().get("coordinates").and_then(AttrValue::as_str);
            if let Some(list) = listed.map(str::to_string) {
                coords.extend(list.split_whitespace().map(str::to_string));
                var.attrs_mut().shift_remove("coordinates");
                var.encoding_mut().coordinates = Some(list);
            }
        }
        out.insert(name, var);
    }
    coords.retain(|c| out.contains_key(c));
    Ok((out, coords))
}

/// Takes the dataset-level `coordinates` attribute out of `attrs` (with
/// `decode_coords`) and returns the names it lists, which xarray makes coordinates as
/// it does those of the variables' `coordinates` attributes. Names of no variable are
/// dropped later, as for those.
pub fn global_coordinates(attrs: &mut Attrs, options: &DecodeOptions) -> Vec<String> {
    if !options.decode_coords {
        return Vec::new();
    }
    match attrs.get("coordinates").and_then(AttrValue::as_str) {
        Some(list) => {
            let names = list.split_whitespace().map(str::to_string).collect();
            attrs.shift_remove("coordinates");
            names
        }
        None => Vec::new(),
    }
}

/// CF bounds variables share their parent's time units and calendar (and usually omit
/// them): copy them over before decoding, as xarray does.
fn inherit_bounds_time_attrs(variables: &mut IndexMap<String, Variable>) {
    let mut copies = Vec::new();
    for var in variables.values() {
        let Some(bounds) = var.attrs().get("bounds").and_then(AttrValue::as_str) else {
            continue;
        };
        for key in ["units", "calendar"] {
            if let Some(v) = var.attrs().get(key) {
                copies.push((bounds.to_string(), key, v.clone()));
            }
        }
    }
    for (bounds, key, value) in copies {
        if let Some(b) = variables.get_mut(&bounds) {
            b.attrs_mut().entry(key.to_string()).or_insert(value);
        }
    }
}

/// Packs float values for `target`: NaN to `fill`, `(x - offset) / scale`, rounded for
/// integer targets, then cast.
fn pack_chunk(
    chunk: &NdArray,
    target: DType,
    fill: Option<f64>,
    scale: Option<f64>,
    offset: Option<f64>,
) -> Result<NdArray> {
    let as_f64 = chunk.astype(DType::F64)?;
    let a = as_f64
        .as_array::<f64>()
        .ok_or_else(|| Error::internal("astype(f64) gave another dtype"))?;
    let round = target.is_integer();
    let packed = a.mapv(|v| {
        if v.is_nan() {
            return fill.unwrap_or(v);
        }
        let mut x = v;
        if let Some(o) = offset {
            x -= o;
        }
        if let Some(s) = scale {
            x /= s;
        }
        if round {
            x.round()
        } else {
            x
        }
    });
    NdArray::F64(packed.into_shared()).astype(target)
}

fn encoding_number(name: &str, value: Option<&AttrValue>, key: &str) -> Result<Option<f64>> {
    match value {
        Some(v) => Ok(attr_numbers(name, key, v)?.first().copied()),
        None => Ok(None),
    }
}

/// A number attribute of dtype `dtype`.
fn number_attr(value: f64, dtype: DType) -> Result<AttrValue> {
    Ok(AttrValue::Array(NdArray::from(vec![value]).astype(dtype)?))
}

/// Encodes one chunk of datetimes in known units as `target`.
fn encode_time_chunk(
    variable: &str,
    chunk: &NdArray,
    units: &CfUnits,
    target: DType,
    nat_sentinel: bool,
) -> Result<NdArray> {
    let NdArray::DateTime(a, _) = chunk else {
        return Err(Error::internal("datetime dtype without datetime values"));
    };
    let ticks: Vec<i64> = a.iter().copied().collect();
    let has_nat = ticks.contains(&NAT);
    if target.is_integer() && has_nat && !nat_sentinel {
        return Err(cf_error(
            variable,
            format!("missing times (NaT) cannot be written as {target}; use a float dtype"),
        ));
    }
    if target == DType::I64 && has_nat {
        // NaT as int64's minimum, the others as they encode.
        let known: Vec<i64> = ticks
            .iter()
            .map(|&t| if t == NAT { units.reference } else { t })
            .collect();
        let known = NdArray::from_shape_vec(chunk.shape(), known)?
            .astype(DType::DateTime(units.calendar))?;
        let NdArray::I64(mut numbers) = encode_time_chunk(variable, &known, units, target, false)?
        else {
            return Err(Error::internal("times encoded as int64 are int64"));
        };
        for (n, &t) in numbers.iter_mut().zip(&ticks) {
            if t == NAT {
                *n = i64::MIN;
            }
        }
        return Ok(NdArray::I64(numbers));
    }
    let encoded = units
        .encode(&ticks)
        .map_err(|e| cf_error(variable, e.to_string()))?;
    let arr = match encoded {
        Encoded::Int(v) => NdArray::from_shape_vec(chunk.shape(), v)?,
        Encoded::Float(v) => NdArray::from_shape_vec(chunk.shape(), v)?,
    };
    arr.astype(target)
}

/// The on-disk form of a decoded variable: datetimes encoded with the `units` and
/// `calendar` of its encoding (or inferred, as xarray does), floats packed with
/// `scale_factor`/`add_offset` to the encoding's `dtype`, NaN written as `_FillValue`
/// (NaN by default for floats, as xarray writes), `_Unsigned` restored. The result's
/// attrs are the variable's attrs plus the CF attributes; its encoding is kept for the
/// driver (compression, chunk sizes). Lazy numeric data stays lazy.
///
/// # Errors
/// [`Error::Cf`] naming the variable when the encoding cannot be applied (bad units, a
/// non-numeric `scale_factor`, a dtype name that is not known).
pub fn encode_variable(name: &str, var: &Variable) -> Result<Variable> {
    let encoding = var.encoding().clone();
    let mut attrs = var.attrs().clone();
    let mut data = var.data().clone();
    for key in [
        "_FillValue",
        "missing_value",
        "scale_factor",
        "add_offset",
        "_Unsigned",
        "units",
        "calendar",
    ] {
        if attrs.contains_key(key) && encoding.cf_attr(key).is_some() {
            return Err(cf_error(
                name,
                format!("{key} is both an attribute and an encoding; keep one"),
            ));
        }
    }
    let enc_dtype = encoding.dtype;

    if let (DType::DateTime(calendar), Some(units)) = (data.dtype(), encoding.units.as_deref()) {
        if data.is_lazy() {
            // Known units: encode chunk by chunk, without loading the variable.
            let parsed =
                CfUnits::parse(units, calendar).map_err(|e| cf_error(name, e.to_string()))?;
            let target = enc_dtype.unwrap_or(DType::F64);
            // int64 without a _FillValue: NaT is int64's minimum, as xarray writes it.
            let nat_sentinel = target == DType::I64 && encoding.fill_value.is_none();
            let variable = name.to_string();
            data = data.map_elementwise(target, move |chunk| {
                encode_time_chunk(&variable, chunk, &parsed, target, nat_sentinel)
            })?;
            let cal_name = encoding
                .calendar
                .clone()
                .unwrap_or_else(|| calendar.name().to_string());
            attrs.insert("units".into(), AttrValue::Str(units.to_string()));
            attrs.insert("calendar".into(), AttrValue::Str(cal_name));
            if let Some(f) = &encoding.fill_value {
                attrs.insert("_FillValue".into(), f.clone());
            }
            return Ok(var
                .with_data(data)?
                .with_attrs(attrs)
                .with_encoding(encoding));
        }
    }

    if data.dtype() == DType::TimeDelta {
        data = encode_timedelta(name, var, &mut attrs)?;
    }

    if let DType::DateTime(calendar) = data.dtype() {
        let values = data.compute()?;
        let ticks: Vec<i64> = match &values {
            NdArray::DateTime(a, _) => a.iter().copied().collect(),
            _ => return Err(Error::internal("datetime dtype without datetime values")),
        };
        let cal_name = encoding
            .calendar
            .clone()
            .unwrap_or_else(|| calendar.name().to_string());
        let (encoded, units) = match encoding.units.as_deref() {
            Some(u) => (
                CfUnits::parse(u, calendar)
                    .and_then(|p| p.encode(&ticks))
                    .map_err(|e| cf_error(name, e.to_string()))?,
                u.to_string(),
            ),
            None => {
                crate::time::encode(&ticks, calendar).map_err(|e| cf_error(name, e.to_string()))?
            }
        };
        let has_nat = ticks.contains(&NAT);
        let shape = values.shape().to_vec();
        let mut arr = match encoded {
            Encoded::Int(v) => NdArray::from_shape_vec(&shape, v)?,
            Encoded::Float(v) => NdArray::from_shape_vec(&shape, v)?,
        };
        if let Some(t) = enc_dtype {
            if !(t.is_integer() && has_nat) {
                arr = arr.astype(t)?;
            }
        }
        attrs.insert("units".into(), AttrValue::Str(units));
        attrs.insert("calendar".into(), AttrValue::Str(cal_name));
        if let Some(f) = &encoding.fill_value {
            attrs.insert("_FillValue".into(), f.clone());
        }
        return Ok(Variable::new(var.dims(), arr)?
            .with_attrs(attrs)
            .with_encoding(encoding));
    }

    if data.dtype().is_numeric() {
        let unsigned = encoding
            .unsigned
            .as_ref()
            .and_then(AttrValue::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("true"));
        let disk = enc_dtype.unwrap_or(data.dtype());
        // With _Unsigned the values are packed as unsigned, then stored in the signed type.
        let target = if unsigned && disk.is_signed_int() {
            DType::flip_sign(disk)
        } else {
            disk
        };
        let scale = encoding_number(name, encoding.scale_factor.as_ref(), "scale_factor")?;
        let offset = encoding_number(name, encoding.add_offset.as_ref(), "add_offset")?;
        let mut fill_attr = encoding.fill_value.clone();
        let mut fill = match &fill_attr {
            Some(v) => attr_numbers(name, "_FillValue", v)?.first().copied(),
            None => None,
        };
        if fill.is_none() && target.is_float() && data.dtype().is_float() {
            fill = Some(f64::NAN);
            fill_attr = Some(number_attr(f64::NAN, target)?);
        }
        let pack_fill = match fill {
            Some(f) if unsigned && f < 0.0 => Some(f + 2f64.powi(8 * target.size() as i32)),
            other => other,
        };
        if data.dtype().is_float()
            && (scale.is_some()
                || offset.is_some()
                || target != data.dtype()
                || pack_fill.is_some_and(|f| !f.is_nan()))
        {
            data = data.map_elementwise(target, move |chunk| {
                pack_chunk(chunk, target, pack_fill, scale, offset)
            })?;
        } else if data.dtype() != target {
            data = data.astype(target)?;
        }
        if target != disk {
            data = data.astype(disk)?;
        }
        if let Some(f) = fill_attr {
            let f = match (&f, fill) {
                (AttrValue::Array(_), Some(v)) => number_attr(v, disk)?,
                _ => f,
            };
            attrs.insert("_FillValue".into(), f);
        }
        for key in ["missing_value", "scale_factor", "add_offset", "_Unsigned"] {
            if let Some(v) = encoding.cf_attr(key) {
                attrs.insert(key.into(), v);
            }
        }
    }
    Ok(var
        .with_data(data)?
        .with_attrs(attrs)
        .with_encoding(encoding))
}

/// One chunk of timedeltas as numbers of `units`: exact integers as `target` when it
/// is `i64` (NaT as int64's minimum, xarray's sentinel), floats (NaN for NaT)
/// otherwise.
fn timedelta_chunk_numbers(
    variable: &str,
    chunk: &NdArray,
    units: &CfUnits,
    target: DType,
) -> Result<NdArray> {
    let NdArray::TimeDelta(a) = chunk else {
        return Err(Error::internal("timedelta dtype without timedelta values"));
    };
    let ticks: Vec<i64> = a.iter().copied().collect();
    if target == DType::I64 {
        let known: Vec<i64> = ticks
            .iter()
            .map(|&t| if t == NAT { 0 } else { t })
            .collect();
        let encoded = units
            .encode(&known)
            .map_err(|e| cf_error(variable, e.to_string()))?;
        let Encoded::Int(mut numbers) = encoded else {
            return Err(cf_error(
                variable,
                format!(
                    "timedeltas that are not whole {} cannot be written as int64",
                    units.unit.name()
                ),
            ));
        };
        for (n, &t) in numbers.iter_mut().zip(&ticks) {
            if t == NAT {
                *n = i64::MIN;
            }
        }
        return NdArray::from_shape_vec(chunk.shape(), numbers);
    }
    let encoded = units
        .encode(&ticks)
        .map_err(|e| cf_error(variable, e.to_string()))?;
    let arr = match encoded {
        Encoded::Int(v) => NdArray::from_shape_vec(chunk.shape(), v)?,
        Encoded::Float(v) => NdArray::from_shape_vec(chunk.shape(), v)?,
    };
    arr.astype(target)
}

/// Timedeltas as numbers in the encoding's `units` (or the largest unit dividing every
/// value, as xarray infers them), with the `units` and xarray's `dtype` attributes;
/// the numbers then go through the numeric encoding (on-disk `dtype`, `_FillValue`,
/// packing) like any others. Without an on-disk dtype, whole numbers of units without
/// NaT are `int64` and anything else `float64`, as xarray writes them. Lazy data with
/// known units is encoded chunk by chunk.
///
/// An integer on-disk dtype needs whole numbers of units, and a `_FillValue` for NaT,
/// unless the encoding packs with `scale_factor`/`add_offset`.
fn encode_timedelta(
    name: &str,
    var: &Variable,
    attrs: &mut crate::dataset::Attrs,
) -> Result<crate::lazy::Data> {
    let encoding = var.encoding();
    let mut data = var.data().clone();
    let parse = |u: &str| {
        timedelta_unit(u).ok_or_else(|| {
            cf_error(
                name,
                format!(
                    "timedelta units {u:?} are not days, hours, minutes, seconds, \
                     milliseconds or microseconds"
                ),
            )
        })
    };
    let packed = encoding.scale_factor.is_some() || encoding.add_offset.is_some();
    let disk_int = encoding.dtype.is_some_and(|t| t.is_integer()) && !packed;
    // int64 without a _FillValue: NaT is int64's minimum, as xarray writes it.
    let nat_sentinel =
        disk_int && encoding.dtype == Some(DType::I64) && encoding.fill_value.is_none();
    let (unit, numbers) = match encoding.units.as_deref() {
        Some(u) if data.is_lazy() => {
            let numbers = if nat_sentinel { DType::I64 } else { DType::F64 };
            (parse(u)?, numbers)
        }
        units => {
            let values = data.compute()?;
            let NdArray::TimeDelta(a) = &values else {
                return Err(Error::internal("timedelta dtype without timedelta values"));
            };
            let ticks: Vec<i64> = a.iter().copied().collect();
            let unit = match units {
                Some(u) => parse(u)?,
                None => infer_timedelta_unit(&ticks),
            };
            let has_nat = ticks.contains(&NAT);
            let whole = ticks
                .iter()
                .all(|&t| t == NAT || t.rem_euclid(unit.ticks()) == 0);
            if disk_int && !whole {
                return Err(cf_error(
                    name,
                    format!(
                        "timedeltas that are not whole {} cannot be written as {}; \
                         use other units or a float dtype",
                        unit.name(),
                        encoding
                            .dtype
                            .map_or("an integer".into(), |t| t.to_string())
                    ),
                ));
            }
            if disk_int && has_nat && encoding.fill_value.is_none() && !nat_sentinel {
                return Err(cf_error(
                    name,
                    "missing timedeltas (NaT) in an integer dtype need a _FillValue",
                ));
            }
            data = crate::lazy::Data::Eager(values);
            let numbers = if whole && (!has_nat || nat_sentinel) {
                DType::I64
            } else {
                DType::F64
            };
            (unit, numbers)
        }
    };
    let units = CfUnits::new(unit, 0, Calendar::Standard);
    let variable = name.to_string();
    attrs.insert("units".into(), AttrValue::Str(unit.name().to_string()));
    attrs.insert(
        "dtype".into(),
        AttrValue::Str(DType::TimeDelta.name().to_string()),
    );
    data.map_elementwise(numbers, move |chunk| {
        timedelta_chunk_numbers(&variable, chunk, &units, numbers)
    })
}

/// The CF `coordinates` attribute that data variable `name` of `ds` gets when written:
/// the dataset's non-dimension coordinates whose dims are all among `var`'s, joined by
/// spaces; `None` for a coordinate or when there are none.
pub fn coordinates_attribute(ds: &Dataset, name: &str, var: &Variable) -> Option<String> {
    if ds.is_coord(name) {
        return None;
    }
    let dims = ds.dims();
    let coords: Vec<&str> = ds
        .coords()
        .filter(|(c, v)| !dims.contains_key(*c) && v.dims().iter().all(|d| var.dims().contains(d)))
        .map(|(c, _)| c.as_str())
        .collect();
    (!coords.is_empty()).then(|| coords.join(" "))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn float_dtype_follows_xarray() {
        assert_eq!(choose_float_dtype(DType::I16, None, None), DType::F32);
        assert_eq!(choose_float_dtype(DType::I32, None, None), DType::F64);
        assert_eq!(
            choose_float_dtype(DType::I16, Some(DType::F32), Some(DType::F32)),
            DType::F32
        );
        assert_eq!(
            choose_float_dtype(DType::I32, Some(DType::F32), Some(DType::F32)),
            DType::F64
        );
        assert_eq!(
            choose_float_dtype(DType::I16, Some(DType::F64), None),
            DType::F64
        );
        assert_eq!(
            choose_float_dtype(DType::I8, None, Some(DType::F32)),
            DType::F64
        );
    }

    #[test]
    fn packed_round_trip_is_exact() {
        let raw = Variable::new(&["x"], vec![0i16, 100, -32767, 5])
            .unwrap()
            .with_attr("scale_factor", 0.5f32)
            .with_attr("add_offset", 10f32)
            .with_attr("_FillValue", -32767i16);
        let dec = decode_variable("v", raw, &DecodeOptions::default()).unwrap();
        assert_eq!(dec.dtype(), DType::F32);
        let v = dec.values().unwrap().to_f64_vec().unwrap();
        assert_eq!(v[..2], [10.0, 60.0]);
        assert!(v[2].is_nan());
        let enc = encode_variable("v", &dec).unwrap();
        assert_eq!(enc.dtype(), DType::I16);
        assert_eq!(
            enc.values().unwrap().to_f64_vec().unwrap(),
            [0.0, 100.0, -32767.0, 5.0]
        );
    }

    #[test]
    fn unknown_calendar_names_calendar_and_variable() {
        let raw = Variable::new(&["t"], vec![0i32, 1])
            .unwrap()
            .with_attr("units", "days since 2000-01-01")
            .with_attr("calendar", "martian");
        let err = decode_variable("time", raw, &DecodeOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("martian") && err.contains("time"), "{err}");
    }
}
