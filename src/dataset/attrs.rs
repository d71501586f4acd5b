//! Attribute values and maps.

use std::fmt;

use indexmap::IndexMap;

use crate::array::NdArray;

/// Attributes (or encoding) of a variable or dataset, in insertion order.
pub type Attrs = IndexMap<String, AttrValue>;

/// One attribute value: a string, or a 1-D array of numbers (as NetCDF stores them).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AttrValue {
    /// Text.
    Str(String),
    /// Numbers; a single number is a 1-element array.
    Array(NdArray),
}

impl AttrValue {
    /// The text, for string attributes.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AttrValue::Str(s) => Some(s),
            AttrValue::Array(_) => None,
        }
    }

    /// The first number as `f64`, for numeric attributes.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            AttrValue::Array(a) => a.get_flat(0).ok().and_then(|s| s.as_f64()),
            AttrValue::Str(_) => None,
        }
    }
}

/// xarray's `drop_conflicts` merge of two attribute maps: `a`'s keys, then `b`'s new
/// ones; a key both hold with different values is dropped.
pub(crate) fn merge_drop_conflicts(a: &Attrs, b: &Attrs) -> Attrs {
    let mut out = Attrs::new();
    for (k, v) in a {
        match b.get(k) {
            Some(w) if w != v => {}
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    for (k, v) in b {
        if !a.contains_key(k) {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}

impl PartialEq for AttrValue {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (AttrValue::Str(a), AttrValue::Str(b)) => a == b,
            (AttrValue::Array(a), AttrValue::Array(b)) => a.equals(b),
            _ => false,
        }
    }
}

impl From<&str> for AttrValue {
    fn from(v: &str) -> Self {
        AttrValue::Str(v.to_string())
    }
}

impl From<String> for AttrValue {
    fn from(v: String) -> Self {
        AttrValue::Str(v)
    }
}

macro_rules! attr_from_number {
    ($($t:ty),*) => {$(
        impl From<$t> for AttrValue {
            fn from(v: $t) -> Self {
                AttrValue::Array(NdArray::from(vec![v]))
            }
        }
        impl From<Vec<$t>> for AttrValue {
            fn from(v: Vec<$t>) -> Self {
                AttrValue::Array(NdArray::from(v))
            }
        }
    )*};
}

attr_from_number!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

impl fmt::Display for AttrValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttrValue::Str(s) => f.write_str(s),
            AttrValue::Array(a) => {
                let items: Vec<String> = (0..a.len())
                    .filter_map(|i| a.get_flat(i).ok())
                    .map(|s| s.to_string())
                    .collect();
                if items.len() == 1 {
                    f.write_str(&items[0])
                } else {
                    write!(f, "[{}]", items.join(", "))
                }
            }
        }
    }
}
