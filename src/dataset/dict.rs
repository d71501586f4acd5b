//! xarray's `to_dict(data="list")` layout, for small data: a JSON value (and text) that
//! `xarray.Dataset.from_dict` reads, and that `xr` reads back from xarray.
//!
//! A variable is `{"dims": [...], "attrs": {...}, "data": nested lists, "dtype": ...}`;
//! a Dataset is `{"coords": {...}, "attrs": {...}, "dims": {...}, "data_vars": {...}}`
//! and a DataArray `{"dims", "attrs", "data", "coords", "name"}`, as in xarray.
//!
//! The dtype of each element is in [`Dataset::to_dict`]'s docs.

use indexmap::{IndexMap, IndexSet};
use serde_json::{Map, Value};

use super::{AttrValue, Attrs, DataArray, Dataset, Variable};
use crate::array::{DType, NdArray, Scalar};
use crate::error::{Error, Result};
use crate::time::{Calendar, CfDatetime, NAT};

impl Dataset {
    /// The dataset in xarray's `Dataset.to_dict(data="list")` layout. Lazy variables
    /// are computed: for small data.
    ///
    /// | xr dtype | `data` elements | read back as |
    /// | --- | --- | --- |
    /// | bool | `true`/`false` | bool |
    /// | integers | numbers | the `dtype` written (int64 without one) |
    /// | floats | numbers; NaN and ±inf as `NaN`/`Infinity` in [`Dataset::to_json`], `null` in [`Dataset::to_dict`] | the `dtype` written (float64 without one) |
    /// | strings | strings | strings |
    /// | datetimes | `"YYYY-MM-DD HH:MM:SS[.ffffff]"` (Python's `str` of a datetime, as `json.dumps(..., default=str)` writes xarray's), NaT as `null` | datetimes on the `"calendar"` written; without a `dtype`, strings as xarray reads them |
    /// | timedeltas | whole microseconds, NaT as `null` | timedeltas |
    ///
    /// `"dtype"` (numpy's name, the key xarray's `to_dict(data=False)` writes) and, for
    /// datetimes, `"calendar"` are extra keys that xarray's `from_dict` ignores: without them
    /// the list layout loses the types (float32 becomes float64), as it does in xarray.
    ///
    /// ```
    /// # use xr::{Dataset, NdArray, Variable};
    /// let ds = Dataset::new()
    ///     .with_coord("x", Variable::new(&["x"], NdArray::from(vec![10_i64, 20]))?)?
    ///     .with_data_var("t", Variable::new(&["x"], NdArray::from(vec![1.5, f64::NAN]))?)?;
    /// let d = ds.to_dict()?;
    /// assert_eq!(d["data_vars"]["t"]["data"], serde_json::json!([1.5, null]));
    /// assert_eq!(d["dims"]["x"], 2);
    /// let back = Dataset::from_dict(&d)?;
    /// assert!(back.variable("t")?.values()?.get_flat(1)?.is_nan());
    /// # Ok::<(), xr::Error>(())
    /// ```
    ///
    /// # Errors
    /// When a lazy variable fails to compute.
    pub fn to_dict(&self) -> Result<Value> {
        self.dict_with(Floats::Strict)
    }

    fn dict_with(&self, floats: Floats) -> Result<Value> {
        let mut coords = Map::new();
        for (name, var) in self.coords() {
            coords.insert(name.clone(), variable_to_dict(var, floats)?);
        }
        let mut data_vars = Map::new();
        for (name, var) in self.data_vars() {
            data_vars.insert(name.clone(), variable_to_dict(var, floats)?);
        }
        let dims: Map<String, Value> = self
            .dims()
            .into_iter()
            .map(|(d, n)| (d, Value::from(n)))
            .collect();
        let mut out = Map::new();
        out.insert("coords".into(), Value::Object(coords));
        out.insert("attrs".into(), attrs_to_value(self.attrs(), floats));
        out.insert("dims".into(), Value::Object(dims));
        out.insert("data_vars".into(), Value::Object(data_vars));
        Ok(Value::Object(out))
    }

