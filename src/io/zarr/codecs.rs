//! The numcodecs codecs zarrs lacks, as zarrs codecs, following numcodecs' definitions
//! (numcodecs 0.16), so that stores zarr-python writes with them read, and xr can write
//! them. Each registers itself with zarrs (through `inventory`) under its Zarr v2 `id`
//! and its zarr-python v3 name, so zarrs finds it wherever it finds its own codecs.
//!
//! | v2 `id` | v3 `name` | here | kind |
//! | --- | --- | --- | --- |
//! | `delta` | `numcodecs.delta` | [`delta`] | filter (array → array) |
//! | `quantize` | `numcodecs.quantize` | [`quantize`] | filter |
//! | `astype` | `numcodecs.astype` | [`astype`] | filter |
//! | `packbits` | `numcodecs.packbits` | [`packbits`] | filter (bool → bytes) |
//! | `categorize` | `numcodecs.categorize` | [`categorize`] | filter (`<U` strings → codes) |
//! | `bitround` | (zarrs' `numcodecs.bitround`) | [`bitround`] | filter |
//! | `fixedscaleoffset` | `numcodecs.fixedscaleoffset` | [`fixedscaleoffset`] | filter (in place of zarrs') |
//! | `lzma` | `numcodecs.lzma` | [`lzma`] | compressor (bytes → bytes) |
//! | `shuffle` | `numcodecs.shuffle` | [`shuffle`] | bytes → bytes (in place of zarrs', faster) |
//! | `zlib` | `numcodecs.zlib` | `zlib` (feature `direct`) | zarrs' compressor, decoded by libdeflate |
//!
//! zarrs itself (cargo features of the `zarrs` dependency) reads and writes `zlib`, `bz2`
//! (pure-Rust libbz2-rs) and v3 `numcodecs.bitround`; [`register`] gives
//! `numcodecs.zlib`/`numcodecs.bz2` numcodecs' default level when zarr-python omits it.
//!
//! numcodecs filters see the chunk in memory, in the byte order of the filter's `dtype`;
//! zarrs hands a filter the chunk in native order. The two agree for the little-endian
//! dtypes (`<i4`, `<f8`) that zarr-python writes on every common machine; a filter
//! declared on a big-endian dtype (`>i4`) is refused by name.

mod astype;
mod bitround;
pub(crate) mod blosc_typesize;
mod categorize;
mod delta;
mod fixedscaleoffset;
mod lzma;
mod packbits;
mod quantize;
mod shuffle;
mod whole_chunk;
#[cfg(feature = "direct")]
mod zlib;

use std::fmt;

use crate::array::{ByteOrder, DType};
use serde_json::{Map, Value};
use zarrs::array::codec::api::CodecError;
use zarrs::array::DataType;
use zarrs::plugin::{ExtensionName, ZarrVersion};

