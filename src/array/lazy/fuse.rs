//! One pass over memory for chains of elementwise operations.
//!
//! A subtree of elementwise nodes (unary, binary, casts, elementwise maps) over inputs of
//! the same region is compiled into a small postfix program; its inputs are evaluated
//! once, then the program runs tile by tile (a few thousand elements, so every
//! intermediate stays in the L1/L2 cache) and only the final result is written out.
//!
//! Programs on one float dtype (the common case) run typed: scratch buffers reused from
//! tile to tile, one dtype dispatch per region, and the last step writes into the
//! destination, which [`FillRegion::fill`] can make a region of the final result.

use std::sync::Arc;

use ndarray::{ArcArray, ArrayViewMut, Axis, IxDyn};
use num_traits::Float;

use super::expr::{eval, ElemFn, Expr, Inputs};
use super::LazyArray;
use crate::array::chunks::Region;
use crate::array::kernels::{self, BinaryOp, UnaryOp};
use crate::array::{DType, Element, NdArray};
use crate::error::{Error, Result};

/// Elements per tile: 8192 f64 are 64 KiB, a few of which fit in L2 at once.
const TILE: usize = 8192;

enum Instr {
    Leaf(usize),
    Unary(UnaryOp),
    Binary(BinaryOp),
    Cast(DType),
    Map(ElemFn),
}

/// An input of the program: an array node and the region it is read over.
struct Leaf {
    node: LazyArray,
    region: Region,
}

struct Program {
    code: Vec<Instr>,
    leaves: Vec<Leaf>,
}

fn is_elementwise(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Unary(..) | Expr::Binary(..) | Expr::Cast(..) | Expr::Map(..)
    )
}

/// The number of elementwise nodes under (and including) `arr` that one program covers.
fn count(arr: &LazyArray, shape: &[usize]) -> usize {
    if !is_elementwise(&arr.expr) || arr.shape() != shape {
        return 0;
    }
    let region: Region = shape.iter().map(|&n| 0..n).collect();
    1 + arr
        .expr
        .input_regions(&region)
        .iter()
        .map(|(input, _)| count(input, shape))
        .sum::<usize>()
}

impl Program {
    fn compile(arr: &LazyArray, region: &Region) -> Program {
        let mut p = Program {
            code: Vec::new(),
            leaves: Vec::new(),
        };
        p.emit(arr, region);
        p
    }

    fn emit(&mut self, arr: &LazyArray, region: &Region) {
        if !is_elementwise(&arr.expr) {
            self.leaf(arr, region);
            return;
        }
        for (input, r) in arr.expr.input_regions(region) {
            if r == *region || input.len() == 1 {
                self.emit(input, &r);
            } else {
                // A broadcast operand: read it as a leaf and broadcast it once.
                self.leaf(input, &r);
            }
        }
        self.code.push(match &*arr.expr {
            Expr::Unary(op, _) => Instr::Unary(*op),
            Expr::Binary(op, _, _) => Instr::Binary(*op),
            Expr::Cast(dtype, _) => Instr::Cast(*dtype),
            Expr::Map(f, _) => Instr::Map(Arc::clone(f)),
            _ => unreachable!("only elementwise nodes are compiled"),
        });
    }

    fn leaf(&mut self, arr: &LazyArray, region: &Region) {
        let existing = self
            .leaves
            .iter()
            .position(|l| Arc::ptr_eq(&l.node.expr, &arr.expr) && l.region == *region);
        let idx = existing.unwrap_or_else(|| {
            self.leaves.push(Leaf {
                node: arr.clone(),
                region: region.clone(),
            });
            self.leaves.len() - 1
        });
        self.code.push(Instr::Leaf(idx));
    }