    /// A dataset from xarray's `to_dict` layout: with `"coords"` and `"data_vars"`, or
    /// a flat `{name: {"dims", "data"}}` map as `xarray.Dataset.from_dict` also takes.
    /// A variable named after its only dimension becomes an index coordinate, as in
    /// xarray.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the variable and key when a variable lacks
    /// `dims` or `data`, its data is ragged, mixes types, or does not fit its `dtype`.
    pub fn from_dict(d: &Value) -> Result<Dataset> {
        let top = d
            .as_object()
            .ok_or_else(|| Error::invalid_argument("d", "a Dataset dict must be a JSON object"))?;
        let layered = top.contains_key("coords") && top.contains_key("data_vars");
        let mut variables = IndexMap::new();
        let mut coord_names = IndexSet::new();
        if layered {
            for (name, v) in object_at(top, "coords")? {
                variables.insert(name.clone(), variable_from_dict(name, v)?);
                coord_names.insert(name.clone());
            }
            for (name, v) in object_at(top, "data_vars")? {
                variables.insert(name.clone(), variable_from_dict(name, v)?);
            }
        } else {
            for (name, v) in top {
                variables.insert(name.clone(), variable_from_dict(name, v)?);
            }
        }
        for (name, var) in &variables {
            if var.dims() == [name.as_str()] {
                coord_names.insert(name.clone());
            }
        }
        let attrs = match top.get("attrs") {
            Some(a) if layered => attrs_from_value("attrs", a)?,
            _ => Attrs::new(),
        };
        Dataset::from_parts(variables, coord_names, attrs)
    }

    /// [`Dataset::to_dict`] as JSON text the way Python's `json.dumps` writes it: NaN
    /// and ±inf as `NaN`, `Infinity` and `-Infinity`, which Python's `json.loads` reads
    /// (strict JSON has no such numbers).
    ///
    /// # Errors
    /// As [`Dataset::to_dict`].
    pub fn to_json(&self) -> Result<String> {
        Ok(python_json(&self.dict_with(Floats::Python)?))
    }

    /// A dataset from JSON text in xarray's `to_dict` layout, such as
    /// `json.dumps(ds.to_dict(), default=str)` writes; `NaN`, `Infinity` and
    /// `-Infinity` are read as Python writes them.
    ///
    /// # Errors
    /// [`Error::Json`] for text that is not JSON; then as [`Dataset::from_dict`].
    pub fn from_json(text: &str) -> Result<Dataset> {
        Dataset::from_dict(&parse_python_json(text)?)
    }
}

impl DataArray {
    /// The array in xarray's `DataArray.to_dict(data="list")` layout:
    /// `{"dims", "attrs", "data", "coords", "name"}` (and `"dtype"`; each dtype as
    /// [`Dataset::to_dict`] writes it).
    ///
    /// # Errors
    /// When lazy data fails to compute.
    pub fn to_dict(&self) -> Result<Value> {
        self.dict_with(Floats::Strict)
    }

    fn dict_with(&self, floats: Floats) -> Result<Value> {
        let mut out = match variable_to_dict(self.variable(), floats)? {
            Value::Object(m) => m,
            _ => return Err(Error::internal("a variable's dict is an object")),
        };
        let mut coords = Map::new();
        for (name, var) in self.coords() {
            coords.insert(name.clone(), variable_to_dict(var, floats)?);
        }
        out.insert("coords".into(), Value::Object(coords));
        out.insert("name".into(), self.name().map_or(Value::Null, Value::from));
        Ok(Value::Object(out))
    }