/// Registers what cannot be registered at compile time: zarrs' `numcodecs.zlib` and
/// `numcodecs.bz2` with numcodecs' default `level` (1) when the configuration has none,
/// as zarr-python writes `Zlib()`/`BZ2()`. Idempotent; called when a store is opened.
pub(crate) fn register() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        use zarrs::array::codec::api::{
            register_codec_v2, register_codec_v3, CodecRuntimePluginV2, CodecRuntimePluginV3,
            CodecTraitsV2, CodecTraitsV3,
        };
        use zarrs::array::codec::{Bz2Codec, ZlibCodec};
        use zarrs::metadata::v2::MetadataV2;
        use zarrs::metadata::v3::MetadataV3;
        fn with_level(metadata: &MetadataV3) -> MetadataV3 {
            let mut config = metadata
                .configuration()
                .map(|c| (**c).clone())
                .unwrap_or_default();
            config.entry("level").or_insert(Value::from(1));
            MetadataV3::new_with_configuration(metadata.name().to_string(), config)
        }
        // Ours in place of zarrs' (see `fixedscaleoffset`): zarrs turns a v2
        // `fixedscaleoffset` into this v3 name, so both versions come here.
        let _ = register_codec_v3(CodecRuntimePluginV3::new(
            |name| name == "numcodecs.fixedscaleoffset",
            |metadata: &MetadataV3| {
                let config = metadata
                    .configuration()
                    .map(|c| (**c).clone())
                    .unwrap_or_default();
                create_filter::<fixedscaleoffset::FixedScaleOffset>(&config)
            },
        ));
        let _ = register_codec_v2(CodecRuntimePluginV2::new(
            |name| name == "fixedscaleoffset",
            |metadata: &MetadataV2| {
                create_filter::<fixedscaleoffset::FixedScaleOffset>(metadata.configuration())
            },
        ));
        // Ours in place of zarrs' `shuffle` (see `shuffle`), under both names.
        let _ = register_codec_v3(CodecRuntimePluginV3::new(
            |name| name == "numcodecs.shuffle",
            |metadata: &MetadataV3| {
                let config = metadata
                    .configuration()
                    .map(|c| (**c).clone())
                    .unwrap_or_default();
                shuffle::Shuffle::create(&config)
            },
        ));
        let _ = register_codec_v2(CodecRuntimePluginV2::new(
            |name| name == "shuffle",
            |metadata: &MetadataV2| shuffle::Shuffle::create(metadata.configuration()),
        ));
        let _ = register_codec_v2(CodecRuntimePluginV2::new(
            |name| name == blosc_typesize::ID,
            blosc_typesize::create,
        ));
        // The handles are dropped: the plugins stay registered for the process.
        // With the direct reader's libdeflate: zarrs' codec decoded by it (see `zlib`).
        #[cfg(feature = "direct")]
        let zlib = zlib::Zlib::wrap;
        #[cfg(not(feature = "direct"))]
        let zlib = |codec| codec;
        let _ = register_codec_v3(CodecRuntimePluginV3::new(
            |name| name == "numcodecs.zlib",
            move |metadata: &MetadataV3| {
                zlib(<ZlibCodec as CodecTraitsV3>::create(&with_level(metadata)))
            },
        ));
        let _ = register_codec_v2(CodecRuntimePluginV2::new(
            |name| name == "zlib",
            move |metadata: &MetadataV2| zlib(<ZlibCodec as CodecTraitsV2>::create(metadata)),
        ));
        let _ = register_codec_v3(CodecRuntimePluginV3::new(
            |name| name == "numcodecs.bz2",
            |metadata: &MetadataV3| <Bz2Codec as CodecTraitsV3>::create(&with_level(metadata)),
        ));
    });
}

/// The configuration of numcodecs codec `name` (a v3 `numcodecs.*` name) as zarr-python
/// reads it back: numcodecs' `get_config()` defaults for the fields `config` leaves out
/// (`Zlib()` is `{"level": 1}`, `LZMA()` is `{"format": 1, "check": -1, "preset": null,
/// "filters": null}`). `None` for codecs that are not numcodecs'; for those that are,
/// the configuration must be written even when empty (zarr-python refuses a
/// `numcodecs.*` codec without a `configuration` key).
pub(crate) fn numcodecs_v3_configuration(
    name: &str,
    config: &Map<String, Value>,
) -> Option<Map<String, Value>> {
    let id = name.strip_prefix("numcodecs.")?;
    let defaults: &[(&str, Value)] = match id {
        "zlib" | "bz2" => &[("level", Value::from(1))],
        "lzma" => &[
            ("format", Value::from(1)),
            ("check", Value::from(-1)),
            ("preset", Value::Null),
            ("filters", Value::Null),
        ],
        "shuffle" => &[("elementsize", Value::from(4))],
        _ => &[],
    };
    let mut config = config.clone();
    for (key, value) in defaults {
        config.entry(*key).or_insert_with(|| value.clone());
    }
    Some(config)
}

/// The numeric element types numcodecs filters work on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Num {
    Bool,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    F32,
    F64,
}

