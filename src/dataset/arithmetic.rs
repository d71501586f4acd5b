//! Arithmetic, comparisons and unary math on [`Variable`], [`DataArray`] and
//! [`Dataset`]: broadcasting by dimension name, alignment on indexes, merged
//! coordinates, and `std::ops` on references.
//!
//! Attrs follow xarray's default (`keep_attrs=True`): a binary operation between two
//! objects gives the `drop_conflicts` merge of their attrs (the first operand's keys,
//! then the second's new ones; a key both hold with different values is dropped), one
//! with a scalar keeps the object's attrs, and unary operations keep them. A Dataset
//! result's own attrs merge the Dataset's attrs with the other operand's (a DataArray's
//! attrs too), the Dataset's first whichever side it is on. A DataArray result keeps
//! the name only when both operands share it.

use std::ops;

use indexmap::{IndexMap, IndexSet};

use super::align::{align, Join};
use super::attrs::merge_drop_conflicts;
use super::data_array::UNNAMED;
use super::{Attrs, DataArray, Dataset, Variable};
use crate::array::kernels::{self, BinaryOp, UnaryOp};
use crate::array::{NdArray, Scalar};
use crate::error::{Error, Result};
use crate::lazy::Data;

/// Puts the variable's name into an error from a kernel, so the user sees which
/// variable failed.
fn name_error(e: Error, name: &str) -> Error {
    match e {
        Error::DTypeMismatch { what, left, right } => Error::DTypeMismatch {
            what: format!("{what} of variable {name:?}"),
            left,
            right,
        },
        Error::UnsupportedDType { op, dtype } => Error::UnsupportedDType {
            op: format!("{op} of variable {name:?}"),
            dtype,
        },
        Error::InvalidArgument { argument, reason } => Error::InvalidArgument {
            argument,
            reason: format!("variable {name:?}: {reason}"),
        },
        Error::DimSizeConflict {
            dim,
            what,
            left,
            right,
        } => Error::DimSizeConflict {
            dim,
            what: format!("{what} of variable {name:?}"),
            left,
            right,
        },
        other => other,
    }
}

/// The dims of `a op b`: `a`'s dims in order, then `b`'s new ones, with their sizes.
fn broadcast_dims(a: &Variable, b: &Variable, op: BinaryOp) -> Result<(Vec<String>, Vec<usize>)> {
    let mut dims = a.dims().to_vec();
    let mut sizes = a.shape().to_vec();
    for (d, &n) in b.dims().iter().zip(b.shape()) {
        match a.axis_of(d) {
            Some(ax) if sizes[ax] != n => {
                return Err(Error::DimSizeConflict {
                    dim: d.clone(),
                    what: format!(
                        "{op} of variables with dims {:?} and {:?}",
                        a.dims(),
                        b.dims()
                    ),
                    left: sizes[ax],
                    right: n,
                })
            }
            Some(_) => {}
            None => {
                dims.push(d.clone());
                sizes.push(n);
            }
        }
    }
    Ok((dims, sizes))
}

/// The variable's data with its axes moved into the order of `dims` and length-1 axes
/// for the dims it lacks, ready for numpy broadcasting without copying.
fn expand(v: &Variable, dims: &[String]) -> Result<Data> {
    let present: Vec<&String> = dims.iter().filter(|d| v.axis_of(d).is_some()).collect();
    let perm: Vec<usize> = present.iter().filter_map(|d| v.axis_of(d)).collect();
    let mut data = v.data().permute(&perm)?;
    for (i, d) in dims.iter().enumerate() {
        if v.axis_of(d).is_none() {
            data = data.insert_axis(i)?;
        }
    }
    Ok(data)
}

impl Variable {
    /// `self op other`, broadcasting by dimension name: the result has `self`'s dims in
    /// order, then `other`'s new ones. Attrs are the `drop_conflicts` merge of both
    /// operands' attrs; encoding is dropped.
    ///
    /// # Errors
    /// [`Error::DimSizeConflict`] when a shared dim has two lengths; the kernel's
    /// errors ([`kernels::binary`]) for dtypes that cannot meet.
    pub fn binary_op(&self, other: &Variable, op: BinaryOp) -> Result<Variable> {
        let (dims, _) = broadcast_dims(self, other, op)?;
        let data = expand(self, &dims)?.binary(&expand(other, &dims)?, op)?;
        Ok(Variable::new(&dims, data)?
            .with_attrs(merge_drop_conflicts(self.attrs(), other.attrs())))
    }