    /// A DataArray from xarray's `DataArray.to_dict` layout.
    ///
    /// # Errors
    /// As [`Dataset::from_dict`]; also when a coordinate does not fit the array's dims.
    pub fn from_dict(d: &Value) -> Result<DataArray> {
        let top = d.as_object().ok_or_else(|| {
            Error::invalid_argument("d", "a DataArray dict must be a JSON object")
        })?;
        let name = match top.get("name") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                return Err(Error::invalid_argument(
                    "name",
                    format!("a DataArray's name must be a string or null, not {other}"),
                ))
            }
        };
        let label = name.clone().unwrap_or_else(|| "<unnamed DataArray>".into());
        let variable = variable_from_dict(&label, d)?;
        let mut coords = IndexMap::new();
        if let Some(c) = top.get("coords") {
            let c = c.as_object().ok_or_else(|| {
                Error::invalid_argument("coords", "must be an object of variables")
            })?;
            for (k, v) in c {
                coords.insert(k.clone(), variable_from_dict(k, v)?);
            }
        }
        DataArray::from_parts(name, variable, coords)
    }

    /// [`DataArray::to_dict`] as JSON text, as [`Dataset::to_json`] writes it.
    ///
    /// # Errors
    /// As [`DataArray::to_dict`].
    pub fn to_json(&self) -> Result<String> {
        Ok(python_json(&self.dict_with(Floats::Python)?))
    }

    /// A DataArray from JSON text in xarray's `DataArray.to_dict` layout.
    ///
    /// # Errors
    /// [`Error::Json`] for text that is not JSON; then as [`DataArray::from_dict`].
    pub fn from_json(text: &str) -> Result<DataArray> {
        DataArray::from_dict(&parse_python_json(text)?)
    }
}

#[cfg(feature = "serde")]
mod serde_impls {
    use serde::de::Error as _;
    use serde::ser::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{DataArray, Dataset, Value};

    /// Serializes in xarray's `to_dict(data="list")` layout ([`Dataset::to_dict`]).
    impl Serialize for Dataset {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            self.to_dict().map_err(S::Error::custom)?.serialize(s)
        }
    }

    /// Deserializes xarray's `to_dict` layout ([`Dataset::from_dict`]).
    impl<'de> Deserialize<'de> for Dataset {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Dataset::from_dict(&Value::deserialize(d)?).map_err(D::Error::custom)
        }
    }

    /// Serializes in xarray's `DataArray.to_dict(data="list")` layout.
    impl Serialize for DataArray {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            self.to_dict().map_err(S::Error::custom)?.serialize(s)
        }
    }

    /// Deserializes xarray's `DataArray.to_dict` layout ([`DataArray::from_dict`]).
    impl<'de> Deserialize<'de> for DataArray {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            DataArray::from_dict(&Value::deserialize(d)?).map_err(D::Error::custom)
        }
    }
}

fn object_at<'a>(top: &'a Map<String, Value>, key: &str) -> Result<&'a Map<String, Value>> {
    top.get(key)
        .and_then(Value::as_object)
        .ok_or_else(|| Error::invalid_argument(key, "must be an object of variables"))
}

/// How non-finite floats are held: `null` in strict JSON, or as private markers that
/// [`python_json`] writes as Python's `NaN`/`Infinity`/`-Infinity` tokens (and
/// [`parse_python_json`] reads them to).
#[derive(Clone, Copy)]
enum Floats {
    Strict,
    Python,
}

const NAN_MARK: &str = "\u{0}xr:NaN";
const INF_MARK: &str = "\u{0}xr:Infinity";
const NEG_INF_MARK: &str = "\u{0}xr:-Infinity";

/// The markers and the Python tokens they stand for.
const MARKS: [(&str, &str, f64); 3] = [
    (NEG_INF_MARK, "-Infinity", f64::NEG_INFINITY),
    (INF_MARK, "Infinity", f64::INFINITY),
    (NAN_MARK, "NaN", f64::NAN),
];

