//! One pass over memory for chains of elementwise operations.
//!
//! A subtree of elementwise nodes (unary, binary, casts, elementwise maps) over inputs of
//! the same region is compiled into a small postfix program; its inputs are evaluated
//! once, then the program runs tile by tile (a few thousand elements, so every
//! intermediate stays in the L1/L2 cache) and only the final result is written out.
//!
//! Programs on one float dtype (the common case) run typed, compiled to passes: a unary
//! step or a binary step with a constant joins the "lane chain" of its operand, which a
//! pass applies block by block (64 values, in L1) as it reads the operand, and constants
//! fold. Only a binary step between two arrays makes a pass of its own (into a scratch
//! tile kept in L1, reused from tile to tile). So `sqrt(abs(x * 2 + 1)) - x` is one pass
//! over memory: per block, `x` through four steps into L1, then minus `x` straight into
//! the destination, which [`FillRegion::fill`] can make a region of the final result.
//! Passes run compiled for AVX2 where the CPU has it (same bits; see [`run_pass`]).

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
            Expr::Map(f, _, _) => Instr::Map(Arc::clone(f)),
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

/// Elements per tile of a typed program: 2048 f64 are 16 KiB, so the scratch tiles of
/// the passes between two arrays stay in the L1 cache from pass to pass.
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
    i64 => I64 | DateTime | TimeDelta,
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

/// A step of a typed program in postfix order.
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
    /// Elements `start..stop` of a flat input.
    fn slice(&self, start: usize, stop: usize) -> Result<&[T]> {
        match self {
            Input::Flat(a) => a.as_slice().and_then(|s| s.get(start..stop)),
            Input::Scalar(_) => None,
        }
        .ok_or_else(|| Error::internal("fused input is flat and long enough"))
    }
}

/// Elements a pass carries through a lane chain at once: 64 `f64` are 512 bytes, so a
/// block stays in the L1 cache between the steps of a chain, and each step's dispatch
/// is paid once per 64 elements.
const LANES: usize = 64;

/// One step of a lane chain, applied to a value `x` in registers: a float unary
/// operation, or a binary one with a constant on either side. Same semantics and bits
/// as the kernels' float arms, operand order included (`R*`: the constant on the left).
#[derive(Clone, Copy, Debug)]
enum Lane<T> {
    Neg,
    Abs,
    Sqrt,
    Exp,
    Ln,
    Add(T),
    RAdd(T),
    Sub(T),
    RSub(T),
    Mul(T),
    RMul(T),
    Div(T),
    RDiv(T),
    Pow(T),
    RPow(T),
}

/// `a op b` for the float operations typed programs run.
#[inline(always)]
fn binop<T: Float>(op: BinaryOp, a: T, b: T) -> T {
    match op {
        BinaryOp::Add => a + b,
        BinaryOp::Sub => a - b,
        BinaryOp::Mul => a * b,
        BinaryOp::Div => a / b,
        _ => a.powf(b),
    }
}

impl<T: Float> Lane<T> {
    fn unary(op: UnaryOp) -> Lane<T> {
        match op {
            UnaryOp::Neg => Lane::Neg,
            UnaryOp::Abs => Lane::Abs,
            UnaryOp::Sqrt => Lane::Sqrt,
            UnaryOp::Exp => Lane::Exp,
            _ => Lane::Ln,
        }
    }

    /// `x op c`.
    fn right(op: BinaryOp, c: T) -> Lane<T> {
        match op {
            BinaryOp::Add => Lane::Add(c),
            BinaryOp::Sub => Lane::Sub(c),
            BinaryOp::Mul => Lane::Mul(c),
            BinaryOp::Div => Lane::Div(c),
            _ => Lane::Pow(c),
        }
    }

    /// `c op x`.
    fn left(op: BinaryOp, c: T) -> Lane<T> {
        match op {
            BinaryOp::Add => Lane::RAdd(c),
            BinaryOp::Sub => Lane::RSub(c),
            BinaryOp::Mul => Lane::RMul(c),
            BinaryOp::Div => Lane::RDiv(c),
            _ => Lane::RPow(c),
        }
    }

