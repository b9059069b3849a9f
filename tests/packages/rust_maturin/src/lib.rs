use pyo3::prelude::*;

/// a + b, computed by the host's machine code
#[pyfunction]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// The target this module was compiled for, e.g. "aarch64"
#[pyfunction]
fn arch() -> &'static str {
    std::env::consts::ARCH
}

#[pymodule]
fn rust_maturin(_py: Python, m: &PyModule) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(add, m)?)?;
    m.add_function(wrap_pyfunction!(arch, m)?)?;
    Ok(())
}
