//! Numbers to and from their stored bytes, for every reader and writer of raw values
//! (NetCDF hyperslabs, HDF5 chunks, MPI messages).

use super::Element;

/// An element type stored as a fixed-width number.
pub trait FixedWidth: Element + Copy + Default {
    /// The width in bytes.
    const SIZE: usize;
    /// From exactly [`Self::SIZE`] little-endian bytes.
    fn from_le(bytes: &[u8]) -> Self;
    /// From exactly [`Self::SIZE`] big-endian bytes.
    fn from_be(bytes: &[u8]) -> Self;
    /// From exactly [`Self::SIZE`] bytes in the machine's order.
    fn from_ne(bytes: &[u8]) -> Self;
    /// Appends the little-endian bytes to `out`.
    fn put_le(self, out: &mut Vec<u8>);
}

macro_rules! fixed_width {
    ($($t:ty),*) => {$(
        impl FixedWidth for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            #[inline]
            fn from_le(bytes: &[u8]) -> Self {
                let mut a = [0u8; std::mem::size_of::<$t>()];
                a.copy_from_slice(bytes);
                <$t>::from_le_bytes(a)
            }
            #[inline]
            fn from_be(bytes: &[u8]) -> Self {
                let mut a = [0u8; std::mem::size_of::<$t>()];
                a.copy_from_slice(bytes);
                <$t>::from_be_bytes(a)
            }
            #[inline]
            fn from_ne(bytes: &[u8]) -> Self {
                let mut a = [0u8; std::mem::size_of::<$t>()];
                a.copy_from_slice(bytes);
                <$t>::from_ne_bytes(a)
            }
            #[inline]
            fn put_le(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
        }
    )*};
}
fixed_width!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);