    #[inline(always)]
    fn eval(self, x: T) -> T {
        match self {
            Lane::Neg => -x,
            Lane::Abs => x.abs(),
            Lane::Sqrt => x.sqrt(),
            Lane::Exp => x.exp(),
            Lane::Ln => x.ln(),
            Lane::Add(c) => x + c,
            Lane::RAdd(c) => c + x,
            Lane::Sub(c) => x - c,
            Lane::RSub(c) => c - x,
            Lane::Mul(c) => x * c,
            Lane::RMul(c) => c * x,
            Lane::Div(c) => x / c,
            Lane::RDiv(c) => c / x,
            Lane::Pow(c) => x.powf(c),
            Lane::RPow(c) => c.powf(x),
        }
    }
}

/// `out[k] = step(src[k])`, or `out[k] = step(out[k])` in place when `src` is `None`:
/// one dispatch per step and block, then a loop the compiler vectorizes.
#[inline(always)]
fn lane_step<T: Float>(step: Lane<T>, out: &mut [T], src: Option<&[T]>) {
    macro_rules! each {
        ($x:ident => $e:expr) => {
            match src {
                Some(src) => {
                    for (o, &$x) in out.iter_mut().zip(src) {
                        *o = $e;
                    }
                }
                None => {
                    for o in out.iter_mut() {
                        let $x = *o;
                        *o = $e;
                    }
                }
            }
        };
    }
    match step {
        Lane::Neg => each!(x => -x),
        Lane::Abs => each!(x => x.abs()),
        Lane::Sqrt => each!(x => x.sqrt()),
        Lane::Exp => each!(x => x.exp()),
        Lane::Ln => each!(x => x.ln()),
        Lane::Add(c) => each!(x => x + c),
        Lane::RAdd(c) => each!(x => c + x),
        Lane::Sub(c) => each!(x => x - c),
        Lane::RSub(c) => each!(x => c - x),
        Lane::Mul(c) => each!(x => x * c),
        Lane::RMul(c) => each!(x => c * x),
        Lane::Div(c) => each!(x => x / c),
        Lane::RDiv(c) => each!(x => c / x),
        Lane::Pow(c) => each!(x => x.powf(c)),
        Lane::RPow(c) => each!(x => c.powf(x)),
    }
}

/// `out = chain(src)`, or `out = chain(out)` in place when `src` is `None`: the first
/// step reads `src`, the others work in place on `out`, a block small enough for L1.
#[inline(always)]
fn chain_into<T: Float>(out: &mut [T], src: Option<&[T]>, chain: &[Lane<T>]) {
    let mut steps = chain.iter();
    if let Some(src) = src {
        match steps.next() {
            Some(&first) => lane_step(first, out, Some(src)),
            None => out.copy_from_slice(src),
        }
    }
    for &step in steps {
        lane_step(step, out, None);
    }
}

/// Where a pass reads an operand from.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Source<T> {
    /// An input of the program (flat over the region).
    Input(usize),
    /// A scratch tile holding an earlier pass's result.
    Tile(usize),
    /// One value (constants are folded: a constant never has a chain).
    Const(T),
}

/// An operand of a pass: a source and the lane chain applied to it after loading.
#[derive(Clone, Debug)]
struct Stream<T> {
    source: Source<T>,
    chain: Vec<Lane<T>>,
}

impl<T: Float> Stream<T> {
    fn constant(&self) -> Option<T> {
        match self.source {
            Source::Const(c) => Some(c),
            _ => None,
        }
    }

    fn tile(&self) -> Option<usize> {
        match self.source {
            Source::Tile(k) => Some(k),
            _ => None,
        }
    }
}

/// Where a pass writes.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Dest {
    Tile(usize),
    /// The program's destination.
    Out,
}

/// One loop over a tile: `dest = post(a)` or `dest = post(pre_a(a) op pre_b(b))`, with
/// every chain applied in registers, block by block.
#[derive(Debug)]
struct Pass<T> {
    a: Stream<T>,
    zip: Option<(BinaryOp, Stream<T>)>,
    post: Vec<Lane<T>>,
    dest: Dest,
}

