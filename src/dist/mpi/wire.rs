//! Task values as bytes, for messages between ranks.
//!
//! A bundle is the values one rank sends another in one round: the round, then per
//! value its task id and its arrays. Each array is its dtype, shape and elements in
//! row-major order, little-endian. A header-only bundle leaves the elements out (for the
//! ranks that only need to know the results' dtypes and shapes). Decoding checks every
//! length against the message, so a short or corrupt message is an error, never a panic.
//!
//! A header-only bundle decodes to zero-filled arrays, so a few corrupt bytes could
//! declare gigabytes of them. Its sender made it from values it holds and also sends
//! whole (to rank 0, [`Results::Root`](super::Results::Root)), and every rank learns the
//! length of that whole bundle: a header-only bundle may declare at most as many bytes of
//! elements as the whole one holds ([`decode`]'s `elements_at_most`), a bound a real
//! bundle always meets.

use std::sync::Arc;

use ndarray::{ArcArray, IxDyn};

use crate::array::{match_numeric, with_numeric_dtype, DType, FixedWidth, NdArray};
use crate::dist::graph::{TaskId, TaskValue};
use crate::error::{Error, Result};
use crate::time::Calendar;

fn put_u64(out: &mut Vec<u8>, v: usize) {
    (v as u64).put_le(out);
}

fn put_elements<T: FixedWidth>(a: &ArcArray<T, IxDyn>, out: &mut Vec<u8>) {
    out.reserve(a.len() * T::SIZE);
    match a.as_slice() {
        Some(s) => s.iter().for_each(|&x| x.put_le(out)),
        None => a.iter().for_each(|&x| x.put_le(out)),
    }
}

fn put_array(a: &NdArray, with_data: bool, out: &mut Vec<u8>) {
    out.push(a.dtype().wire_code());
    if let NdArray::DateTime(_, c) = a {
        let k = Calendar::ALL.iter().position(|x| x == c).unwrap_or(0);
        out.push(k as u8);
    }
    put_u64(out, a.ndim());
    for &n in a.shape() {
        put_u64(out, n);
    }
    if !with_data {
        return;
    }
    match a {
        NdArray::Bool(x) => x.iter().for_each(|&b| out.push(u8::from(b))),
        NdArray::DateTime(x, _) | NdArray::TimeDelta(x) => put_elements(x, out),
        NdArray::Str(x) => {
            for s in x.iter() {
                put_u64(out, s.len());
                out.extend_from_slice(s.as_bytes());
            }
        }
        numeric => match_numeric!(numeric, x => put_elements(x, out), _ => {}),
    }
}

/// Encodes `values` (task id and value) sent in `round`; without the elements when
/// `with_data` is false.
pub(crate) fn encode(round: usize, values: &[(TaskId, &TaskValue)], with_data: bool) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(&mut out, round, values, with_data);
    out
}

/// [`encode`], appending to `out` (the bundles of several ranks in one buffer).
pub(crate) fn encode_into(
    out: &mut Vec<u8>,
    round: usize,
    values: &[(TaskId, &TaskValue)],
    with_data: bool,
) {
    let bytes: usize = values.iter().map(|(_, v)| v.nbytes()).sum();
    out.reserve(if with_data { bytes } else { 0 } + 64 * values.len() + 24);
    put_u64(out, round);
    out.push(u8::from(with_data));
    put_u64(out, values.len());
    for (id, v) in values {
        put_u64(out, *id);
        put_u64(out, v.0.len());
        for a in &v.0 {
            put_array(a, with_data, out);
        }
    }
}