/// The float a JSON element stands for: a number, `null` (NaN, as xarray's float lists
/// with `None` hold), or a marker of a Python token.
fn float_of(v: &Value) -> Option<f64> {
    match v {
        Value::Null => Some(f64::NAN),
        Value::Number(n) => n.as_f64(),
        Value::String(s) => MARKS.iter().find(|m| m.0 == s).map(|m| m.2),
        _ => None,
    }
}

fn variable_to_dict(var: &Variable, floats: Floats) -> Result<Value> {
    let values = var.values()?.to_standard_layout();
    let flat = (0..values.len())
        .map(|i| values.get_flat(i).map(|s| scalar_to_value(&s, floats)))
        .collect::<Result<Vec<_>>>()?;
    let mut out = Map::new();
    out.insert("dims".into(), Value::from(var.dims().to_vec()));
    out.insert("attrs".into(), attrs_to_value(var.attrs(), floats));
    out.insert("data".into(), nest(flat, var.shape()));
    out.insert("dtype".into(), Value::from(var.dtype().name()));
    if let DType::DateTime(cal) = var.dtype() {
        out.insert("calendar".into(), Value::from(cal.name()));
    }
    Ok(Value::Object(out))
}

/// One element as Python's `tolist()` gives it, then as `json.dumps(default=str)`
/// writes it.
fn scalar_to_value(s: &Scalar, floats: Floats) -> Value {
    match s {
        Scalar::Bool(b) => Value::Bool(*b),
        Scalar::I64(v) => Value::from(*v),
        Scalar::U64(v) => Value::from(*v),
        Scalar::F64(v) if v.is_finite() => Value::from(*v),
        Scalar::F64(v) => match floats {
            Floats::Strict => Value::Null,
            Floats::Python if v.is_nan() => Value::from(NAN_MARK),
            Floats::Python if *v > 0.0 => Value::from(INF_MARK),
            Floats::Python => Value::from(NEG_INF_MARK),
        },
        Scalar::Str(v) => Value::from(v.as_str()),
        Scalar::DateTime(t, _) | Scalar::TimeDelta(t) if *t == NAT => Value::Null,
        Scalar::DateTime(t, cal) => {
            Value::from(CfDatetime::from_ticks(*t, *cal).to_python_string())
        }
        Scalar::TimeDelta(t) => Value::from(*t),
        // Scalar is non-exhaustive: a future kind reads as its text.
        #[allow(unreachable_patterns)]
        other => Value::from(other.to_string()),
    }
}

/// Rows of `flat` (row-major) nested as `shape`; a 0-d array is its one value.
fn nest(flat: Vec<Value>, shape: &[usize]) -> Value {
    match shape {
        [] => flat.into_iter().next().unwrap_or(Value::Null),
        [_] => Value::Array(flat),
        [_, rest @ ..] => {
            let inner: usize = rest.iter().product();
            if inner == 0 {
                return Value::Array(vec![Value::Array(Vec::new()); shape[0]]);
            }
            let mut rows = Vec::with_capacity(shape[0]);
            let mut it = flat.into_iter();
            for _ in 0..shape[0] {
                rows.push(nest(it.by_ref().take(inner).collect(), rest));
            }
            Value::Array(rows)
        }
    }
}

fn attrs_to_value(attrs: &Attrs, floats: Floats) -> Value {
    Value::Object(
        attrs
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    AttrValue::Str(s) => Value::from(s.as_str()),
                    AttrValue::Array(a) => {
                        let items: Vec<Value> = (0..a.len())
                            .map(|i| {
                                a.get_flat(i)
                                    .map_or(Value::Null, |s| scalar_to_value(&s, floats))
                            })
                            .collect();
                        // One number is a scalar attribute in xarray.
                        if items.len() == 1 {
                            items.into_iter().next().unwrap_or(Value::Null)
                        } else {
                            Value::Array(items)
                        }
                    }
                    // AttrValue is non-exhaustive.
                    #[allow(unreachable_patterns)]
                    other => Value::from(other.to_string()),
                };
                (k.clone(), v)
            })
            .collect(),
    )
}