    fn run_tile(&self, tiles: &[NdArray]) -> Result<NdArray> {
        let mut stack: Vec<NdArray> = Vec::with_capacity(4);
        let pop = |stack: &mut Vec<NdArray>| {
            stack
                .pop()
                .ok_or_else(|| Error::internal("fused program stack"))
        };
        for ins in &self.code {
            let v = match ins {
                Instr::Leaf(i) => tiles
                    .get(*i)
                    .cloned()
                    .ok_or_else(|| Error::internal("fused leaf"))?,
                Instr::Unary(op) => kernels::unary(&pop(&mut stack)?, *op)?,
                Instr::Binary(op) => {
                    let b = pop(&mut stack)?;
                    let a = pop(&mut stack)?;
                    kernels::binary(&a, &b, *op)?
                }
                Instr::Cast(dtype) => pop(&mut stack)?.astype(*dtype)?,
                Instr::Map(f) => f(&pop(&mut stack)?)?,
            };
            stack.push(v);
        }
        pop(&mut stack)
    }
}

/// Evaluates `arr` (an elementwise node) over `region` in one pass, if the chain under it
/// is long enough to gain from it; `None` means: evaluate node by node.
pub(crate) fn eval_fused(
    arr: &LazyArray,
    region: &Region,
    inputs: &Inputs,
) -> Result<Option<NdArray>> {
    let shape: Vec<usize> = region.iter().map(ExactSizeIterator::len).collect();
    if count(arr, arr.shape()) < 2 || shape.iter().product::<usize>() <= TILE {
        return Ok(None);
    }
    match arr.dtype() {
        DType::F64 => {
            if let Some(v) = eval_typed::<f64>(arr, region, inputs)? {
                return Ok(Some(v));
            }
        }
        DType::F32 => {
            if let Some(v) = eval_typed::<f32>(arr, region, inputs)? {
                return Ok(Some(v));
            }
        }
        _ => {}
    }
    eval_program(arr, region, inputs).map(Some)
}

/// The typed program of `arr` over `region` into a new array, if it has one.
fn eval_typed<T: FusedFloat>(
    arr: &LazyArray,
    region: &Region,
    inputs: &Inputs,
) -> Result<Option<NdArray>> {
    let Some(mut program) = TypedProgram::<T>::new(arr, region, inputs)? else {
        return Ok(None);
    };
    let shape: Vec<usize> = region.iter().map(ExactSizeIterator::len).collect();
    let mut out = vec![T::zero(); shape.iter().product()];
    program.run_all(&mut out)?;
    NdArray::from_shape_vec(&shape, out).map(Some)
}

/// Runs the generic program of `arr` over `region`, tile by tile, node by node.
fn eval_program(arr: &LazyArray, region: &Region, inputs: &Inputs) -> Result<NdArray> {
    let shape: Vec<usize> = region.iter().map(ExactSizeIterator::len).collect();
    let program = Program::compile(arr, region);
    let n: usize = shape.iter().product();
    // Inputs as flat, contiguous arrays of the region's length (or single values).
    let mut flat = Vec::with_capacity(program.leaves.len());
    for leaf in &program.leaves {
        let v = eval(&leaf.node, &leaf.region, inputs)?;
        let v = if v.len() == 1 {
            v.reshape(&[])?
        } else if v.shape() == shape.as_slice() {
            v.reshape(&[n])?
        } else {
            v.broadcast_to(&shape)?.reshape(&[n])?
        };
        flat.push(v);
    }
    // Each tile's result goes straight into the output (zeroed memory: no extra pass).
    let mut out = NdArray::zeros(&[n], arr.dtype())?;
    let mut start = 0;
    while start < n {
        let stop = (start + TILE).min(n);
        let tiles: Vec<NdArray> = flat
            .iter()
            .map(|v| {
                if v.ndim() == 0 {
                    Ok(v.clone())
                } else {
                    v.slice_axis(0, start, stop, 1)
                }
            })
            .collect::<Result<_>>()?;
        out.assign_at(&[start], &program.run_tile(&tiles)?)?;
        start = stop;
    }
    out.reshape(&shape)
}

/// Element types whose regions can be evaluated straight into a destination view.
pub(crate) trait FillRegion: Element {
    /// Evaluates `arr` over `region` into `dest` (of the region's shape): a float
    /// elementwise chain by its typed program, writing each tile in place; anything else
    /// by [`eval`] and one copy.
    ///
    /// # Errors
    /// As [`eval`]; an internal error when `dest` does not have the region's shape.
    fn fill(
        arr: &LazyArray,
        region: &Region,
        inputs: &Inputs,
        dest: ArrayViewMut<'_, Self, IxDyn>,
    ) -> Result<()>;
}