impl Num {
    /// The type of a numpy dtype string as numcodecs records it (`"<i4"`, `"|u1"`,
    /// `"f8"`, `"int32"`), read with the crate's dtype table.
    fn from_numpy(codec: &str, field: &str, text: &str) -> Result<Num, String> {
        let bad = |why: &str| format!("{codec}: {field} {text:?} {why}");
        let dtype = match DType::from_zarr_v2(text) {
            Some((_, ByteOrder::Big)) if text.starts_with('>') => {
                return Err(bad("is big-endian, which xr does not read in a filter"))
            }
            Some((dtype, _)) => Some(dtype),
            None if text == "?" => Some(DType::Bool),
            None => DType::from_numpy_name(text),
        };
        dtype
            .and_then(Num::from_dtype)
            .ok_or_else(|| bad("is not a numeric dtype xr reads"))
    }

    /// The type of a zarrs data type, if numeric.
    fn from_data_type(data_type: &DataType) -> Option<Num> {
        let name = data_type.name(ZarrVersion::V3)?;
        DType::from_zarr_v3(name.as_ref()).and_then(Num::from_dtype)
    }

    /// The numeric element type of a crate dtype.
    fn from_dtype(dtype: DType) -> Option<Num> {
        Some(match dtype {
            DType::Bool => Num::Bool,
            DType::I8 => Num::I8,
            DType::I16 => Num::I16,
            DType::I32 => Num::I32,
            DType::I64 => Num::I64,
            DType::U8 => Num::U8,
            DType::U16 => Num::U16,
            DType::U32 => Num::U32,
            DType::U64 => Num::U64,
            DType::F32 => Num::F32,
            DType::F64 => Num::F64,
            _ => return None,
        })
    }

    /// The crate dtype of this element type.
    fn dtype(self) -> DType {
        match self {
            Num::Bool => DType::Bool,
            Num::I8 => DType::I8,
            Num::I16 => DType::I16,
            Num::I32 => DType::I32,
            Num::I64 => DType::I64,
            Num::U8 => DType::U8,
            Num::U16 => DType::U16,
            Num::U32 => DType::U32,
            Num::U64 => DType::U64,
            Num::F32 => DType::F32,
            Num::F64 => DType::F64,
        }
    }

    fn data_type(self) -> DataType {
        use zarrs::array::data_type as dt;
        match self {
            Num::Bool => dt::bool(),
            Num::I8 => dt::int8(),
            Num::I16 => dt::int16(),
            Num::I32 => dt::int32(),
            Num::I64 => dt::int64(),
            Num::U8 => dt::uint8(),
            Num::U16 => dt::uint16(),
            Num::U32 => dt::uint32(),
            Num::U64 => dt::uint64(),
            Num::F32 => dt::float32(),
            Num::F64 => dt::float64(),
        }
    }

    fn is_float(self) -> bool {
        matches!(self, Num::F32 | Num::F64)
    }
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.dtype().fmt(f)
    }
}

/// Runs `$body` with `$t` bound to the Rust type of `$num` (a [`Num`] other than
/// `Bool`); `$bool` is the value for `Bool`.
macro_rules! with_num {
    ($num:expr, $t:ident => $body:expr, Bool => $bool:expr) => {
        match $num {
            Num::Bool => $bool,
            Num::I8 => {
                type $t = i8;
                $body
            }
            Num::I16 => {
                type $t = i16;
                $body
            }
            Num::I32 => {
                type $t = i32;
                $body
            }
            Num::I64 => {
                type $t = i64;
                $body
            }
            Num::U8 => {
                type $t = u8;
                $body
            }
            Num::U16 => {
                type $t = u16;
                $body
            }
            Num::U32 => {
                type $t = u32;
                $body
            }
            Num::U64 => {
                type $t = u64;
                $body
            }
            Num::F32 => {
                type $t = f32;
                $body
            }
            Num::F64 => {
                type $t = f64;
                $body
            }
        }
    };
}
use with_num;