/// Compiles the postfix `code` into passes: unary steps and binary steps with a
/// constant join the chain of their operand, constants fold, and only a binary step
/// between two non-constant operands makes a pass (into a scratch tile, in place over
/// one of its operands' tiles when it has one). The last pass writes the destination.
fn compile_passes<T: Float>(code: &[Op], inputs: &[Input<T>]) -> Result<(Vec<Pass<T>>, usize)> {
    let missing = || Error::internal("fused program stack");
    let mut stack: Vec<Stream<T>> = Vec::with_capacity(4);
    let mut passes: Vec<Pass<T>> = Vec::new();
    let (mut tiles, mut free) = (0, Vec::new());
    for op in code {
        match *op {
            Op::Leaf(i) => stack.push(Stream {
                source: match inputs.get(i).ok_or_else(|| Error::internal("fused leaf"))? {
                    Input::Scalar(c) => Source::Const(*c),
                    Input::Flat(_) => Source::Input(i),
                },
                chain: Vec::new(),
            }),
            Op::Unary(u) => {
                let s = stack.last_mut().ok_or_else(missing)?;
                let lane = Lane::unary(u);
                match s.constant() {
                    Some(c) => s.source = Source::Const(lane.eval(c)),
                    None => s.chain.push(lane),
                }
            }
            Op::Binary(bop) => {
                let mut b = stack.pop().ok_or_else(missing)?;
                let mut a = stack.pop().ok_or_else(missing)?;
                match (a.constant(), b.constant()) {
                    (Some(x), Some(y)) => a.source = Source::Const(binop(bop, x, y)),
                    (None, Some(y)) => a.chain.push(Lane::right(bop, y)),
                    (Some(x), None) => {
                        b.chain.push(Lane::left(bop, x));
                        a = b;
                    }
                    (None, None) => {
                        let dest = match (a.tile(), b.tile()) {
                            (Some(k), other) | (None, other @ Some(k)) => {
                                free.extend(other.filter(|&j| j != k));
                                k
                            }
                            (None, None) => free.pop().unwrap_or_else(|| {
                                tiles += 1;
                                tiles - 1
                            }),
                        };
                        passes.push(Pass {
                            a,
                            zip: Some((bop, b)),
                            post: Vec::new(),
                            dest: Dest::Tile(dest),
                        });
                        a = Stream {
                            source: Source::Tile(dest),
                            chain: Vec::new(),
                        };
                    }
                }
                stack.push(a);
            }
        }
    }
    let root = stack.pop().ok_or_else(missing)?;
    if !stack.is_empty() {
        return Err(Error::internal("a fused program leaves one value"));
    }
    match root.tile() {
        // The pass that made the root's tile is the last one: it writes the
        // destination, finishing with the root's chain.
        Some(k) => {
            let last = passes
                .last_mut()
                .filter(|p| p.dest == Dest::Tile(k))
                .ok_or_else(|| Error::internal("the last pass makes the root"))?;
            last.dest = Dest::Out;
            last.post = root.chain;
        }
        None => passes.push(Pass {
            a: root,
            zip: None,
            post: Vec::new(),
            dest: Dest::Out,
        }),
    }
    Ok((passes, tiles))
}

/// An operand of a running pass: values, one value, or what the destination holds
/// (a pass in place over its operand's tile).
#[derive(Clone, Copy)]
enum Operand<'a, T> {
    Slice(&'a [T]),
    Const(T),
    Dest,
}

/// An operand of a running pass with the lane chain applied to it after loading.
type Chained<'a, T> = (Operand<'a, T>, &'a [Lane<T>]);

/// The values of one side of a binary step over a block.
#[derive(Clone, Copy)]
enum Side<'a, T> {
    Vals(&'a [T]),
    One(T),
}

/// One side of a binary step over elements `i..i + len`: an input read where it lies
/// when it has no chain, else its chain applied into `buf` (first copying the
/// destination's values for a pass in place).
#[inline(always)]
fn side<'a, T: Float>(
    (o, chain): Chained<'a, T>,
    dest: &[T],
    (i, len): (usize, usize),
    buf: &'a mut [T],
) -> Side<'a, T> {
    match o {
        Operand::Const(c) => Side::One(c),
        Operand::Slice(s) if chain.is_empty() => Side::Vals(&s[i..i + len]),
        Operand::Slice(s) => {
            chain_into(buf, Some(&s[i..i + len]), chain);
            Side::Vals(buf)
        }
        Operand::Dest => {
            buf.copy_from_slice(&dest[i..i + len]);
            chain_into(buf, None, chain);
            Side::Vals(buf)
        }
    }
}