/// Copies the value of `arr` over `region` into `dest`.
fn fill_by_copy<T: Element>(
    arr: &LazyArray,
    region: &Region,
    inputs: &Inputs,
    mut dest: ArrayViewMut<'_, T, IxDyn>,
    typed: impl Fn(&NdArray) -> Option<&ArcArray<T, IxDyn>>,
) -> Result<()> {
    let v = eval(arr, region, inputs)?;
    let src = typed(&v).ok_or_else(|| {
        Error::internal(format!(
            "{} block of dtype {} where {} was expected",
            arr.label(),
            v.dtype(),
            T::DTYPE
        ))
    })?;
    if src.shape() != dest.shape() {
        return Err(Error::internal("a block has its region's shape"));
    }
    dest.assign(src);
    Ok(())
}

fn fill_float<T: FusedFloat>(
    arr: &LazyArray,
    region: &Region,
    inputs: &Inputs,
    mut dest: ArrayViewMut<'_, T, IxDyn>,
) -> Result<()> {
    let elementwise = is_elementwise(&arr.expr);
    let program = if elementwise {
        TypedProgram::<T>::new(arr, region, inputs)?
    } else {
        None
    };
    let Some(mut program) = program else {
        return fill_by_copy(arr, region, inputs, dest, T::typed);
    };
    let shape: Vec<usize> = region.iter().map(ExactSizeIterator::len).collect();
    if dest.shape() != shape.as_slice() {
        return Err(Error::internal("a block has its region's shape"));
    }
    if let Some(out) = dest.as_slice_mut() {
        return program.run_all(out);
    }
    // Rows of the destination are contiguous: the program's last step writes into them.
    let last = shape.len().saturating_sub(1);
    if dest.stride_of(Axis(last)) == 1 {
        let rows = dest
            .lanes_mut(Axis(last))
            .into_iter()
            .map(|lane| {
                lane.into_slice()
                    .ok_or_else(|| Error::internal("a row of unit stride is a slice"))
            })
            .collect::<Result<Vec<_>>>()?;
        return program.run_rows(rows);
    }
    let mut buf = vec![T::zero(); shape.iter().product()];
    program.run_all(&mut buf)?;
    let buf = ndarray::ArrayView::from_shape(IxDyn(&shape), &buf)
        .map_err(|e| Error::internal(format!("fused buffer shape: {e}")))?;
    dest.assign(&buf);
    Ok(())
}

/// Elements per tile of a typed program: 2048 f64 are 16 KiB, so the few buffers a
/// chain uses stay in the L1 cache between its steps.
const TYPED_TILE: usize = 2048;

impl FillRegion for f64 {
    fn fill(
        arr: &LazyArray,
        region: &Region,
        inputs: &Inputs,
        dest: ArrayViewMut<'_, f64, IxDyn>,
    ) -> Result<()> {
        fill_float(arr, region, inputs, dest)
    }
}

impl FillRegion for f32 {
    fn fill(
        arr: &LazyArray,
        region: &Region,
        inputs: &Inputs,
        dest: ArrayViewMut<'_, f32, IxDyn>,
    ) -> Result<()> {
        fill_float(arr, region, inputs, dest)
    }
}

macro_rules! fill_by_copy {
    ($($t:ty => $($variant:ident)|+),* $(,)?) => {$(
        impl FillRegion for $t {
            fn fill(
                arr: &LazyArray,
                region: &Region,
                inputs: &Inputs,
                dest: ArrayViewMut<'_, $t, IxDyn>,
            ) -> Result<()> {
                fill_by_copy(arr, region, inputs, dest, |v| match v {
                    $(NdArray::$variant(a, ..))|+ => Some(a),
                    _ => None,
                })
            }
        }
    )*};
}

fill_by_copy!(
    bool => Bool,
    i8 => I8,
    i16 => I16,
    i32 => I32,
    i64 => I64 | DateTime,
    u8 => U8,
    u16 => U16,
    u32 => U32,
    u64 => U64,
);

// ---- the typed program: one float dtype, no allocation per tile ----

