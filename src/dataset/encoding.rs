//! `Encoding`: how a variable was or will be stored, apart from its attributes.
//!
//! The drivers fill it when they read and follow it when they write; CF decoding moves
//! the storage attributes (`_FillValue`, `scale_factor`, `units`, ...) here so that the
//! user's attributes stay clean and files round-trip. [`Encoding::to_attrs`] and
//! [`Encoding::from_attrs`] translate to and from xarray's `encoding` dicts.

use crate::array::{DType, NdArray};
use crate::error::{Error, Result};

use super::{AttrValue, Attrs};

/// How a variable is stored. Every field is optional: an empty encoding lets each driver
/// choose (xarray's defaults).
///
/// ```
/// # fn main() -> xr::Result<()> {
/// use xr::{Compression, Encoding};
/// let t = xr::Variable::new(&["x"], vec![1.5f64, 2.5])?.with_encoding(Encoding {
///     dtype: Some(xr::DType::I16),
///     scale_factor: Some(0.01f64.into()),
///     compression: Some(Compression::Zlib(4)),
///     ..Encoding::default()
/// });
/// assert_eq!(t.encoding().dtype, Some(xr::DType::I16));
/// # Ok(())
/// # }
/// ```
/// A NetCDF-4 enum type: integers with a label each.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumType {
    /// The type's name in the file.
    pub name: String,
    /// The labels, in the order of `values`.
    pub labels: Vec<String>,
    /// The integer of each label, as a 1-D array of the enum's base type.
    pub values: AttrValue,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Encoding {
    /// Where the variable was read from (a file path or a store URL).
    pub source: Option<String>,
    /// The stored dtype (xarray's `dtype`): values are cast (floats packed with
    /// `scale_factor`/`add_offset`) to it when written.
    pub dtype: Option<DType>,
    /// Strings stored as fixed-width characters: NetCDF `char` arrays, xarray's dtype
    /// `"S1"`.
    pub chars: bool,
    /// The string-length dimension of strings stored as characters.
    pub char_dim_name: Option<String>,
    /// The stored shape (for characters, with the string length last).
    pub original_shape: Option<Vec<usize>>,
    /// The CF `_FillValue` written for missing values, in its stored type.
    pub fill_value: Option<AttrValue>,
    /// The CF `missing_value` (one value or several).
    pub missing_value: Option<AttrValue>,
    /// The CF `scale_factor`; its type decides the decoded float type.
    pub scale_factor: Option<AttrValue>,
    /// The CF `add_offset`.
    pub add_offset: Option<AttrValue>,
    /// The NetCDF `_Unsigned` attribute (`"true"`: a signed type holds unsigned values).
    pub unsigned: Option<AttrValue>,
    /// CF time units (`"days since 2000-01-01"`).
    pub units: Option<String>,
    /// The CF calendar name, as written.
    pub calendar: Option<String>,
    /// The CF `coordinates` attribute the variable was read with.
    pub coordinates: Option<String>,
    /// The character set of strings stored as characters (`_Encoding`, `"utf-8"`).
    pub string_encoding: Option<String>,
    /// The NetCDF-4 enum type the integers were stored as (xarray keeps it as the `enum`
    /// and `enum_name` metadata of the encoding's dtype).
    pub enum_type: Option<EnumType>,
    /// The compressor.
    pub compression: Option<Compression>,
    /// The shuffle filter (NetCDF-4).
    pub shuffle: Option<bool>,
    /// The fletcher32 checksum (NetCDF-4).
    pub fletcher32: Option<bool>,
    /// Contiguous (unchunked) storage (NetCDF-4).
    pub contiguous: Option<bool>,
    /// NetCDF-4 chunk sizes (xarray's `chunksizes`).
    pub chunksizes: Option<Vec<usize>>,
    /// Zarr chunk shape (inside a shard when sharded).
    pub chunks: Option<Vec<usize>>,
    /// Zarr v3 shard shape.
    pub shards: Option<Vec<usize>>,
    /// The Zarr v3 array `fill_value` (the value of chunks never written).
    pub zarr_fill_value: Option<AttrValue>,
    /// Zarr v3 codecs, as JSON text (read from a store; written back as given).
    pub codecs: Option<String>,
    /// Zarr v2 filters, as JSON text.
    pub filters: Option<String>,
    /// The NetCDF dims of the file that were unlimited.
    pub unlimited_dims: Vec<String>,
}