/// A cursor over a message; every read is checked against its length.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    from: &'a str,
    round: usize,
    /// The bytes of elements a header-only bundle may declare in all, and still may.
    elements_at_most: usize,
    elements_left: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            return Err(self.corrupt(&format!(
                "it ends at byte {} but {} more were expected at byte {}",
                self.bytes.len(),
                n,
                self.pos
            )));
        };
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn usize(&mut self) -> Result<usize> {
        let v = <u64 as FixedWidth>::from_le(self.take(8)?);
        usize::try_from(v).map_err(|_| self.corrupt(&format!("a length of {v} does not fit")))
    }

    fn corrupt(&self, why: &str) -> Error {
        Error::internal(format!(
            "bad message {} in round {}: {why}",
            self.from, self.round
        ))
    }

    fn elements<T: FixedWidth>(&mut self, shape: &[usize]) -> Result<ArcArray<T, IxDyn>> {
        let n = element_count(shape).ok_or_else(|| self.corrupt("the shape overflows"))?;
        let bytes = self.take(
            n.checked_mul(T::SIZE)
                .ok_or_else(|| self.corrupt("the shape overflows"))?,
        )?;
        let v: Vec<T> = bytes.chunks_exact(T::SIZE).map(T::from_le).collect();
        ArcArray::from_shape_vec(IxDyn(shape), v).map_err(|e| self.corrupt(&e.to_string()))
    }

    /// One array of task `task`'s value.
    fn array(&mut self, task: TaskId, with_data: bool) -> Result<NdArray> {
        let code = self.u8()?;
        let dtype = match DType::from_wire_code(code) {
            Some(DType::DateTime(_)) => {
                let k = usize::from(self.u8()?);
                let c = Calendar::ALL
                    .get(k)
                    .ok_or_else(|| self.corrupt(&format!("unknown calendar code {k}")))?;
                DType::DateTime(*c)
            }
            Some(d) => d,
            None => return Err(self.corrupt(&format!("unknown dtype code {code}"))),
        };
        let ndim = self.usize()?;
        if ndim > 64 {
            return Err(self.corrupt(&format!("an array of {ndim} dimensions")));
        }
        let shape = (0..ndim)
            .map(|_| self.usize())
            .collect::<Result<Vec<_>>>()?;
        if !with_data {
            // ndarray panics on a shape whose non-zero lengths multiply past isize::MAX,
            // and no allocation may be larger: a corrupt header is an error instead.
            let fits = |n: &[usize]| {
                element_count(n)
                    .and_then(|k| k.checked_mul(dtype.size().max(1)))
                    .is_some_and(|b| isize::try_from(b).is_ok())
            };
            let nonzero: Vec<usize> = shape.iter().copied().filter(|&d| d > 0).collect();
            if !fits(&shape) || !fits(&nonzero) {
                return Err(self.corrupt(&format!("the shape {shape:?} overflows")));
            }
            // A corrupt header can ask for gigabytes from a few bytes: no more than the
            // sender's whole bundle holds.
            let count = element_count(&shape).unwrap_or(0);
            let declared = count.saturating_mul(wire_bytes_per_element(dtype));
            if declared > self.elements_left {
                return Err(self.corrupt(&format!(
                    "task {task}'s array of {dtype} and shape {shape:?} declares {declared} \
                     bytes of elements, but only {} are left of the {} bytes that the bundle \
                     with the elements holds",
                    self.elements_left, self.elements_at_most,
                )));
            }
            self.elements_left -= declared;
            // And an allocation that fails is an error here, not the process aborted.
            let bytes = count * dtype.size().max(1);
            if Vec::<u8>::new().try_reserve_exact(bytes).is_err() {
                return Err(self.corrupt(&format!(
                    "the shape {shape:?} needs {bytes} bytes, more than can be allocated"
                )));
            }
            return NdArray::zeros(&shape, dtype);
        }
        Ok(match dtype {
            DType::Bool => {
                let a: ArcArray<u8, IxDyn> = self.elements(&shape)?;
                NdArray::Bool(a.mapv(|b| b != 0).into_shared())
            }
            DType::DateTime(c) => NdArray::DateTime(self.elements(&shape)?, c),
            DType::TimeDelta => NdArray::TimeDelta(self.elements(&shape)?),
            DType::Str => {
                let n = element_count(&shape).ok_or_else(|| self.corrupt("the shape overflows"))?;
                let mut v = Vec::with_capacity(n.min(self.bytes.len()));
                for _ in 0..n {
                    let len = self.usize()?;
                    let s = std::str::from_utf8(self.take(len)?)
                        .map_err(|e| self.corrupt(&e.to_string()))?;
                    v.push(s.to_string());
                }
                NdArray::Str(
                    ArcArray::from_shape_vec(IxDyn(shape.as_slice()), v)
                        .map_err(|e| self.corrupt(&e.to_string()))?,
                )
            }
            d => with_numeric_dtype!(d, |T| NdArray::from(self.elements::<T>(&shape)?), other => {
                return Err(self.corrupt(&format!("no wire layout for {other}")))
            }),
        })
    }
}

/// The fewest bytes an element takes in a bundle with the elements (a string: its
/// length, then its bytes).
fn wire_bytes_per_element(dtype: DType) -> usize {
    match dtype {
        DType::Str => 8,
        d => d.size(),
    }
}

fn element_count(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d))
}