/// Float element types that fused programs run on without dispatching per tile.
pub(crate) trait FusedFloat: Element + Float {
    /// The values of `a` as `Self`, if it holds this dtype.
    fn typed(a: &NdArray) -> Option<&ArcArray<Self, IxDyn>>;
}

impl FusedFloat for f64 {
    fn typed(a: &NdArray) -> Option<&ArcArray<f64, IxDyn>> {
        match a {
            NdArray::F64(x) => Some(x),
            _ => None,
        }
    }
}

impl FusedFloat for f32 {
    fn typed(a: &NdArray) -> Option<&ArcArray<f32, IxDyn>> {
        match a {
            NdArray::F32(x) => Some(x),
            _ => None,
        }
    }
}

/// An operation of a typed program; same semantics (and bits) as the kernels' float
/// arms: `+ - * /`, `powf`, negation, `abs`, `sqrt`, `exp`, `ln`.
#[derive(Clone, Copy)]
enum Op {
    Leaf(usize),
    Unary(UnaryOp),
    Binary(BinaryOp),
}

/// An input of a typed program over one region: a flat row-major slice of its length,
/// or a single value broadcast.
enum Input<T> {
    Flat(ArcArray<T, IxDyn>),
    Scalar(T),
}

impl<T: FusedFloat> Input<T> {
    fn operand(&self, start: usize, stop: usize) -> Result<Operand<'_, T>> {
        match self {
            Input::Scalar(v) => Ok(Operand::Scalar(*v)),
            Input::Flat(a) => a
                .as_slice()
                .and_then(|s| s.get(start..stop))
                .map(Operand::Slice)
                .ok_or_else(|| Error::internal("fused input is flat and long enough")),
        }
    }
}

/// An operand of one step: values, one value, or what the output buffer holds.
#[derive(Clone, Copy)]
enum Operand<'a, T> {
    Slice(&'a [T]),
    Scalar(T),
    Out,
}

/// A value on the stack of a running typed program.
enum Slot<'a, T> {
    Value(Operand<'a, T>),
    /// A scratch buffer of `TILE` holding an intermediate.
    Reg(Vec<T>),
}

/// A program whose every step is a float operation of the kernels on one dtype `T`.
pub(crate) struct TypedProgram<T> {
    code: Vec<Op>,
    inputs: Vec<Input<T>>,
    /// Scratch buffers, reused from tile to tile.
    free: Vec<Vec<T>>,
}

impl<T: FusedFloat> TypedProgram<T> {
    /// Compiles `arr` over `region` if every step is a float operation on `T` and every
    /// input has dtype `T`; evaluates the inputs (flattened, or single values).
    fn new(arr: &LazyArray, region: &Region, inputs: &Inputs) -> Result<Option<Self>> {
        if arr.dtype() != T::DTYPE {
            return Ok(None);
        }
        let program = Program::compile(arr, region);
        let mut code = Vec::with_capacity(program.code.len());
        for ins in &program.code {
            code.push(match ins {
                Instr::Leaf(i) => Op::Leaf(*i),
                Instr::Unary(op) if *op != UnaryOp::Not => Op::Unary(*op),
                Instr::Binary(
                    op @ (BinaryOp::Add
                    | BinaryOp::Sub
                    | BinaryOp::Mul
                    | BinaryOp::Div
                    | BinaryOp::Pow),
                ) => Op::Binary(*op),
                _ => return Ok(None),
            });
        }
        if program.leaves.iter().any(|l| l.node.dtype() != T::DTYPE) {
            return Ok(None);
        }
        let shape: Vec<usize> = region.iter().map(ExactSizeIterator::len).collect();
        let n: usize = shape.iter().product();
        let mut flat = Vec::with_capacity(program.leaves.len());
        for leaf in &program.leaves {
            let v = eval(&leaf.node, &leaf.region, inputs)?;
            let a = T::typed(&v).ok_or_else(|| Error::internal("fused input dtype"))?;
            flat.push(if a.len() == 1 && n != 1 {
                Input::Scalar(
                    *a.iter()
                        .next()
                        .ok_or_else(|| Error::internal("one value"))?,
                )
            } else if a.shape() == shape.as_slice() && a.is_standard_layout() {
                Input::Flat(a.clone())
            } else {
                // A transposed, strided or broadcast input: one contiguous copy.
                let b = a
                    .broadcast(IxDyn(&shape))
                    .ok_or_else(|| Error::internal("fused input broadcasts to the region"))?;
                Input::Flat(b.as_standard_layout().into_owned().into_shared())
            });
        }
        Ok(Some(TypedProgram {
            code,
            inputs: flat,
            free: Vec::new(),
        }))
    }