/// A compressor, with its level.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Compression {
    /// No compression.
    None,
    /// NetCDF-4's deflate (xarray's `zlib`/`complevel`); Zarr writes its default codec.
    /// An unset compression is each format's default (none for NetCDF).
    Zlib(u32),
    /// Zarr's gzip codec.
    Gzip(u32),
    /// Zstandard.
    Zstd(i32),
    /// Blosc; `cname` `None` is the format's default (lz4 for v2, zstd for v3).
    Blosc {
        /// The inner compressor's name.
        cname: Option<String>,
        /// The level.
        clevel: u32,
    },
    /// A Zarr v2 (numcodecs) compressor configuration, as JSON text.
    ZarrV2(String),
}

impl Compression {
    /// The compression a Zarr `compressor` name gives, as `to_zarr` writes it (`"zstd"`,
    /// `"gzip"`, `"blosc"`, `"none"`); anything else is v2 JSON text.
    pub fn from_zarr_name(name: &str) -> Compression {
        match name {
            "zstd" => Compression::Zstd(0),
            "gzip" => Compression::Gzip(5),
            "blosc" => Compression::Blosc {
                cname: None,
                clevel: 5,
            },
            "none" => Compression::None,
            json => Compression::ZarrV2(json.to_string()),
        }
    }
}

/// How a dataset was stored, like xarray's `Dataset.encoding`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DatasetEncoding {
    /// The path or URL the dataset was opened from.
    pub source: Option<String>,
    /// The dims `to_netcdf` writes as unlimited unless told otherwise; when `None`, those
    /// the variables were read with.
    pub unlimited_dims: Option<Vec<String>>,
}

impl DatasetEncoding {
    /// The encoding as xarray's dict: `source` and `unlimited_dims` (a string array).
    pub fn to_attrs(&self) -> Attrs {
        let mut out = Attrs::new();
        if let Some(s) = &self.source {
            out.insert("source".into(), AttrValue::Str(s.clone()));
        }
        if let Some(dims) = &self.unlimited_dims {
            out.insert(
                "unlimited_dims".into(),
                AttrValue::Array(NdArray::from(dims.clone())),
            );
        }
        out
    }
}

fn flag(b: bool) -> AttrValue {
    AttrValue::Array(NdArray::from(vec![b]))
}

fn shape_attr(s: &[usize]) -> AttrValue {
    s.iter().map(|&c| c as u64).collect::<Vec<_>>().into()
}

impl Encoding {
    /// Fields set in `other` replace those of `self` (a per-variable override given to a
    /// writer).
    pub fn update(&mut self, other: &Encoding) {
        macro_rules! take {
            ($($f:ident),*) => {$(
                if other.$f.is_some() {
                    self.$f.clone_from(&other.$f);
                }
            )*};
        }
        take!(
            source,
            dtype,
            char_dim_name,
            original_shape,
            fill_value,
            missing_value,
            scale_factor,
            add_offset,
            unsigned,
            units,
            calendar,
            coordinates,
            string_encoding,
            compression,
            shuffle,
            fletcher32,
            contiguous,
            chunksizes,
            chunks,
            shards,
            zarr_fill_value,
            codecs,
            filters
        );
        self.chars |= other.chars;
        if !other.unlimited_dims.is_empty() {
            self.unlimited_dims.clone_from(&other.unlimited_dims);
        }
    }