/// Decodes a bundle made by [`encode`] for `round`, checking that it holds the values of
/// `expected`, in order. A header-only bundle decodes to zero-filled arrays of the
/// values' dtypes and shapes, of at most `elements_at_most` bytes of elements in all as
/// a bundle with the elements would hold them: the length of the sender's bundle of the
/// same values with their elements (a bundle with elements is bounded by its own length).
/// `from` names the sender in errors.
///
/// # Errors
/// [`Error::Internal`] when the message is short, corrupt, declares more elements than
/// `elements_at_most` bytes, or is not the one expected.
pub(crate) fn decode(
    bytes: &[u8],
    round: usize,
    expected: &[TaskId],
    from: &str,
    elements_at_most: usize,
) -> Result<Vec<(TaskId, Arc<TaskValue>)>> {
    let mut r = Reader {
        bytes,
        pos: 0,
        from,
        round,
        elements_at_most,
        elements_left: elements_at_most,
    };
    let got_round = r.usize()?;
    if got_round != round {
        return Err(r.corrupt(&format!("it is for round {got_round}, not {round}")));
    }
    let with_data = r.u8()? != 0;
    let count = r.usize()?;
    if count != expected.len() {
        return Err(r.corrupt(&format!(
            "it holds {count} values, {} were expected",
            expected.len()
        )));
    }
    let mut out = Vec::with_capacity(count);
    for &want in expected {
        let id = r.usize()?;
        if id != want {
            return Err(r.corrupt(&format!("it holds task {id} where {want} was expected")));
        }
        let narrays = r.usize()?;
        let arrays = (0..narrays)
            .map(|_| r.array(id, with_data))
            .collect::<Result<Vec<_>>>()?;
        out.push((id, Arc::new(TaskValue(arrays))));
    }
    if r.pos != bytes.len() {
        return Err(r.corrupt(&format!("{} bytes are left over", bytes.len() - r.pos)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Vec<TaskValue> {
        let f = NdArray::from_shape_vec(&[2, 3], vec![1.5f64, -0.0, f64::NAN, 4.0, 5.0, 6.0])
            .unwrap_or_else(|e| panic!("{e}"));
        vec![
            TaskValue(vec![
                f.t(),
                NdArray::from_shape_vec(&[3], vec![1.0f32, 2.0, 3.0])
                    .unwrap_or_else(|e| panic!("{e}")),
            ]),
            TaskValue(vec![
                NdArray::from_shape_vec(&[2], vec![true, false]).unwrap_or_else(|e| panic!("{e}")),
                NdArray::from_shape_vec(&[2], vec![-3i64, 7]).unwrap_or_else(|e| panic!("{e}")),
                NdArray::datetime(
                    ArcArray::from_vec(vec![86_400_000_000i64]).into_dyn(),
                    Calendar::NoLeap,
                ),
                NdArray::from_shape_vec(&[2], vec!["DJF".to_string(), "ünï".to_string()])
                    .unwrap_or_else(|e| panic!("{e}")),
                NdArray::from_shape_vec(&[0, 4], Vec::<u16>::new())
                    .unwrap_or_else(|e| panic!("{e}")),
            ]),
        ]
    }

    #[test]
    fn values_round_trip_exactly() {
        let vals = values();
        let refs: Vec<(TaskId, &TaskValue)> = vec![(3, &vals[0]), (9, &vals[1])];
        let bytes = encode(2, &refs, true);
        let back = decode(&bytes, 2, &[3, 9], "from rank 1", bytes.len())
            .unwrap_or_else(|e| panic!("{e}"));
        for ((id, v), (want_id, want)) in back.iter().zip(&refs) {
            assert_eq!(id, want_id);
            assert_eq!(v.0.len(), want.0.len());
            for (a, b) in v.0.iter().zip(&want.0) {
                assert_eq!(a.dtype(), b.dtype());
                assert_eq!(a.shape(), b.shape());
                // Bitwise for floats: NaN and -0.0 survive.
                assert_eq!(
                    format!("{:?}", a.to_standard_layout()),
                    format!("{:?}", b.to_standard_layout())
                );
            }
        }
        // The transposed (non-standard layout) f64 array arrives in logical order.
        assert_eq!(
            back[0].1 .0[0].to_f64_vec().unwrap_or_default()[..2],
            [1.5, 4.0]
        );
    }

    #[test]
    fn headers_decode_to_zeros_of_the_same_shape() {
        let vals = values();
        let bytes = encode(0, &[(1, &vals[1])], false);
        assert!(bytes.len() < 200);
        let back = decode(&bytes, 0, &[1], "x", 1000).unwrap_or_else(|e| panic!("{e}"));
        let arrays = &back[0].1 .0;
        assert_eq!(arrays[2].dtype(), DType::DateTime(Calendar::NoLeap));
        assert_eq!(arrays[1].to_f64_vec().unwrap_or_default(), vec![0.0, 0.0]);
        assert_eq!(arrays[4].shape(), &[0, 4]);
    }

    #[test]
    fn a_header_declares_no_more_elements_than_its_whole_bundle_holds() {
        let vals = values();
        let refs: Vec<(TaskId, &TaskValue)> = vec![(1, &vals[0]), (4, &vals[1])];
        let whole = encode(3, &refs, true);
        let header = encode(3, &refs, false);
        // What a sender really sends meets the bound.
        let back = decode(&header, 3, &[1, 4], "from rank 2", whole.len())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back[1].1 .0[3].shape(), &[2]);
        // Task 1 declares 2 × 3 f64 and 3 f32: 60 bytes; task 4 two more for its bools.
        let err = |limit| {
            decode(&header, 3, &[1, 4], "from rank 2", limit)
                .map(|_| ())
                .unwrap_err()
                .to_string()
        };
        let e = err(59);
        assert!(
            e.contains("bad message from rank 2 in round 3") && e.contains("task 1's array"),
            "{e}"
        );
        let e = err(60);
        assert!(
            e.contains("task 4's array of bool") && e.contains("of the 60 bytes"),
            "{e}"
        );
    }

    /// An array of dtype `kind` (f64, i16, bool, string, datetime) and `shape`.
    fn array_of(kind: usize, shape: &[usize]) -> NdArray {
        let n: usize = shape.iter().product();
        let made = match kind {
            0 => NdArray::from_shape_vec(shape, (0..n).map(|i| i as f64 / 3.0).collect()),
            1 => NdArray::from_shape_vec(shape, (0..n).map(|i| i as i16).collect()),
            2 => NdArray::from_shape_vec(shape, (0..n).map(|i| i % 3 == 0).collect()),
            3 => NdArray::from_shape_vec(shape, (0..n).map(|i| "é".repeat(i % 4)).collect()),
            _ => Ok(NdArray::datetime(
                ArcArray::from_shape_vec(IxDyn(shape), (0..n as i64).collect())
                    .unwrap_or_else(|e| panic!("{e}")),
                Calendar::Day360,
            )),
        };
        made.unwrap_or_else(|e| panic!("{e}"))
    }

    proptest::proptest! {
        /// The bound never refuses what a sender really sends: the header-only bundle of
        /// any values decodes under the length of their bundle with the elements.
        #[test]
        fn real_headers_meet_the_bound(
            values in proptest::collection::vec(
                proptest::collection::vec(
                    (0usize..5, proptest::collection::vec(0usize..5, 0..4)),
                    0..4,
                ),
                1..4,
            ),
        ) {
            let vals: Vec<TaskValue> = values
                .iter()
                .map(|arrays| TaskValue(arrays.iter().map(|(k, s)| array_of(*k, s)).collect()))
                .collect();
            let refs: Vec<(TaskId, &TaskValue)> = vals.iter().enumerate().collect();
            let ids: Vec<TaskId> = (0..vals.len()).collect();
            let whole = encode(1, &refs, true);
            let header = encode(1, &refs, false);
            let back = decode(&header, 1, &ids, "r", whole.len());
            proptest::prop_assert!(back.is_ok(), "{:?}", back.map(|_| ()));
            for ((_, got), want) in back.unwrap_or_default().iter().zip(&vals) {
                let shapes = |v: &TaskValue| -> Vec<(DType, Vec<usize>)> {
                    v.0.iter().map(|a| (a.dtype(), a.shape().to_vec())).collect()
                };
                proptest::prop_assert_eq!(shapes(got), shapes(want));
            }
        }
    }

    #[test]
    fn bad_messages_are_errors() {
        let vals = values();
        let bytes = encode(1, &[(5, &vals[0])], true);
        for cut in [0, 5, 17, bytes.len() - 1] {
            assert!(
                decode(&bytes[..cut], 1, &[5], "r", cut).is_err(),
                "cut at {cut}"
            );
        }
        assert!(decode(&bytes, 2, &[5], "r", bytes.len()).is_err());
        assert!(decode(&bytes, 1, &[6], "r", bytes.len()).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        let err = decode(&longer, 1, &[5], "from rank 3", longer.len())
            .map(|_| ())
            .unwrap_err();
        assert!(err.to_string().contains("from rank 3"), "{err}");
    }
}