    /// `self op value` (or `value op self` when `scalar_first`), the scalar taking
    /// the array's dtype unless its kind is higher ([`kernels::weak_scalar_dtype`]).
    /// Attrs are kept.
    ///
    /// # Errors
    /// The kernel's errors for dtypes that cannot meet.
    pub fn scalar_op(&self, value: &Scalar, op: BinaryOp, scalar_first: bool) -> Result<Variable> {
        let dtype = kernels::weak_scalar_dtype(self.dtype(), value);
        let s = Data::Eager(NdArray::from_scalar(value).astype(dtype)?);
        let data = if scalar_first {
            s.binary(self.data(), op)?
        } else {
            self.data().binary(&s, op)?
        };
        Ok(Variable::new(self.dims(), data)?.with_attrs(self.attrs().clone()))
    }

    /// Applies a unary operation; attrs are kept (as xarray does).
    ///
    /// # Errors
    /// [`Error::UnsupportedDType`] naming the operation ([`kernels::unary`]).
    pub fn unary_op(&self, op: UnaryOp) -> Result<Variable> {
        Ok(Variable::new(self.dims(), self.data().unary(op)?)?.with_attrs(self.attrs().clone()))
    }
}

/// The coordinates of a result: `a`'s, then `b`'s new ones; a non-index coordinate
/// that both hold with different values is dropped (xarray's minimal merge).
fn merge_coords(a: &Dataset, b: &Dataset) -> IndexMap<String, Variable> {
    let mut out: IndexMap<String, Variable> =
        a.coords().map(|(k, v)| (k.clone(), v.clone())).collect();
    let mut conflicts = Vec::new();
    for (k, v) in b.coords() {
        match out.get(k) {
            None => {
                out.insert(k.clone(), v.clone());
            }
            Some(mine) => {
                let same = mine.dims() == v.dims() && mine.data().equals(v.data());
                if !same && !a.indexes().contains_key(k) {
                    conflicts.push(k.clone());
                }
            }
        }
    }
    for k in conflicts {
        out.shift_remove(&k);
    }
    out
}

/// Which variables of two aligned datasets meet.
enum Pairing {
    /// Data variables present in both, by name.
    Common,
    /// `b` holds one array (named so): it meets each data variable of `a`.
    RightArray(String),
    /// `a` holds one array (named so): it meets each data variable of `b`.
    LeftArray(String),
    /// One array on each side (left, right), giving one variable named `out`.
    Arrays {
        left: String,
        right: String,
        out: String,
    },
}

/// Aligns `a` and `b`, applies `op` to the paired variables, and builds the result
/// dataset from them, the merged coordinates and `attrs`. Each variable's attrs are
/// the merge of its operands' ([`Variable::binary_op`]).
fn combine(
    a: &Dataset,
    b: &Dataset,
    pairing: &Pairing,
    op: BinaryOp,
    join: Join,
    attrs: Attrs,
) -> Result<Dataset> {
    let aligned = align(&[a.clone(), b.clone()], join)?;
    let (a, b) = match aligned.as_slice() {
        [a, b] => (a, b),
        _ => return Err(Error::internal("align returned other than two objects")),
    };
    let pairs: Vec<(String, String, String)> = match pairing {
        Pairing::Common => a
            .data_vars()
            .filter(|(k, _)| b.data_vars().any(|(j, _)| j == *k))
            .map(|(k, _)| (k.clone(), k.clone(), k.clone()))
            .collect(),
        Pairing::RightArray(v) => a
            .data_vars()
            .map(|(k, _)| (k.clone(), k.clone(), v.clone()))
            .collect(),
        Pairing::LeftArray(v) => b
            .data_vars()
            .map(|(k, _)| (k.clone(), v.clone(), k.clone()))
            .collect(),
        Pairing::Arrays { left, right, out } => vec![(out.clone(), left.clone(), right.clone())],
    };
    let mut vars = merge_coords(a, b);
    let coord_names: IndexSet<String> = vars.keys().cloned().collect();
    for (out, x, y) in pairs {
        let v = a
            .variable(&x)?
            .binary_op(b.variable(&y)?, op)
            .map_err(|e| name_error(e, &out))?;
        vars.insert(out, v);
    }
    Dataset::from_parts(vars, coord_names, attrs)
}