    /// Runs the program over flat positions `start..start + len` (`len`, the total
    /// length of `rows`, at most `TYPED_TILE`), its last step writing straight into
    /// `rows`, the consecutive pieces of the destination.
    fn run(&mut self, start: usize, rows: &mut [&mut [T]]) -> Result<()> {
        let TypedProgram { code, inputs, free } = self;
        let len: usize = rows.iter().map(|r| r.len()).sum();
        let stop = start + len;
        let mut stack: Vec<Slot<'_, T>> = Vec::with_capacity(4);
        let last = code.len().saturating_sub(1);
        let missing = || Error::internal("fused program stack");
        for (k, op) in code.iter().enumerate() {
            if let Op::Leaf(i) = op {
                let input = inputs.get(*i).ok_or_else(missing)?;
                stack.push(Slot::Value(input.operand(start, stop)?));
                continue;
            }
            let b = stack.pop().ok_or_else(missing)?;
            let a = match op {
                Op::Binary(_) => Some(stack.pop().ok_or_else(missing)?),
                _ => None,
            };
            if k == last {
                let mut at = 0;
                for row in rows.iter_mut() {
                    let n = row.len();
                    let part = |o| sub(o, at, n);
                    match (op, &a) {
                        (Op::Binary(bop), Some(a)) => {
                            binary(*bop, row, part(view(a, len)), part(view(&b, len)))
                        }
                        (Op::Unary(uop), None) => unary(*uop, row, part(view(&b, len))),
                        _ => return Err(missing()),
                    }
                    at += n;
                }
                for s in a.into_iter().chain([b]) {
                    if let Slot::Reg(r) = s {
                        free.push(r);
                    }
                }
                return Ok(());
            }
            // Write into a scratch buffer: an operand's own (in place), else a free one.
            let mut scratch = || free.pop().unwrap_or_else(|| vec![T::zero(); TYPED_TILE]);
            let (mut reg, a, b) = match (a, b) {
                (Some(Slot::Reg(r)), b) => (r, Some(Operand::Out), b),
                (Some(Slot::Value(a)), Slot::Reg(r)) => (r, Some(a), Slot::Value(Operand::Out)),
                (None, Slot::Reg(r)) => (r, None, Slot::Value(Operand::Out)),
                (Some(Slot::Value(a)), b) => (scratch(), Some(a), b),
                (None, b) => (scratch(), None, b),
            };
            let (b_value, spare) = match b {
                Slot::Value(v) => (Some(v), None),
                Slot::Reg(r) => (None, Some(r)),
            };
            let b = match (b_value, &spare) {
                (Some(v), _) => v,
                (None, Some(r)) => Operand::Slice(&r[..len]),
                (None, None) => return Err(missing()),
            };
            let dst = &mut reg[..len];
            match (op, a) {
                (Op::Binary(bop), Some(a)) => binary(*bop, dst, a, b),
                (Op::Unary(uop), None) => unary(*uop, dst, b),
                _ => return Err(missing()),
            }
            free.extend(spare);
            stack.push(Slot::Reg(reg));
        }
        Err(Error::internal("a fused program ends with an operation"))
    }

    /// Runs the program over the whole region into `out` (its row-major order).
    fn run_all(&mut self, out: &mut [T]) -> Result<()> {
        for (k, part) in out.chunks_mut(TYPED_TILE).enumerate() {
            self.run(k * TYPED_TILE, &mut [part])?;
        }
        Ok(())
    }