fn attrs_from_value(owner: &str, v: &Value) -> Result<Attrs> {
    let obj = match v {
        Value::Null => return Ok(Attrs::new()),
        Value::Object(o) => o,
        other => {
            return Err(Error::invalid_argument(
                "attrs",
                format!("attrs of {owner:?} must be an object, not {other}"),
            ))
        }
    };
    let mut attrs = Attrs::new();
    for (k, v) in obj {
        let value = match v {
            Value::String(s) => AttrValue::Str(s.clone()),
            Value::Array(items) => AttrValue::Array(elements_to_array(
                &format!("{owner}.attrs.{k}"),
                items,
                None,
                &[items.len()],
            )?),
            Value::Null => continue,
            scalar => AttrValue::Array(elements_to_array(
                &format!("{owner}.attrs.{k}"),
                std::slice::from_ref(scalar),
                None,
                &[1],
            )?),
        };
        attrs.insert(k.clone(), value);
    }
    Ok(attrs)
}

fn variable_from_dict(name: &str, v: &Value) -> Result<Variable> {
    let obj = v.as_object().ok_or_else(|| {
        Error::invalid_argument(
            name,
            "a variable must be an object with \"dims\" and \"data\"",
        )
    })?;
    let missing = |key: &str| {
        Error::invalid_argument(
            name,
            format!("cannot convert dict without the key {key:?} (variable {name:?})"),
        )
    };
    let dims: Vec<String> = match obj.get("dims").ok_or_else(|| missing("dims"))? {
        // xarray takes a lone string as one dim.
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .map(|d| {
                d.as_str().map(str::to_string).ok_or_else(|| {
                    Error::invalid_argument(name, format!("dim names must be strings, not {d}"))
                })
            })
            .collect::<Result<_>>()?,
        other => {
            return Err(Error::invalid_argument(
                name,
                format!("\"dims\" must be a list of names, not {other}"),
            ))
        }
    };
    let data = obj.get("data").ok_or_else(|| missing("data"))?;
    let dtype = declared_dtype(name, obj)?;
    let (shape, flat) = flatten(name, data)?;
    if shape.len() != dims.len() {
        return Err(Error::invalid_argument(
            name,
            format!(
                "data of shape {shape:?} has {} axes but dims {dims:?} name {}",
                shape.len(),
                dims.len()
            ),
        ));
    }
    let values = elements_to_array(name, &flat, dtype, &shape)?;
    let mut var = Variable::new(&dims, values)?;
    if let Some(a) = obj.get("attrs") {
        *var.attrs_mut() = attrs_from_value(name, a)?;
    }
    Ok(var)
}

/// The `dtype` (and `calendar`) a variable dict declares, if any. `object` without a
/// calendar is left to the values, as xarray does.
fn declared_dtype(name: &str, obj: &Map<String, Value>) -> Result<Option<DType>> {
    let Some(dtype) = obj.get("dtype").and_then(Value::as_str) else {
        return Ok(None);
    };
    let calendar = obj
        .get("calendar")
        .and_then(Value::as_str)
        .map(|c| {
            c.parse::<Calendar>()
                .map_err(|e| Error::invalid_argument(name, format!("unknown calendar {c:?}: {e}")))
        })
        .transpose()?;
    if let Some(cal) = calendar {
        return Ok(Some(DType::DateTime(cal)));
    }
    if dtype.starts_with("datetime64") {
        return Ok(Some(DType::DateTime(Calendar::ProlepticGregorian)));
    }
    if dtype.starts_with("timedelta64") {
        return Ok(Some(DType::TimeDelta));
    }
    if dtype == "object" || dtype.starts_with("<U") || dtype.starts_with("|S") {
        return Ok(None);
    }
    DType::from_numpy_name(dtype)
        .map(Some)
        .ok_or_else(|| Error::invalid_argument(name, format!("unknown dtype {dtype:?}")))
}