/// A numeric element as numcodecs filters treat it: read from and written to native
/// bytes, cast as numpy's `astype` casts (integers wrap), added and subtracted as numpy
/// adds in the element's own type (integers wrap).
trait Scalar: Copy + 'static {
    const SIZE: usize;
    const FLOAT: bool;
    fn read(bytes: &[u8]) -> Self;
    fn write(self, out: &mut Vec<u8>);
    fn to_f64(self) -> f64;
    fn from_f64(v: f64) -> Self;
    fn to_i128(self) -> i128;
    fn from_i128(v: i128) -> Self;
    fn add(self, other: Self) -> Self;
    fn sub(self, other: Self) -> Self;
}

macro_rules! scalar_int {
    ($($t:ty),*) => {$(
        impl Scalar for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            const FLOAT: bool = false;
            fn read(bytes: &[u8]) -> Self {
                let mut a = [0u8; std::mem::size_of::<$t>()];
                a.copy_from_slice(bytes);
                <$t>::from_ne_bytes(a)
            }
            fn write(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_ne_bytes());
            }
            #[allow(clippy::cast_precision_loss)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            /// NaN and values out of range become numpy's result on x86-64 (the
            /// "integer indefinite", `i32::MIN` or `i64::MIN`, cut to the type's width),
            /// where Rust would saturate.
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss,
                clippy::cast_possible_wrap
            )]
            fn from_f64(v: f64) -> Self {
                if v.is_nan() || v < <$t>::MIN as f64 || v > <$t>::MAX as f64 {
                    if std::mem::size_of::<$t>() == 8 {
                        i64::MIN as $t
                    } else {
                        i32::MIN as $t
                    }
                } else {
                    v as $t
                }
            }
            #[allow(clippy::cast_lossless)]
            fn to_i128(self) -> i128 {
                self as i128
            }
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            fn from_i128(v: i128) -> Self {
                v as $t
            }
            fn add(self, other: Self) -> Self {
                self.wrapping_add(other)
            }
            fn sub(self, other: Self) -> Self {
                self.wrapping_sub(other)
            }
        }
    )*};
}
scalar_int!(i8, i16, i32, i64, u8, u16, u32, u64);

macro_rules! scalar_float {
    ($($t:ty),*) => {$(
        impl Scalar for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            const FLOAT: bool = true;
            fn read(bytes: &[u8]) -> Self {
                let mut a = [0u8; std::mem::size_of::<$t>()];
                a.copy_from_slice(bytes);
                <$t>::from_ne_bytes(a)
            }
            fn write(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_ne_bytes());
            }
            #[allow(clippy::cast_lossless)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[allow(clippy::cast_possible_truncation)]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[allow(clippy::cast_possible_truncation)]
            fn to_i128(self) -> i128 {
                self as i128
            }
            #[allow(clippy::cast_precision_loss)]
            fn from_i128(v: i128) -> Self {
                v as $t
            }
            fn add(self, other: Self) -> Self {
                self + other
            }
            fn sub(self, other: Self) -> Self {
                self - other
            }
        }
    )*};
}
scalar_float!(f32, f64);

/// `v` as numpy's `astype` casts it.
fn cast<T: Scalar, U: Scalar>(v: T) -> U {
    if T::FLOAT || U::FLOAT {
        U::from_f64(v.to_f64())
    } else {
        U::from_i128(v.to_i128())
    }
}

/// The elements of native `bytes`.
fn elements<T: Scalar>(bytes: &[u8]) -> impl Iterator<Item = T> + '_ {
    bytes.chunks_exact(T::SIZE).map(T::read)
}

