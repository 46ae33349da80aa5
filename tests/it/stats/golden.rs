//! Fixture loading and tolerance checks shared by the golden tests.
use serde_json::Value;

/// Relative tolerance for closed-form results.
pub const CLOSED: f64 = 1e-9;
/// Relative tolerance for iterative results and approximations.
pub const ITERATIVE: f64 = 1e-6;

pub fn load(name: &str) -> Vec<Value> {
    let path = format!("{}/tests/golden/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let v: Value = serde_json::from_str(&text).unwrap();
    v.as_array().unwrap().clone()
}

/// A number, null (R's NA) or "Inf"/"-Inf".
pub fn opt(v: &Value) -> Option<f64> {
    match v {
        Value::Null => None,
        Value::Number(n) => n.as_f64(),
        Value::String(s) if s == "Inf" => Some(f64::INFINITY),
        Value::String(s) if s == "-Inf" => Some(f64::NEG_INFINITY),
        other => panic!("not a number: {other}"),
    }
}

/// An array (or a scalar, R's length-1 vector) of optional numbers.
pub fn opts(v: &Value) -> Vec<Option<f64>> {
    match v {
        Value::Array(a) => a.iter().map(opt).collect(),
        other => vec![opt(other)],
    }
}

pub fn nums(v: &Value) -> Vec<f64> {
    opts(v).into_iter().map(|o| o.unwrap()).collect()
}

pub fn bools(v: &Value) -> Vec<bool> {
    match v {
        Value::Array(a) => a.iter().map(|b| b.as_bool().unwrap()).collect(),
        other => vec![other.as_bool().unwrap()],
    }
}

pub fn usizes(v: &Value) -> Vec<usize> {
    nums(v).into_iter().map(|x| x as usize).collect()
}

pub fn matrix(v: &Value) -> Vec<Vec<f64>> {
    v.as_array().unwrap().iter().map(nums).collect()
}

pub fn name(case: &Value) -> String {
    case["name"].as_str().unwrap_or("?").to_string()
}

/// Tracks the largest relative error seen; fails on the first violation.
#[derive(Default)]
pub struct Checker {
    pub family: &'static str,
    pub max_rel: f64,
    pub compared: usize,
}

impl Checker {
    pub fn new(family: &'static str) -> Self {
        Checker {
            family,
            max_rel: 0.0,
            compared: 0,
        }
    }

    /// Compare `got` with R's `want` (None = NA) at relative tolerance `tol`.
    pub fn opt(&mut self, what: &str, got: Option<f64>, want: Option<f64>, tol: f64) {
        match (got, want) {
            (None, None) => self.compared += 1,
            (Some(g), Some(w)) => self.num(what, g, w, tol),
            _ => panic!("{}: {what}: got {got:?}, R gives {want:?}", self.family),
        }
    }

    pub fn num(&mut self, what: &str, got: f64, want: f64, tol: f64) {
        self.compared += 1;
        if got == want {
            return;
        }
        assert!(
            got.is_finite() && want.is_finite(),
            "{}: {what}: got {got}, R gives {want}",
            self.family
        );
        let rel = if want == 0.0 {
            got.abs()
        } else {
            ((got - want) / want).abs()
        };
        if rel > self.max_rel {
            self.max_rel = rel;
        }
        assert!(
            rel <= tol,
            "{}: {what}: got {got:e}, R gives {want:e} (relative error {rel:e} > {tol:e})",
            self.family
        );
    }

    pub fn vec(&mut self, what: &str, got: &[f64], want: &[f64], tol: f64) {
        assert_eq!(got.len(), want.len(), "{}: {what}: length", self.family);
        for (i, (g, w)) in got.iter().zip(want.iter()).enumerate() {
            self.num(&format!("{what}[{i}]"), *g, *w, tol);
        }
    }

    pub fn opt_vec(&mut self, what: &str, got: &[Option<f64>], want: &[Option<f64>], tol: f64) {
        assert_eq!(got.len(), want.len(), "{}: {what}: length", self.family);
        for (i, (g, w)) in got.iter().zip(want.iter()).enumerate() {
            self.opt(&format!("{what}[{i}]"), *g, *w, tol);
        }
    }

    pub fn report(&self) {
        println!(
            "golden {}: {} values compared, max relative error {:e}",
            self.family, self.compared, self.max_rel
        );
    }
}