/// The shape of nested lists (along their first elements), and their elements in
/// row-major order; every row must have that shape.
fn flatten(name: &str, data: &Value) -> Result<(Vec<usize>, Vec<Value>)> {
    let mut shape = Vec::new();
    let mut cur = data;
    while let Value::Array(items) = cur {
        shape.push(items.len());
        match items.first() {
            Some(first) => cur = first,
            None => break,
        }
    }
    let mut out = Vec::with_capacity(shape.iter().product());
    collect(name, data, &shape, 0, &mut out)?;
    Ok((shape, out))
}

fn collect(
    name: &str,
    v: &Value,
    shape: &[usize],
    depth: usize,
    out: &mut Vec<Value>,
) -> Result<()> {
    match (v, shape.get(depth)) {
        (Value::Array(items), Some(&n)) if items.len() == n => items
            .iter()
            .try_for_each(|item| collect(name, item, shape, depth + 1, out)),
        (Value::Array(_), _) | (_, Some(_)) => Err(Error::invalid_argument(
            name,
            format!("ragged data: the nested lists do not all have shape {shape:?}"),
        )),
        (scalar, None) => {
            out.push(scalar.clone());
            Ok(())
        }
    }
}

/// The array of `shape` holding `items` as `dtype`, or as the type their JSON kinds
/// give: bools, integers (int64), numbers or null (float64), strings.
fn elements_to_array(
    name: &str,
    items: &[Value],
    dtype: Option<DType>,
    shape: &[usize],
) -> Result<NdArray> {
    let dtype = match dtype {
        Some(d) => d,
        None => infer_dtype(name, items)?,
    };
    let bad = |v: &Value| {
        Error::invalid_argument(
            name,
            format!("value {v} does not fit dtype {}", dtype.name()),
        )
    };
    let arr = match dtype {
        DType::Bool => {
            let v = items
                .iter()
                .map(|x| x.as_bool().ok_or_else(|| bad(x)))
                .collect::<Result<Vec<_>>>()?;
            NdArray::from_shape_vec(shape, v)?
        }
        DType::Str => {
            let v = items
                .iter()
                .map(|x| match x {
                    Value::Null => Ok(String::new()),
                    other => other.as_str().map(str::to_string).ok_or_else(|| bad(other)),
                })
                .collect::<Result<Vec<_>>>()?;
            NdArray::from_shape_vec(shape, v)?
        }
        DType::DateTime(cal) => {
            let v = items
                .iter()
                .map(|x| match x {
                    Value::Null => Ok(NAT),
                    Value::String(s) => CfDatetime::parse(s, cal)
                        .and_then(|d| d.to_ticks())
                        .map_err(|e| {
                            Error::invalid_argument(
                                name,
                                format!("datetime {s:?} on calendar {cal}: {e}"),
                            )
                        }),
                    other => Err(bad(other)),
                })
                .collect::<Result<Vec<_>>>()?;
            let ticks = NdArray::from_shape_vec(shape, v)?;
            match ticks {
                NdArray::I64(t) => NdArray::datetime(t, cal),
                _ => return Err(Error::internal("i64 ticks")),
            }
        }
        DType::TimeDelta => {
            let v = items
                .iter()
                .map(|x| match x {
                    Value::Null => Ok(NAT),
                    other => other.as_i64().ok_or_else(|| bad(other)),
                })
                .collect::<Result<Vec<_>>>()?;
            match NdArray::from_shape_vec(shape, v)? {
                NdArray::I64(t) => NdArray::TimeDelta(t),
                _ => return Err(Error::internal("i64 ticks")),
            }
        }
        numeric => {
            let v = items
                .iter()
                .map(|x| float_of(x).ok_or_else(|| bad(x)))
                .collect::<Result<Vec<_>>>()?;
            // Integers beyond 2^53 keep their exact value through i64/u64.
            if numeric.is_integer() && items.iter().all(|x| x.is_i64() || x.is_u64()) {
                let exact = if numeric.is_signed_int() {
                    let v = items
                        .iter()
                        .map(|x| x.as_i64().ok_or_else(|| bad(x)))
                        .collect::<Result<Vec<_>>>()?;
                    NdArray::from_shape_vec(shape, v)?
                } else {
                    let v = items
                        .iter()
                        .map(|x| x.as_u64().ok_or_else(|| bad(x)))
                        .collect::<Result<Vec<_>>>()?;
                    NdArray::from_shape_vec(shape, v)?
                };
                exact.astype(numeric)?
            } else if numeric.is_integer() {
                let x = items
                    .iter()
                    .find(|x| !(x.is_i64() || x.is_u64()))
                    .unwrap_or(&Value::Null);
                return Err(bad(x));
            } else {
                NdArray::from_shape_vec(shape, v)?.astype(numeric)?
            }
        }
    };
    Ok(arr)
}