/// `bytes` holding elements of `from` as native bytes of `to`, each cast as `astype` does.
fn cast_bytes(bytes: &[u8], from: Num, to: Num) -> Result<Vec<u8>, CodecError> {
    fn go<T: Scalar>(bytes: &[u8], to: Num) -> Result<Vec<u8>, CodecError> {
        with_num!(to, U => {
            let mut out = Vec::with_capacity(bytes.len() / T::SIZE * U::SIZE);
            elements::<T>(bytes).for_each(|v| cast::<T, U>(v).write(&mut out));
            Ok(out)
        }, Bool => Err(unsupported("astype", "bool")))
    }
    with_num!(from, T => go::<T>(bytes, to), Bool => Err(unsupported("astype", "bool")))
}

fn unsupported(codec: &str, what: impl fmt::Display) -> CodecError {
    CodecError::Other(format!("{codec}: unsupported data type {what}"))
}

/// Checks that the array's data type is the `dtype` a filter was declared with.
fn check_decoded(codec: &str, declared: Num, data_type: &DataType) -> Result<(), CodecError> {
    match Num::from_data_type(data_type) {
        Some(n) if n == declared => Ok(()),
        _ => Err(CodecError::Other(format!(
            "{codec}: the filter is declared on {declared} but the array holds {data_type}"
        ))),
    }
}

/// A string field of a codec configuration.
fn text_field<'a>(
    codec: &str,
    config: &'a Map<String, Value>,
    field: &str,
) -> Result<&'a str, String> {
    config
        .get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{codec}: configuration has no string field {field:?}"))
}

/// The type named by a dtype field of a codec configuration (`default` when absent).
fn num_field(
    codec: &str,
    config: &Map<String, Value>,
    field: &str,
    default: Option<Num>,
) -> Result<Num, String> {
    match (config.get(field), default) {
        (None | Some(Value::Null), Some(d)) => Ok(d),
        _ => Num::from_numpy(codec, field, text_field(codec, config, field)?),
    }
}

/// Implements zarrs' codec traits for a numcodecs filter type `$t` (which implements
/// [`Filter`]) and registers it under its v3 name and v2 id.
macro_rules! register_filter {
    ($t:ident, v3: $v3:expr, v2: $v2:expr) => {
        zarrs::plugin::impl_extension_aliases!($t, v3: $v3, v2: $v2);
        inventory::submit! { zarrs::array::codec::api::CodecPluginV3::new::<$t>() }
        inventory::submit! { zarrs::array::codec::api::CodecPluginV2::new::<$t>() }
        impl zarrs::array::codec::api::CodecTraitsV3 for $t {
            fn create(
                metadata: &zarrs::metadata::v3::MetadataV3,
            ) -> Result<zarrs::array::codec::api::Codec, zarrs::plugin::PluginCreateError> {
                let config = metadata.configuration().map(|c| (**c).clone()).unwrap_or_default();
                $crate::io::zarr::codecs::create_filter::<$t>(&config)
            }
        }
        impl zarrs::array::codec::api::CodecTraitsV2 for $t {
            fn create(
                metadata: &zarrs::metadata::v2::MetadataV2,
            ) -> Result<zarrs::array::codec::api::Codec, zarrs::plugin::PluginCreateError> {
                $crate::io::zarr::codecs::create_filter::<$t>(metadata.configuration())
            }
        }
        $crate::io::zarr::codecs::filter_codec_traits!($t);
    };
    ($t:ident, v2: $v2:expr) => {
        zarrs::plugin::impl_extension_aliases!($t, v2: $v2);
        inventory::submit! { zarrs::array::codec::api::CodecPluginV2::new::<$t>() }
        impl zarrs::array::codec::api::CodecTraitsV2 for $t {
            fn create(
                metadata: &zarrs::metadata::v2::MetadataV2,
            ) -> Result<zarrs::array::codec::api::Codec, zarrs::plugin::PluginCreateError> {
                $crate::io::zarr::codecs::create_filter::<$t>(metadata.configuration())
            }
        }
        $crate::io::zarr::codecs::filter_codec_traits!($t);
    };
}
use register_filter;

