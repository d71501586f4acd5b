//! Least squares for small, tall systems (polynomial fits): the minimum-norm solution
//! of `min |A x - b|` through a singular value decomposition, singular values below
//! `rcond` times the largest counted as zero (numpy's `linalg.lstsq`, LAPACK's
//! `gelsd`). The decomposition is one-sided Jacobi (Hestenes), accurate to the last
//! bits for the few columns of a Vandermonde matrix.

/// The singular value decomposition of a row-major `m x k` matrix as `A V = W`, where
/// the columns of `W` are orthogonal (their norms are the singular values).
pub(crate) struct Svd {
    m: usize,
    k: usize,
    /// `A V`, row-major `m x k`.
    w: Vec<f64>,
    /// `V`, row-major `k x k`.
    v: Vec<f64>,
    /// Squared norms of the columns of `W`.
    norms2: Vec<f64>,
}

impl Svd {
    /// Decomposes the row-major `m x k` matrix `a`.
    pub(crate) fn new(a: &[f64], m: usize, k: usize) -> Svd {
        debug_assert_eq!(a.len(), m * k);
        let mut w = a.to_vec();
        let mut v = vec![0.0; k * k];
        for j in 0..k {
            v[j * k + j] = 1.0;
        }
        let col_dot = |w: &[f64], p: usize, q: usize| -> f64 {
            (0..m).map(|i| w[i * k + p] * w[i * k + q]).sum()
        };
        for _sweep in 0..60 {
            let mut rotated = false;
            for p in 0..k {
                for q in p + 1..k {
                    let alpha = col_dot(&w, p, p);
                    let beta = col_dot(&w, q, q);
                    let gamma = col_dot(&w, p, q);
                    if gamma == 0.0 || gamma.abs() <= f64::EPSILON * (alpha * beta).sqrt() {
                        continue;
                    }
                    rotated = true;
                    let zeta = (beta - alpha) / (2.0 * gamma);
                    let t = zeta.signum() / (zeta.abs() + (1.0 + zeta * zeta).sqrt());
                    let c = 1.0 / (1.0 + t * t).sqrt();
                    let s = c * t;
                    for (mat, rows) in [(&mut w, m), (&mut v, k)] {
                        for i in 0..rows {
                            let (x, y) = (mat[i * k + p], mat[i * k + q]);
                            mat[i * k + p] = c * x - s * y;
                            mat[i * k + q] = s * x + c * y;
                        }
                    }
                }
            }
            if !rotated {
                break;
            }
        }
        let norms2 = (0..k).map(|j| col_dot(&w, j, j)).collect();
        Svd { m, k, w, v, norms2 }
    }

    /// The minimum-norm least-squares solution for `b` (length `m`), singular values
    /// below `rcond` times the largest dropped.
    pub(crate) fn solve(&self, b: &[f64], rcond: f64) -> Vec<f64> {
        let (m, k) = (self.m, self.k);
        let largest = self.norms2.iter().copied().fold(0.0, f64::max).sqrt();
        let mut x = vec![0.0; k];
        for j in 0..k {
            let sigma = self.norms2[j].sqrt();
            if sigma <= rcond * largest || sigma == 0.0 {
                continue;
            }
            // u_j . b / sigma_j, with u_j = w_j / sigma_j.
            let coef = (0..m).map(|i| self.w[i * k + j] * b[i]).sum::<f64>() / self.norms2[j];
            for (r, xr) in x.iter_mut().enumerate() {
                *xr += self.v[r * k + j] * coef;
            }
        }
        x
    }
}

impl Svd {
    /// The singular values, largest first (`min(m, k)` of them, as numpy's `svd`).
    pub(crate) fn singular_values(&self) -> Vec<f64> {
        let mut s: Vec<f64> = self.norms2.iter().map(|n| n.sqrt()).collect();
        s.sort_by(|a, b| b.total_cmp(a));
        s.truncate(self.m.min(self.k));
        s
    }

    /// How many singular values exceed `rcond` times the largest (the rank numpy's
    /// `lstsq` reports for that `rcond`).
    pub(crate) fn rank(&self, rcond: f64) -> usize {
        let s = self.singular_values();
        let largest = s.first().copied().unwrap_or(0.0);
        s.iter()
            .filter(|&&v| v > rcond * largest && v > 0.0)
            .count()
    }

    /// The rank as numpy's `matrix_rank` counts it: singular values above the largest
    /// times `max(m, k)` times the machine epsilon.
    pub(crate) fn matrix_rank(&self) -> usize {
        #[allow(clippy::cast_precision_loss)]
        self.rank(self.m.max(self.k) as f64 * f64::EPSILON)
    }

    /// `(AᵀA)⁻¹`, row-major `k x k`, as `V diag(1/σ²) Vᵀ` (infinite entries for a
    /// singular matrix, where numpy's `inv` raises).
    pub(crate) fn inverse_gram(&self) -> Vec<f64> {
        let k = self.k;
        let mut out = vec![0.0; k * k];
        for r in 0..k {
            for c in 0..k {
                out[r * k + c] = (0..k)
                    .map(|j| self.v[r * k + j] * self.v[c * k + j] / self.norms2[j])
                    .sum();
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_a_line_exactly_and_takes_the_minimum_norm_when_underdetermined() {
        // y = 2x + 1 at x = 0, 1, 2.
        let a = [0.0, 1.0, 1.0, 1.0, 2.0, 1.0];
        let x = Svd::new(&a, 3, 2).solve(&[1.0, 3.0, 5.0], 1e-15);
        assert!(
            (x[0] - 2.0).abs() < 1e-14 && (x[1] - 1.0).abs() < 1e-14,
            "{x:?}"
        );
        // One equation x0 + x1 = 2: the minimum-norm solution is (1, 1).
        let x = Svd::new(&[1.0, 1.0], 1, 2).solve(&[2.0], 1e-15);
        assert!(
            (x[0] - 1.0).abs() < 1e-14 && (x[1] - 1.0).abs() < 1e-14,
            "{x:?}"
        );
    }
}