fn infer_dtype(name: &str, items: &[Value]) -> Result<DType> {
    #[derive(PartialEq, Eq, Hash, Clone, Copy)]
    enum Kind {
        Bool,
        Int,
        Float,
        Null,
        Str,
        Nested,
    }
    let kind = |v: &Value| match v {
        Value::Bool(_) => Kind::Bool,
        Value::Number(n) if n.is_i64() || n.is_u64() => Kind::Int,
        Value::String(s) if MARKS.iter().any(|m| m.0 == s) => Kind::Float,
        Value::Number(_) => Kind::Float,
        Value::Null => Kind::Null,
        Value::String(_) => Kind::Str,
        Value::Array(_) | Value::Object(_) => Kind::Nested,
    };
    let kinds: IndexSet<Kind> = items.iter().map(kind).collect();
    let within = |allowed: &[Kind]| kinds.iter().all(|k| allowed.contains(k));
    Ok(if within(&[Kind::Bool]) && !kinds.is_empty() {
        DType::Bool
    } else if within(&[Kind::Int]) && !kinds.is_empty() {
        DType::I64
    } else if within(&[Kind::Int, Kind::Float, Kind::Null]) {
        // Also an empty list, as numpy's `np.array([])`.
        DType::F64
    } else if within(&[Kind::Str, Kind::Null]) {
        // xarray's object arrays of strings with None: None is the empty string.
        DType::Str
    } else {
        return Err(Error::invalid_argument(
            name,
            "data mixes JSON types (numbers, strings, bools, objects) that no one dtype holds",
        ));
    })
}

/// JSON text as Python's `json.dumps` writes it: the float markers as bare `NaN`,
/// `Infinity` and `-Infinity`.
fn python_json(v: &Value) -> String {
    let mut out = String::new();
    write_python_json(v, &mut out);
    out
}

fn write_python_json(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => match MARKS.iter().find(|m| m.0 == s) {
            Some(m) => out.push_str(m.1),
            None => out.push_str(&Value::String(s.clone()).to_string()),
        },
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_python_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push_str(": ");
                write_python_json(item, out);
            }
            out.push('}');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Parses JSON that may hold Python's `NaN`, `Infinity` and `-Infinity` tokens (outside
/// strings), which become the float markers.
fn parse_python_json(text: &str) -> Result<Value> {
    let mut clean = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if in_string {
            in_string = escaped || c != '"';
            escaped = !escaped && c == '\\';
        } else if c == '"' {
            in_string = true;
        } else if let Some(m) = MARKS.iter().find(|m| rest.starts_with(m.1)) {
            clean.push_str(&Value::from(m.0).to_string());
            rest = &rest[m.1.len()..];
            continue;
        }
        clean.push(c);
        rest = &rest[c.len_utf8()..];
    }
    serde_json::from_str(&clean).map_err(|source| Error::Json { source })
}