fn array_var_name(da: &DataArray) -> String {
    da.name()
        .map_or_else(|| UNNAMED.to_string(), str::to_string)
}

impl Dataset {
    /// `self op other` over the data variables present in both, after aligning the
    /// indexes with `join`. Coordinates are merged; the attrs of the result and of each
    /// variable are the `drop_conflicts` merge of the operands'.
    ///
    /// # Errors
    /// [`Error::Alignment`] when the indexes cannot be joined; dim size conflicts and
    /// dtype errors naming the variable.
    pub fn binary_op(&self, other: &Dataset, op: BinaryOp, join: Join) -> Result<Dataset> {
        let attrs = merge_drop_conflicts(self.attrs(), other.attrs());
        combine(self, other, &Pairing::Common, op, join, attrs)
    }

    /// `self op array` (or `array op self` when `array_first`), applied to each data
    /// variable after aligning with `join`. Each variable's attrs merge with the
    /// array's in operand order; the result's attrs are the `drop_conflicts` merge of
    /// the Dataset's attrs and then the array's, on either side (as xarray does).
    ///
    /// # Errors
    /// As [`Dataset::binary_op`].
    pub fn array_op(
        &self,
        array: &DataArray,
        op: BinaryOp,
        join: Join,
        array_first: bool,
    ) -> Result<Dataset> {
        let name = "__xr_array__";
        let other = array_dataset(array, name)?;
        let attrs = merge_drop_conflicts(self.attrs(), array.attrs());
        if array_first {
            combine(
                &other,
                self,
                &Pairing::LeftArray(name.into()),
                op,
                join,
                attrs,
            )
        } else {
            combine(
                self,
                &other,
                &Pairing::RightArray(name.into()),
                op,
                join,
                attrs,
            )
        }
    }

    /// `var op value` for each data variable (or `value op var` when `scalar_first`);
    /// coordinates and attrs (the Dataset's and each variable's) are kept.
    ///
    /// # Errors
    /// Dtype errors naming the variable.
    pub fn scalar_op(
        &self,
        value: impl Into<Scalar>,
        op: BinaryOp,
        scalar_first: bool,
    ) -> Result<Dataset> {
        let value = value.into();
        self.map_data_vars(self.attrs().clone(), |name, v| {
            v.scalar_op(&value, op, scalar_first)
                .map_err(|e| name_error(e, name))
        })
    }

    /// Applies a unary operation to each data variable; attrs are kept.
    ///
    /// # Errors
    /// [`Error::UnsupportedDType`] naming the variable and the operation.
    pub fn unary_op(&self, op: UnaryOp) -> Result<Dataset> {
        self.map_data_vars(self.attrs().clone(), |name, v| {
            v.unary_op(op).map_err(|e| name_error(e, name))
        })
    }

    fn map_data_vars(
        &self,
        attrs: Attrs,
        mut f: impl FnMut(&str, &Variable) -> Result<Variable>,
    ) -> Result<Dataset> {
        let mut vars = IndexMap::new();
        for (k, v) in self.variables() {
            let v = if self.is_coord(k) {
                v.clone()
            } else {
                f(k, v)?
            };
            vars.insert(k.clone(), v);
        }
        Dataset::from_parts(vars, self.coord_names().clone(), attrs)
    }
}

impl DataArray {
    /// `self op other`, broadcasting by dimension name and aligning indexes with `join`.
    /// The result's dims are `self`'s, then `other`'s new ones; its coordinates are
    /// the merged coordinates; its name is kept when both names are equal; its attrs
    /// are the `drop_conflicts` merge of both operands' attrs.
    ///
    /// # Errors
    /// [`Error::Alignment`] when the indexes cannot be joined;
    /// [`Error::DimSizeConflict`] when a shared dim has two lengths; dtype errors.
    pub fn binary_op(&self, other: &DataArray, op: BinaryOp, join: Join) -> Result<DataArray> {
        let (left, right) = ("__xr_left__", "__xr_right__");
        let pairing = Pairing::Arrays {
            left: left.to_string(),
            right: right.to_string(),
            out: UNNAMED.to_string(),
        };
        let ds = combine(
            &array_dataset(self, left)?,
            &array_dataset(other, right)?,
            &pairing,
            op,
            join,
            Attrs::new(),
        )?;
        let da = DataArray::from_dataset(&ds, UNNAMED)?;
        Ok(match (self.name(), other.name()) {
            (Some(a), Some(b)) if a == b => da.with_name(a),
            _ => da,
        })
    }

