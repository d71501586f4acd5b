//! Typed kernels: elementwise arithmetic and comparisons, unary math, and reductions
//! along an axis. Each public function matches on the dtype once and runs generic code.