    /// The CF attribute `key` (`_FillValue`, `scale_factor`, `units`, ...) that this
    /// encoding holds: what the writers add to the stored attributes.
    pub(crate) fn cf_attr(&self, key: &str) -> Option<AttrValue> {
        let s = |v: &Option<String>| v.clone().map(AttrValue::Str);
        match key {
            "_FillValue" => self.fill_value.clone(),
            "missing_value" => self.missing_value.clone(),
            "scale_factor" => self.scale_factor.clone(),
            "add_offset" => self.add_offset.clone(),
            "_Unsigned" => self.unsigned.clone(),
            "units" => s(&self.units),
            "calendar" => s(&self.calendar),
            _ => None,
        }
    }

    /// The encoding as xarray's dict, with its key names and value types (`dtype` as
    /// numpy's name, `"S1"` for characters; flags as one-element bool arrays; shapes as
    /// `u64` arrays; NetCDF compression as `zlib` and `complevel`).
    pub fn to_attrs(&self) -> Attrs {
        let mut out = Attrs::new();
        let mut put = |k: &str, v: Option<AttrValue>| {
            if let Some(v) = v {
                out.insert(k.to_string(), v);
            }
        };
        let s = |v: &Option<String>| v.clone().map(AttrValue::Str);
        put("source", s(&self.source));
        put(
            "dtype",
            self.dtype.map(|d| {
                AttrValue::Str(match d {
                    DType::Str if self.chars => "S1".into(),
                    DType::Str => "str".into(),
                    d => d.name().to_string(),
                })
            }),
        );
        put(
            "original_shape",
            self.original_shape.as_deref().map(shape_attr),
        );
        put("char_dim_name", s(&self.char_dim_name));
        for key in [
            "_FillValue",
            "missing_value",
            "scale_factor",
            "add_offset",
            "_Unsigned",
            "units",
            "calendar",
        ] {
            put(key, self.cf_attr(key));
        }
        put("coordinates", s(&self.coordinates));
        put("_Encoding", s(&self.string_encoding));
        match &self.compression {
            Some(Compression::Zlib(level)) => {
                put("zlib", Some(flag(true)));
                put("complevel", Some(AttrValue::from(*level as i64)));
            }
            None if self.shuffle.is_some() => {
                // What the NetCDF reader records for a filter pipeline without deflate.
                put("zlib", Some(flag(false)));
                put("complevel", Some(AttrValue::from(0i64)));
            }
            Some(Compression::ZarrV2(json)) => {
                put("compressor", Some(AttrValue::Str(json.clone())))
            }
            Some(Compression::None) => put("compressor", Some(AttrValue::Str("none".into()))),
            Some(Compression::Zstd(_)) => put("compressor", Some(AttrValue::Str("zstd".into()))),
            Some(Compression::Gzip(_)) => put("compressor", Some(AttrValue::Str("gzip".into()))),
            Some(Compression::Blosc { .. }) => {
                put("compressor", Some(AttrValue::Str("blosc".into())));
            }
            None => {}
        }
        put("shuffle", self.shuffle.map(flag));
        put("fletcher32", self.fletcher32.map(flag));
        put("contiguous", self.contiguous.map(flag));
        put("chunksizes", self.chunksizes.as_deref().map(shape_attr));
        put("chunks", self.chunks.as_deref().map(shape_attr));
        put("shards", self.shards.as_deref().map(shape_attr));
        put("fill_value", self.zarr_fill_value.clone());
        put("codecs", s(&self.codecs));
        put("filters", s(&self.filters));
        if !self.unlimited_dims.is_empty() {
            put(
                "unlimited_dims",
                Some(AttrValue::Array(NdArray::from(self.unlimited_dims.clone()))),
            );
        }
        out
    }