    /// `self op value` (or `value op self` when `scalar_first`); coordinates, name and
    /// attrs are kept.
    ///
    /// # Errors
    /// Dtype errors naming the array.
    pub fn scalar_op(
        &self,
        value: impl Into<Scalar>,
        op: BinaryOp,
        scalar_first: bool,
    ) -> Result<DataArray> {
        let v = self
            .variable()
            .scalar_op(&value.into(), op, scalar_first)
            .map_err(|e| name_error(e, &array_var_name(self)))?;
        self.replace_variable(v)
    }

    /// `self op dataset`, applied with each data variable of `dataset`; gives a Dataset.
    ///
    /// # Errors
    /// As [`Dataset::array_op`].
    pub fn dataset_op(&self, dataset: &Dataset, op: BinaryOp, join: Join) -> Result<Dataset> {
        dataset.array_op(self, op, join, true)
    }

    /// Applies a unary operation; name, coordinates and attrs are kept.
    ///
    /// # Errors
    /// [`Error::UnsupportedDType`] naming the array and the operation.
    pub fn unary_op(&self, op: UnaryOp) -> Result<DataArray> {
        let v = self
            .variable()
            .unary_op(op)
            .map_err(|e| name_error(e, &array_var_name(self)))?;
        self.replace_variable(v)
    }

    fn replace_variable(&self, v: Variable) -> Result<DataArray> {
        let da = DataArray::from_parts(None, v, self.coords().clone())?;
        Ok(match self.name() {
            Some(n) => da.with_name(n),
            None => da,
        })
    }
}

/// The array as a dataset holding its variable under `name` (a name no coordinate
/// has, unlike the array's own name, which may be a coordinate's: `ds.get("x")`).
fn array_dataset(da: &DataArray, name: &str) -> Result<Dataset> {
    let mut vars = da.coords().clone();
    let coord_names: IndexSet<String> = vars.keys().cloned().collect();
    vars.insert(name.to_string(), da.variable().clone());
    Dataset::from_parts(vars, coord_names, Attrs::new())
}

/// Short methods with the default join (inner), one per binary operation.
macro_rules! short_methods {
    ($ty:ty, $other:ty, $call:ident; $($name:ident => $op:ident, $doc:literal;)*) => {
        impl $ty {
            $(
                #[doc = concat!("`self ", $doc, " other` with an inner join of the indexes.")]
                ///
                /// # Errors
                #[doc = concat!("As [`", stringify!($ty), "::binary_op`].")]
                pub fn $name(&self, other: &$other) -> Result<$ty> {
                    self.$call(other, BinaryOp::$op, Join::Inner)
                }
            )*
        }
    };
}

macro_rules! all_short_methods {
    ($ty:ty) => {
        short_methods!($ty, $ty, binary_op;
            add => Add, "+"; sub => Sub, "-"; mul => Mul, "*"; div => Div, "/";
            pow => Pow, "**"; eq => Eq, "=="; ne => Ne, "!="; lt => Lt, "<";
            le => Le, "<="; gt => Gt, ">"; ge => Ge, ">="; and => And, "&";
            or => Or, "|"; xor => Xor, "^";
        );
    };
}

all_short_methods!(DataArray);
all_short_methods!(Dataset);

