//! numcodecs' `categorize` filter: fixed-length unicode strings (numpy `<U`, zarrs'
//! `fixed_length_utf32`) stored as small integer codes, `i + 1` for `labels[i]` and 0
//! for any other string, which reads back as `""`.

use serde_json::{Map, Value};
use zarrs::array::codec::api::CodecError;
use zarrs::array::DataType;
use zarrs::plugin::{ExtensionName, ZarrVersion};

use super::{register_filter, Filter, Num, Scalar};

/// The `categorize` filter (v2 `categorize`, v3 `numcodecs.categorize`).
#[derive(Debug, Clone)]
pub(super) struct Categorize {
    labels: Vec<Vec<char>>,
    astype: Num,
    config: Map<String, Value>,
}

register_filter!(Categorize, v3: "numcodecs.categorize", v2: "categorize");

impl Categorize {
    /// The characters per element of the array's fixed-length UTF-32 strings.
    fn width(decoded: &DataType) -> Result<usize, CodecError> {
        let utf32 = decoded.name(ZarrVersion::V3).as_deref() == Some("fixed_length_utf32");
        match decoded.fixed_size() {
            Some(size) if utf32 => Ok(size / 4),
            _ => Err(CodecError::Other(format!(
                "categorize: only fixed-length unicode (numpy <U) arrays are categorized, not {decoded}"
            ))),
        }
    }
}

impl Filter for Categorize {
    fn new(config: &Map<String, Value>) -> Result<Self, String> {
        let labels = config
            .get("labels")
            .and_then(Value::as_array)
            .and_then(|l| {
                l.iter()
                    .map(|s| s.as_str().map(|s| s.chars().collect()))
                    .collect::<Option<Vec<Vec<char>>>>()
            })
            .ok_or("categorize: configuration has no list of strings \"labels\"")?;
        let astype = super::num_field("categorize", config, "astype", None)?;
        let max = match astype {
            Num::U8 => u64::from(u8::MAX),
            Num::U16 => u64::from(u16::MAX),
            Num::U32 => u64::from(u32::MAX),
            other => {
                return Err(format!(
                    "categorize: astype {other} is not uint8, uint16 or uint32"
                ))
            }
        };
        if labels.len() as u64 > max {
            return Err(format!(
                "categorize: {} labels do not fit {astype}",
                labels.len()
            ));
        }
        Ok(Categorize {
            labels,
            astype,
            config: config.clone(),
        })
    }

    fn config(&self) -> Map<String, Value> {
        self.config.clone()
    }

    fn encoded_data_type(&self, decoded: &DataType) -> Result<DataType, CodecError> {
        Self::width(decoded)?;
        Ok(self.astype.data_type())
    }

    fn encode(&self, bytes: &[u8], decoded: &DataType) -> Result<Vec<u8>, CodecError> {
        let width = Self::width(decoded)?.max(1);
        let mut out = Vec::new();
        for element in bytes.chunks_exact(width * 4) {
            let text: Vec<char> = element
                .chunks_exact(4)
                .map(u32::read)
                .take_while(|&c| c != 0)
                .map(|c| char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect();
            // numpy compares with the labels cut to the array's width.
            let code = self
                .labels
                .iter()
                .position(|l| l[..l.len().min(width)] == text[..])
                .map_or(0, |i| i + 1);
            let code = u64::try_from(code).unwrap_or(0);
            match self.astype {
                Num::U8 => u8::try_from(code).unwrap_or(0).write(&mut out),
                Num::U16 => u16::try_from(code).unwrap_or(0).write(&mut out),
                _ => u32::try_from(code).unwrap_or(0).write(&mut out),
            }
        }
        Ok(out)
    }

    fn decode(&self, bytes: &[u8], decoded: &DataType, _len: u64) -> Result<Vec<u8>, CodecError> {
        let width = Self::width(decoded)?;
        let codes: Vec<u64> = match self.astype {
            Num::U8 => bytes.iter().map(|&b| u64::from(b)).collect(),
            Num::U16 => bytes
                .chunks_exact(2)
                .map(|b| u64::from(u16::read(b)))
                .collect(),
            _ => bytes
                .chunks_exact(4)
                .map(|b| u64::from(u32::read(b)))
                .collect(),
        };
        let mut out = Vec::with_capacity(codes.len() * width * 4);
        for code in codes {
            let label = usize::try_from(code)
                .ok()
                .and_then(|c| c.checked_sub(1))
                .and_then(|i| self.labels.get(i));
            let chars = label.map_or(&[][..], |l| &l[..l.len().min(width)]);
            for i in 0..width {
                u32::from(chars.get(i).copied().unwrap_or('\0')).write(&mut out);
            }
        }
        Ok(out)
    }
}