    /// Runs the program into `rows`, the destination's pieces in row-major order, a
    /// few rows (at most `TYPED_TILE` elements) per run.
    fn run_rows(&mut self, rows: Vec<&mut [T]>) -> Result<()> {
        let mut group: Vec<&mut [T]> = Vec::new();
        let (mut start, mut len) = (0, 0);
        for row in rows {
            for piece in row.chunks_mut(TYPED_TILE) {
                if len + piece.len() > TYPED_TILE {
                    self.run(start, &mut group)?;
                    group.clear();
                    start += len;
                    len = 0;
                }
                len += piece.len();
                group.push(piece);
            }
        }
        if !group.is_empty() {
            self.run(start, &mut group)?;
        }
        Ok(())
    }
}

/// Elements `at..at + n` of an operand.
fn sub<T: Copy>(o: Operand<'_, T>, at: usize, n: usize) -> Operand<'_, T> {
    match o {
        Operand::Slice(x) => Operand::Slice(&x[at..at + n]),
        other => other,
    }
}

/// A stack value as an operand over `len` elements.
fn view<'a, T: Copy>(s: &'a Slot<'a, T>, len: usize) -> Operand<'a, T> {
    match s {
        Slot::Value(v) => *v,
        Slot::Reg(r) => Operand::Slice(&r[..len]),
    }
}

/// `out[i] = f(a[i], b[i])` for each operand kind (`Out`: what `out` holds).
#[inline(always)]
fn zip2<T: Copy>(out: &mut [T], a: Operand<'_, T>, b: Operand<'_, T>, f: impl Fn(T, T) -> T) {
    use Operand::{Out, Scalar, Slice};
    match (a, b) {
        (Slice(x), Slice(y)) => {
            for ((o, &x), &y) in out.iter_mut().zip(x).zip(y) {
                *o = f(x, y);
            }
        }
        (Slice(x), Scalar(y)) => {
            for (o, &x) in out.iter_mut().zip(x) {
                *o = f(x, y);
            }
        }
        (Scalar(x), Slice(y)) => {
            for (o, &y) in out.iter_mut().zip(y) {
                *o = f(x, y);
            }
        }
        (Scalar(x), Scalar(y)) => out.fill(f(x, y)),
        (Out, Slice(y)) => {
            for (o, &y) in out.iter_mut().zip(y) {
                *o = f(*o, y);
            }
        }
        (Out, Scalar(y)) => {
            for o in out.iter_mut() {
                *o = f(*o, y);
            }
        }
        (Slice(x), Out) => {
            for (o, &x) in out.iter_mut().zip(x) {
                *o = f(x, *o);
            }
        }
        (Scalar(x), Out) => {
            for o in out.iter_mut() {
                *o = f(x, *o);
            }
        }
        (Out, Out) => {
            for o in out.iter_mut() {
                *o = f(*o, *o);
            }
        }
    }
}

#[inline(always)]
fn map1<T: Copy>(out: &mut [T], a: Operand<'_, T>, f: impl Fn(T) -> T) {
    match a {
        Operand::Slice(x) => {
            for (o, &x) in out.iter_mut().zip(x) {
                *o = f(x);
            }
        }
        Operand::Scalar(x) => out.fill(f(x)),
        Operand::Out => {
            for o in out.iter_mut() {
                *o = f(*o);
            }
        }
    }
}

fn binary<T: Float>(op: BinaryOp, out: &mut [T], a: Operand<'_, T>, b: Operand<'_, T>) {
    match op {
        BinaryOp::Add => zip2(out, a, b, |x, y| x + y),
        BinaryOp::Sub => zip2(out, a, b, |x, y| x - y),
        BinaryOp::Mul => zip2(out, a, b, |x, y| x * y),
        BinaryOp::Div => zip2(out, a, b, |x, y| x / y),
        _ => zip2(out, a, b, Float::powf),
    }
}

fn unary<T: Float>(op: UnaryOp, out: &mut [T], a: Operand<'_, T>) {
    match op {
        UnaryOp::Neg => map1(out, a, |x| -x),
        UnaryOp::Abs => map1(out, a, Float::abs),
        UnaryOp::Sqrt => map1(out, a, Float::sqrt),
        UnaryOp::Exp => map1(out, a, Float::exp),
        _ => map1(out, a, Float::ln),
    }
}