/// Short methods for the unary operations.
macro_rules! unary_methods {
    ($ty:ty) => {
        impl $ty {
            /// Absolute value.
            ///
            /// # Errors
            /// [`Error::UnsupportedDType`] for strings and datetimes.
            pub fn abs(&self) -> Result<$ty> {
                self.unary_op(UnaryOp::Abs)
            }
            /// Square root (integers give floats).
            ///
            /// # Errors
            /// [`Error::UnsupportedDType`] for strings and datetimes.
            pub fn sqrt(&self) -> Result<$ty> {
                self.unary_op(UnaryOp::Sqrt)
            }
            /// Exponential (integers give floats).
            ///
            /// # Errors
            /// [`Error::UnsupportedDType`] for strings and datetimes.
            pub fn exp(&self) -> Result<$ty> {
                self.unary_op(UnaryOp::Exp)
            }
            /// Natural logarithm (integers give floats).
            ///
            /// # Errors
            /// [`Error::UnsupportedDType`] for strings and datetimes.
            pub fn log(&self) -> Result<$ty> {
                self.unary_op(UnaryOp::Log)
            }
            /// Negation (integers wrap).
            ///
            /// # Errors
            /// [`Error::UnsupportedDType`] for bools, strings and datetimes.
            pub fn neg(&self) -> Result<$ty> {
                self.unary_op(UnaryOp::Neg)
            }
            /// Logical not of bools.
            ///
            /// # Errors
            /// [`Error::UnsupportedDType`] for anything but bools.
            pub fn not(&self) -> Result<$ty> {
                self.unary_op(UnaryOp::Not)
            }
        }

        impl ops::Neg for &$ty {
            type Output = Result<$ty>;
            fn neg(self) -> Result<$ty> {
                self.unary_op(UnaryOp::Neg)
            }
        }

        impl ops::Not for &$ty {
            type Output = Result<$ty>;
            fn not(self) -> Result<$ty> {
                self.unary_op(UnaryOp::Not)
            }
        }
    };
}

unary_methods!(DataArray);
unary_methods!(Dataset);

/// `std::ops` between references and with scalars on either side.
macro_rules! std_ops {
    ($($trait:ident, $method:ident => $op:ident;)*) => {$(
        impl ops::$trait<&DataArray> for &DataArray {
            type Output = Result<DataArray>;
            fn $method(self, rhs: &DataArray) -> Result<DataArray> {
                self.binary_op(rhs, BinaryOp::$op, Join::Inner)
            }
        }
        impl ops::$trait<&Dataset> for &Dataset {
            type Output = Result<Dataset>;
            fn $method(self, rhs: &Dataset) -> Result<Dataset> {
                self.binary_op(rhs, BinaryOp::$op, Join::Inner)
            }
        }
        impl ops::$trait<&DataArray> for &Dataset {
            type Output = Result<Dataset>;
            fn $method(self, rhs: &DataArray) -> Result<Dataset> {
                self.array_op(rhs, BinaryOp::$op, Join::Inner, false)
            }
        }
        impl ops::$trait<&Dataset> for &DataArray {
            type Output = Result<Dataset>;
            fn $method(self, rhs: &Dataset) -> Result<Dataset> {
                rhs.array_op(self, BinaryOp::$op, Join::Inner, true)
            }
        }
        std_ops!(@scalar $trait, $method, $op; f64, i64, bool);
    )*};
    (@scalar $trait:ident, $method:ident, $op:ident; $($s:ty),*) => {$(
        impl ops::$trait<$s> for &DataArray {
            type Output = Result<DataArray>;
            fn $method(self, rhs: $s) -> Result<DataArray> {
                self.scalar_op(rhs, BinaryOp::$op, false)
            }
        }
        impl ops::$trait<&DataArray> for $s {
            type Output = Result<DataArray>;
            fn $method(self, rhs: &DataArray) -> Result<DataArray> {
                rhs.scalar_op(self, BinaryOp::$op, true)
            }
        }
        impl ops::$trait<$s> for &Dataset {
            type Output = Result<Dataset>;
            fn $method(self, rhs: $s) -> Result<Dataset> {
                self.scalar_op(rhs, BinaryOp::$op, false)
            }
        }
        impl ops::$trait<&Dataset> for $s {
            type Output = Result<Dataset>;
            fn $method(self, rhs: &Dataset) -> Result<Dataset> {
                rhs.scalar_op(self, BinaryOp::$op, true)
            }
        }
    )*};
}

std_ops!(
    Add, add => Add;
    Sub, sub => Sub;
    Mul, mul => Mul;
    Div, div => Div;
    BitAnd, bitand => And;
    BitOr, bitor => Or;
    BitXor, bitxor => Xor;
);