/// `out[k] = a[k] op b[k]`.
#[inline(always)]
fn zip_into<T: Float>(op: BinaryOp, out: &mut [T], a: Side<'_, T>, b: Side<'_, T>) {
    macro_rules! each {
        ($f:expr) => {
            match (a, b) {
                (Side::Vals(a), Side::Vals(b)) => {
                    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
                        *o = $f(x, y);
                    }
                }
                (Side::Vals(a), Side::One(y)) => {
                    for (o, &x) in out.iter_mut().zip(a) {
                        *o = $f(x, y);
                    }
                }
                (Side::One(x), Side::Vals(b)) => {
                    for (o, &y) in out.iter_mut().zip(b) {
                        *o = $f(x, y);
                    }
                }
                (Side::One(x), Side::One(y)) => out.fill($f(x, y)),
            }
        };
    }
    match op {
        BinaryOp::Add => each!(|x: T, y: T| x + y),
        BinaryOp::Sub => each!(|x: T, y: T| x - y),
        BinaryOp::Mul => each!(|x: T, y: T| x * y),
        BinaryOp::Div => each!(|x: T, y: T| x / y),
        _ => each!(|x: T, y: T| x.powf(y)),
    }
}

/// Runs one pass over `dest` (all operands cover as many elements); `bufs` holds at
/// least `3 * LANES` elements of scratch.
///
/// On x86-64 CPUs with AVX2 (checked at run time, once: the check is cached) the pass
/// runs the same code compiled for AVX2, four `f64` per instruction instead of SSE2's
/// two. The results are the same bits: IEEE 754 addition, subtraction, multiplication,
/// division and square root are exact whatever the vector width, and `exp`, `ln` and
/// `powf` are the same scalar calls. (Only the sign and payload of a NaN may differ,
/// which Rust leaves unspecified in any code.)
fn run_pass<T: Float>(
    dest: &mut [T],
    a: Chained<'_, T>,
    zip: Option<(BinaryOp, Chained<'_, T>)>,
    post: &[Lane<T>],
    bufs: &mut [T],
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        #[allow(unsafe_code)]
        // SAFETY: `run_pass_avx2` needs nothing but a CPU with AVX2, checked just above.
        unsafe {
            run_pass_avx2(dest, a, zip, post, bufs);
        }
        return;
    }
    run_pass_any(dest, a, zip, post, bufs);
}

/// [`run_pass_any`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn run_pass_avx2<T: Float>(
    dest: &mut [T],
    a: Chained<'_, T>,
    zip: Option<(BinaryOp, Chained<'_, T>)>,
    post: &[Lane<T>],
    bufs: &mut [T],
) {
    run_pass_any(dest, a, zip, post, bufs);
}

