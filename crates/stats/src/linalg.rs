//! Small dense linear algebra used by the survival code.
//!
//! [`cholesky2`], [`chsolve2`] and [`chinv2`] reproduce the generalised Cholesky
//! routines of R's `survival` package (`cholesky2.c`, `chsolve2.c`, `chinv2.c`,
//! T. Therneau): an LDL' decomposition in which a pivot below `toler` times the
//! largest diagonal element is set to zero (the column is treated as redundant).
//! [`solve`] is Gaussian elimination with partial pivoting, as R's `solve()`
//! (LAPACK `dgesv`).
#![allow(clippy::needless_range_loop)]

/// Square matrix stored as rows.
pub(crate) type Mat = Vec<Vec<f64>>;

/// LDL' decomposition in place (lower triangle), as `cholesky2.c`.
///
/// Returns the rank, negated when the matrix is not non-negative definite.
pub(crate) fn cholesky2(m: &mut Mat, toler: f64) -> i64 {
    let n = m.len();
    let mut nonneg = 1i64;
    let mut eps = 0.0f64;
    for i in 0..n {
        if m[i][i] > eps {
            eps = m[i][i];
        }
        for j in (i + 1)..n {
            m[j][i] = m[i][j];
        }
    }
    if eps == 0.0 {
        eps = toler;
    } else {
        eps *= toler;
    }
    let mut rank = 0i64;
    for i in 0..n {
        let pivot = m[i][i];
        if !pivot.is_finite() || pivot < eps {
            m[i][i] = 0.0;
            if pivot < -8.0 * eps {
                nonneg = -1;
            }
        } else {
            rank += 1;
            for j in (i + 1)..n {
                let temp = m[j][i] / pivot;
                m[j][i] = temp;
                m[j][j] -= temp * temp * pivot;
                for k in (j + 1)..n {
                    m[k][j] -= temp * m[k][i];
                }
            }
        }
    }
    rank * nonneg
}

/// Solve `A y = b` in place given the output of [`cholesky2`], as `chsolve2.c`.
pub(crate) fn chsolve2(m: &Mat, y: &mut [f64]) {
    let n = m.len();
    for i in 0..n {
        let mut temp = y[i];
        for j in 0..i {
            temp -= y[j] * m[i][j];
        }
        y[i] = temp;
    }
    for i in (0..n).rev() {
        if m[i][i] == 0.0 {
            y[i] = 0.0;
        } else {
            let mut temp = y[i] / m[i][i];
            for j in (i + 1)..n {
                temp -= y[j] * m[j][i];
            }
            y[i] = temp;
        }
    }
}

/// Invert a matrix given the output of [`cholesky2`], as `chinv2.c`, then
/// symmetrise (the inverse is left in the upper triangle by the C code).
pub(crate) fn chinv2(m: &mut Mat) {
    let n = m.len();
    for i in 0..n {
        if m[i][i] > 0.0 {
            m[i][i] = 1.0 / m[i][i];
            for j in (i + 1)..n {
                m[j][i] = -m[j][i];
                for k in 0..i {
                    m[j][k] += m[j][i] * m[i][k];
                }
            }
        }
    }
    for i in 0..n {
        if m[i][i] == 0.0 {
            for j in 0..i {
                m[j][i] = 0.0;
            }
            for j in i..n {
                m[i][j] = 0.0;
            }
        } else {
            for j in (i + 1)..n {
                let temp = m[j][i] * m[j][j];
                if j != i {
                    m[i][j] = temp;
                }
                for k in i..j {
                    m[i][k] += temp * m[j][k];
                }
            }
        }
    }
    for i in 0..n {
        for j in 0..i {
            m[i][j] = m[j][i];
        }
    }
}

/// Solve `A x = b` by Gaussian elimination with partial pivoting.
/// Returns `None` when `A` is (numerically) singular.
pub(crate) fn solve(a: &Mat, b: &[f64]) -> Option<Vec<f64>> {
    let n = a.len();
    let mut m: Mat = a.clone();
    let mut x = b.to_vec();
    let scale = m
        .iter()
        .flat_map(|r| r.iter())
        .fold(0.0f64, |acc, v| acc.max(v.abs()));
    if !(scale > 0.0) || !scale.is_finite() {
        return None;
    }
    for col in 0..n {
        let mut piv = col;
        for r in (col + 1)..n {
            if m[r][col].abs() > m[piv][col].abs() {
                piv = r;
            }
        }
        if m[piv][col].abs() <= scale * f64::EPSILON * (n as f64) {
            return None;
        }
        m.swap(col, piv);
        x.swap(col, piv);
        for r in (col + 1)..n {
            let f = m[r][col] / m[col][col];
            if f != 0.0 {
                for c in col..n {
                    m[r][c] -= f * m[col][c];
                }
                x[r] -= f * x[col];
            }
        }
    }
    for col in (0..n).rev() {
        let mut s = x[col];
        for c in (col + 1)..n {
            s -= m[col][c] * x[c];
        }
        x[col] = s / m[col][col];
    }
    Some(x)
}