/// zarrs' array-to-array codec traits for a [`Filter`] type.
macro_rules! filter_codec_traits {
    ($t:ident) => {
        impl zarrs::array::codec::api::CodecTraits for $t {
            fn as_any(&self) -> &dyn std::any::Any {
                self
            }
            fn configuration(
                &self,
                _version: zarrs::plugin::ZarrVersion,
                _options: &zarrs::array::codec::api::CodecMetadataOptions,
            ) -> Option<zarrs::metadata::Configuration> {
                Some(zarrs::metadata::Configuration::from(
                    $crate::io::zarr::codecs::Filter::config(self),
                ))
            }
            fn partial_decoder_capability(
                &self,
            ) -> zarrs::array::codec::api::PartialDecoderCapability {
                zarrs::array::codec::api::PartialDecoderCapability {
                    partial_read: false,
                    partial_decode: false,
                }
            }
            fn partial_encoder_capability(
                &self,
            ) -> zarrs::array::codec::api::PartialEncoderCapability {
                zarrs::array::codec::api::PartialEncoderCapability {
                    partial_encode: false,
                }
            }
        }
        impl zarrs::array::codec::api::ArrayCodecTraits for $t {
            fn recommended_concurrency(
                &self,
                _shape: &[std::num::NonZeroU64],
                _data_type: &zarrs::array::DataType,
            ) -> Result<
                zarrs::array::codec::api::RecommendedConcurrency,
                zarrs::array::codec::api::CodecError,
            > {
                Ok(zarrs::array::codec::api::RecommendedConcurrency::new_maximum(1))
            }
        }
        impl zarrs::array::codec::api::ArrayToArrayCodecTraits for $t {
            fn into_dyn(
                self: std::sync::Arc<Self>,
            ) -> std::sync::Arc<dyn zarrs::array::codec::api::ArrayToArrayCodecTraits> {
                self
            }
            fn encoded_data_type(
                &self,
                decoded: &zarrs::array::DataType,
            ) -> Result<zarrs::array::DataType, zarrs::array::codec::api::CodecError> {
                $crate::io::zarr::codecs::Filter::encoded_data_type(self, decoded)
            }
            fn encoded_fill_value(
                &self,
                decoded_data_type: &zarrs::array::DataType,
                decoded_fill_value: &zarrs::array::FillValue,
            ) -> Result<zarrs::array::FillValue, zarrs::array::codec::api::CodecError> {
                let bytes = $crate::io::zarr::codecs::Filter::encode(
                    self,
                    decoded_fill_value.as_ne_bytes(),
                    decoded_data_type,
                )?;
                Ok(zarrs::array::FillValue::new(
                    $crate::io::zarr::codecs::Filter::encoded_fill_value(self, bytes),
                ))
            }
            fn encoded_shape(
                &self,
                decoded_shape: &[std::num::NonZeroU64],
            ) -> Result<Vec<std::num::NonZeroU64>, zarrs::array::codec::api::CodecError> {
                Ok($crate::io::zarr::codecs::Filter::encoded_shape(
                    self,
                    decoded_shape,
                ))
            }
            fn decoded_shape(
                &self,
                encoded_shape: &[std::num::NonZeroU64],
            ) -> Result<Option<Vec<std::num::NonZeroU64>>, zarrs::array::codec::api::CodecError>
            {
                Ok($crate::io::zarr::codecs::Filter::decoded_shape(
                    self,
                    encoded_shape,
                ))
            }
            fn partial_decoder(
                self: std::sync::Arc<Self>,
                input_handle: std::sync::Arc<
                    dyn zarrs::array::codec::api::ArrayPartialDecoderTraits,
                >,
                shape: &[std::num::NonZeroU64],
                data_type: &zarrs::array::DataType,
                fill_value: &zarrs::array::FillValue,
                _options: &zarrs::array::codec::api::CodecOptions,
            ) -> Result<
                std::sync::Arc<dyn zarrs::array::codec::api::ArrayPartialDecoderTraits>,
                zarrs::array::codec::api::CodecError,
            > {
                Ok(std::sync::Arc::new(
                    $crate::io::zarr::codecs::whole_chunk::WholeChunk::new(
                        input_handle,
                        self,
                        shape,
                        data_type,
                        fill_value,
                    ),
                ))
            }
            fn encode<'a>(
                &self,
                bytes: zarrs::array::ArrayBytes<'a>,
                _shape: &[std::num::NonZeroU64],
                data_type: &zarrs::array::DataType,
                _fill_value: &zarrs::array::FillValue,
                _options: &zarrs::array::codec::api::CodecOptions,
            ) -> Result<zarrs::array::ArrayBytes<'a>, zarrs::array::codec::api::CodecError> {
                let bytes = bytes.into_fixed()?;
                let out = $crate::io::zarr::codecs::Filter::encode(self, &bytes, data_type)?;
                Ok(zarrs::array::ArrayBytes::from(out))
            }
            fn decode<'a>(
                &self,
                bytes: zarrs::array::ArrayBytes<'a>,
                shape: &[std::num::NonZeroU64],
                data_type: &zarrs::array::DataType,
                _fill_value: &zarrs::array::FillValue,
                _options: &zarrs::array::codec::api::CodecOptions,
            ) -> Result<zarrs::array::ArrayBytes<'a>, zarrs::array::codec::api::CodecError> {
                let bytes = bytes.into_fixed()?;
                let len = shape.iter().map(|n| n.get()).product::<u64>();
                let out = $crate::io::zarr::codecs::Filter::decode(self, &bytes, data_type, len)?;
                Ok(zarrs::array::ArrayBytes::from(out))
            }
        }
    };
}
use filter_codec_traits;