    /// An encoding from xarray's dict (the keys [`Encoding::to_attrs`] gives; flags as
    /// numbers, bools or `"true"`/`"false"`). Unknown keys are ignored, as xarray's
    /// writers drop them.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the key for an unknown dtype or a value of the
    /// wrong kind.
    pub fn from_attrs(attrs: &Attrs) -> Result<Encoding> {
        let bad = |key: &str, v: &AttrValue| {
            Error::invalid_argument("attrs", format!("encoding {key:?}: unexpected value {v:?}"))
        };
        let text = |key: &str| -> Result<Option<String>> {
            attrs
                .get(key)
                .map(|v| v.as_str().map(str::to_string).ok_or_else(|| bad(key, v)))
                .transpose()
        };
        let boolean = |key: &str| -> Option<bool> {
            attrs.get(key).and_then(|v| match v {
                AttrValue::Str(s) => Some(s.eq_ignore_ascii_case("true")),
                other => other.as_f64().map(|x| x != 0.0),
            })
        };
        let shape = |key: &str| -> Result<Option<Vec<usize>>> {
            match attrs.get(key) {
                None => Ok(None),
                Some(AttrValue::Array(a)) => Ok(Some(
                    a.to_f64_vec()?
                        .into_iter()
                        .map(|x| x.max(0.0) as usize)
                        .collect(),
                )),
                Some(v) => Err(bad(key, v)),
            }
        };
        let mut enc = Encoding::default();
        if let Some(name) = text("dtype")? {
            enc.chars = matches!(name.as_str(), "S1" | "|S1");
            enc.dtype = Some(DType::from_numpy_name(&name).ok_or_else(|| {
                Error::invalid_argument(
                    "attrs",
                    format!("encoding \"dtype\": unknown dtype {name:?}"),
                )
            })?);
        }
        enc.source = text("source")?;
        enc.char_dim_name = text("char_dim_name")?;
        enc.original_shape = shape("original_shape")?;
        enc.fill_value = attrs.get("_FillValue").cloned();
        enc.missing_value = attrs.get("missing_value").cloned();
        enc.scale_factor = attrs.get("scale_factor").cloned();
        enc.add_offset = attrs.get("add_offset").cloned();
        enc.unsigned = attrs.get("_Unsigned").cloned();
        enc.units = text("units")?;
        enc.calendar = text("calendar")?;
        enc.coordinates = text("coordinates")?;
        enc.string_encoding = text("_Encoding")?;
        let level = attrs.get("complevel").and_then(AttrValue::as_f64);
        let zlib = boolean("zlib").unwrap_or_else(|| level.is_some_and(|l| l > 0.0));
        enc.compression = if zlib {
            Some(Compression::Zlib(level.unwrap_or(4.0).max(0.0) as u32))
        } else {
            text("compressor")?.map(|c| Compression::from_zarr_name(&c))
        };
        enc.shuffle = boolean("shuffle");
        enc.fletcher32 = boolean("fletcher32");
        enc.contiguous = boolean("contiguous");
        enc.chunksizes = shape("chunksizes")?;
        enc.chunks = shape("chunks")?;
        enc.shards = shape("shards")?;
        enc.zarr_fill_value = attrs.get("fill_value").cloned();
        enc.codecs = text("codecs")?;
        enc.filters = text("filters")?;
        if let Some(v) = attrs.get("unlimited_dims") {
            enc.unlimited_dims = match v {
                AttrValue::Array(NdArray::Str(a)) => a.iter().cloned().collect(),
                AttrValue::Str(s) => vec![s.clone()],
                other => return Err(bad("unlimited_dims", other)),
            };
        }
        Ok(enc)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn xarray_dicts_round_trip() {
        let enc = Encoding {
            dtype: Some(DType::I16),
            scale_factor: Some(0.5f32.into()),
            units: Some("days since 2000-01-01".into()),
            compression: Some(Compression::Zlib(2)),
            shuffle: Some(true),
            chunksizes: Some(vec![4, 3]),
            unlimited_dims: vec!["time".into()],
            ..Encoding::default()
        };
        let attrs = enc.to_attrs();
        assert_eq!(attrs["dtype"].as_str(), Some("int16"));
        assert_eq!(attrs["complevel"].as_f64(), Some(2.0));
        assert_eq!(Encoding::from_attrs(&attrs).unwrap(), enc);
        let chars = Encoding {
            dtype: Some(DType::Str),
            chars: true,
            ..Encoding::default()
        };
        assert_eq!(chars.to_attrs()["dtype"].as_str(), Some("S1"));
        assert_eq!(Encoding::from_attrs(&chars.to_attrs()).unwrap(), chars);
    }
}