/// The pass, block by block of [`LANES`] elements: each side's chain into an L1 buffer
/// (or the input read where it lies), the binary step straight into `dest` (or into a
/// buffer when a final chain follows).
#[inline(always)]
fn run_pass_any<T: Float>(
    dest: &mut [T],
    a: Chained<'_, T>,
    zip: Option<(BinaryOp, Chained<'_, T>)>,
    post: &[Lane<T>],
    bufs: &mut [T],
) {
    let (ba, rest) = bufs.split_at_mut(LANES);
    let (bb, bc) = rest.split_at_mut(LANES);
    let n = dest.len();
    let mut i = 0;
    while i < n {
        let len = LANES.min(n - i);
        match zip {
            // No binary step: the input (never `dest`) through its chain and `post`.
            None => match a.0 {
                Operand::Const(c) => {
                    let out = &mut dest[i..i + len];
                    out.fill(c);
                    chain_into(out, None, post);
                }
                Operand::Slice(s) => {
                    let out = &mut dest[i..i + len];
                    chain_into(out, Some(&s[i..i + len]), a.1);
                    chain_into(out, None, post);
                }
                Operand::Dest => {
                    let out = &mut dest[i..i + len];
                    chain_into(out, None, a.1);
                    chain_into(out, None, post);
                }
            },
            Some((op, b)) => {
                let x = side(a, dest, (i, len), &mut ba[..len]);
                let y = side(b, dest, (i, len), &mut bb[..len]);
                if post.is_empty() {
                    zip_into(op, &mut dest[i..i + len], x, y);
                } else {
                    let out = &mut bc[..len];
                    zip_into(op, out, x, y);
                    chain_into(out, None, post);
                    dest[i..i + len].copy_from_slice(out);
                }
            }
        }
        i += len;
    }
}

/// A float elementwise chain compiled to passes over tiles; every step is a float
/// operation of the kernels on one dtype `T`.
pub(crate) struct TypedProgram<T> {
    passes: Vec<Pass<T>>,
    inputs: Vec<Input<T>>,
    /// Scratch tiles of `TYPED_TILE` elements, reused from tile to tile.
    tiles: Vec<Vec<T>>,
    /// The blocks a pass works in (`3 * LANES`).
    blocks: Vec<T>,
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
        let (passes, tiles) = compile_passes(&code, &flat)?;
        let tile_len = TYPED_TILE.min(n);
        Ok(Some(TypedProgram {
            passes,
            inputs: flat,
            tiles: (0..tiles).map(|_| vec![T::zero(); tile_len]).collect(),
            blocks: vec![T::zero(); 3 * LANES],
        }))
    }

    /// The operand `stream` reads over flat positions `start..stop` (`at`: the offset
    /// of that range in the current tile), reading tile `dest` as [`Operand::Dest`].
    fn operand<'s>(
        inputs: &'s [Input<T>],
        tiles: &'s [Vec<T>],
        source: Source<T>,
        (start, stop, at): (usize, usize, usize),
        dest: Option<usize>,
    ) -> Result<Operand<'s, T>> {
        Ok(match source {
            Source::Const(c) => Operand::Const(c),
            Source::Tile(k) if Some(k) == dest => Operand::Dest,
            Source::Tile(k) => Operand::Slice(
                tiles
                    .get(k)
                    .and_then(|t| t.get(at..at + (stop - start)))
                    .ok_or_else(|| Error::internal("fused tile"))?,
            ),
            Source::Input(i) => Operand::Slice(
                inputs
                    .get(i)
                    .ok_or_else(|| Error::internal("fused input"))?
                    .slice(start, stop)?,
            ),
        })
    }

    /// Runs the program over flat positions `start..start + len` (`len`, the total
    /// length of `rows`, at most `TYPED_TILE`), its last pass writing straight into
    /// `rows`, the consecutive pieces of the destination.
    fn run(&mut self, start: usize, rows: &mut [&mut [T]]) -> Result<()> {
        let TypedProgram {
            passes,
            inputs,
            tiles,
            blocks,
        } = self;
        let len: usize = rows.iter().map(|r| r.len()).sum();
        for pass in passes.iter() {
            let zip_source = pass
                .zip
                .as_ref()
                .map(|(op, b)| (*op, b.source, &b.chain[..]));
            match pass.dest {
                Dest::Tile(k) => {
                    // Out of the list while written, so other tiles can be read.
                    let mut buf = std::mem::take(
                        tiles
                            .get_mut(k)
                            .ok_or_else(|| Error::internal("fused tile"))?,
                    );
                    let span = (start, start + len, 0);
                    let a = Self::operand(inputs, tiles, pass.a.source, span, Some(k))?;
                    let zip = match zip_source {
                        Some((op, b, pre)) => {
                            Some((op, (Self::operand(inputs, tiles, b, span, Some(k))?, pre)))
                        }
                        None => None,
                    };
                    let dest = buf
                        .get_mut(..len)
                        .ok_or_else(|| Error::internal("fused tile length"))?;
                    run_pass(dest, (a, &pass.a.chain), zip, &pass.post, blocks);
                    tiles[k] = buf;
                }
                Dest::Out => {
                    let mut at = 0;
                    for row in rows.iter_mut() {
                        let n = row.len();
                        let span = (start + at, start + at + n, at);
                        let a = Self::operand(inputs, tiles, pass.a.source, span, None)?;
                        let zip = match zip_source {
                            Some((op, b, pre)) => {
                                Some((op, (Self::operand(inputs, tiles, b, span, None)?, pre)))
                            }
                            None => None,
                        };
                        run_pass(row, (a, &pass.a.chain), zip, &pass.post, blocks);
                        at += n;
                    }
                }
            }
        }
        Ok(())
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