/// A numcodecs filter over whole chunks of native bytes; [`register_filter`] turns it
/// into a zarrs array-to-array codec.
trait Filter: fmt::Debug + Send + Sync + Sized + 'static {
    /// The filter as numcodecs configures it (without `id`); `Err` names what is wrong.
    fn new(config: &Map<String, Value>) -> Result<Self, String>;
    /// The configuration it was made from, as it is written back.
    fn config(&self) -> Map<String, Value>;
    /// The data type of the encoded chunk for arrays of `decoded`.
    fn encoded_data_type(&self, decoded: &DataType) -> Result<DataType, CodecError>;
    /// Encodes a chunk of elements of `decoded`.
    fn encode(&self, bytes: &[u8], decoded: &DataType) -> Result<Vec<u8>, CodecError>;
    /// Decodes a chunk of `len` elements of `decoded`.
    fn decode(&self, bytes: &[u8], decoded: &DataType, len: u64) -> Result<Vec<u8>, CodecError>;
    /// The shape of the encoded chunk (unchanged for elementwise filters).
    fn encoded_shape(&self, decoded: &[std::num::NonZeroU64]) -> Vec<std::num::NonZeroU64> {
        decoded.to_vec()
    }
    /// The shape of the decoded chunk, when the encoded shape tells it.
    fn decoded_shape(&self, encoded: &[std::num::NonZeroU64]) -> Option<Vec<std::num::NonZeroU64>> {
        Some(encoded.to_vec())
    }
    /// The encoded fill value from the encoding of one decoded fill element.
    fn encoded_fill_value(&self, encoded_one: Vec<u8>) -> Vec<u8> {
        encoded_one
    }
}

/// Makes filter `F` from a codec configuration, as a zarrs codec.
fn create_filter<F>(
    config: &Map<String, Value>,
) -> Result<zarrs::array::codec::api::Codec, zarrs::plugin::PluginCreateError>
where
    F: Filter + zarrs::array::codec::api::ArrayToArrayCodecTraits,
{
    let filter = F::new(config).map_err(zarrs::plugin::PluginCreateError::Other)?;
    Ok(zarrs::array::codec::api::Codec::ArrayToArray(
        std::sync::Arc::new(filter),
    ))
}
