"""Computes the expected values of tests/arithmetic.rs and tests/reduce.rs with xarray.

Run: /work/venv/bin/python tests/golden/make_ops_golden.py > tests/golden/ops_golden.rs
The output is Rust source (`include!`d by the tests): one `const` per case, values in
row-major order, with the dims and dtype xarray gives (`Case` is in tests/common);
one `ATTRS_*` const per attrs case, in xarray's key order (`Attr` is in tests/common).
"""

import numpy as np
import xarray as xr

out = []


def emit(name, da):
    v = np.asarray(da.values)
    dims = ", ".join(f'"{d}"' for d in da.dims)
    out.append(f"// {name}: dims ({dims}), shape {list(v.shape)}, dtype {v.dtype}")
    if v.dtype == bool:
        vals = ", ".join("true" if x else "false" for x in v.ravel())
        ty = "bool"
    elif np.issubdtype(v.dtype, np.integer):
        vals = ", ".join(str(int(x)) for x in v.ravel())
        ty = "i64"
    else:
        vals = ", ".join("f64::NAN" if np.isnan(x) else repr(float(x)) for x in v.ravel())
        ty = "f64"
    up = name.upper()
    out.append(
        f"pub const {up}: Case<{ty}> = Case {{ values: &[{vals}], dims: &[{dims}], "
        f'dtype: "{v.dtype}" }};'
    )


# Arithmetic: broadcasting by name.
a = xr.DataArray(
    np.array([[1.5, -2.0], [3.25, 4.0], [0.5, 8.0]]),
    dims=("x", "y"),
    coords={"x": [10, 20, 30], "y": ["a", "b"]},
    name="t",
)
b = xr.DataArray(np.array([[1, 2], [3, 4]], dtype=np.int32), dims=("z", "y"), name="t")
emit("add_xy_zy", a + b)
emit("sub_zy_xy", b - a)
emit("mul_xy_zy", a * b)
emit("div_xy_zy", a / b)
emit("pow_xy_zy", a**b)
emit("gt_xy_zy", a > b)

i = xr.DataArray(np.array([7, -3, 4], dtype=np.int32), dims="x")
j = xr.DataArray(np.array([2, 2, 3], dtype=np.int32), dims="x")
emit("int_div", i / j)
emit("int_pow", i**j)
emit("int_plus_float_scalar", i + 2.5)
emit("int_times_int_scalar", i * 3)
f = xr.DataArray(np.array([1.0, 2.0, 4.0], dtype=np.float32), dims="x")
emit("f32_times_scalar", f * 2.0)
emit("f32_plus_int32", f + i)
emit("sqrt_int", np.sqrt(j))
emit("neg_int", -i)
emit("abs_int", abs(i))
emit("log_f32", np.log(f))

# Reductions.
r = xr.DataArray(
    np.array(
        [[1.0, np.nan, 3.0, 4.0], [np.nan, np.nan, np.nan, np.nan], [2.5, -1.0, 0.0, 7.0]]
    ),
    dims=("time", "x"),
    coords={"time": [0, 1, 2], "x": [5, 6, 7, 8], "lat": ("x", [1.0, 2.0, 3.0, 4.0])},
    name="r",
)
for op in ["sum", "mean", "std", "var", "min", "max", "median", "prod", "count"]:
    for dim in ["time", "x"]:
        emit(f"r_{op}_{dim}", getattr(r, op)(dim))
    emit(f"r_{op}_all", getattr(r, op)())
    if op != "count":
        emit(f"r_{op}_x_noskip", getattr(r, op)("x", skipna=False))
emit("r_std_time_ddof1", r.std("time", ddof=1))
emit("r_var_x_ddof1", r.var("x", ddof=1))
emit("r_argmin_time", r.fillna(0.0).argmin("time"))
emit("r_argmax_x", r.isel(time=[0, 2]).argmax("x"))

n = xr.DataArray(np.array([[3, -1, 4], [1, 5, -9]], dtype=np.int32), dims=("a", "b"))
for op in ["sum", "mean", "std", "min", "max", "median", "prod", "count"]:
    emit(f"n_{op}_a", getattr(n, op)("a"))
emit("n_argmax_b", n.argmax("b"))
u = xr.DataArray(np.array([1, 2, 250], dtype=np.uint8), dims="a")
emit("u_sum", u.sum())
g = xr.DataArray(np.array([1.0, 2.0, 4.0], dtype=np.float32), dims="a")
emit("g_mean", g.mean())
emit("g_std", g.std())
emit("g_sum", g.sum())
bo = xr.DataArray(np.array([[True, False], [True, True]]), dims=("a", "b"))
emit("bo_all_a", bo.all("a"))
emit("bo_any_b", bo.any("b"))
emit("bo_sum_a", bo.sum("a"))



def emit_attrs(name, attrs):
    def val(v):
        return f'Attr::S("{v}")' if isinstance(v, str) else f"Attr::N({float(v)!r})"

    pairs = ", ".join(f'("{k}", {val(v)})' for k, v in attrs.items())
    out.append(f"pub const ATTRS_{name.upper()}: &[(&str, Attr)] = &[{pairs}];")


# Attrs (keep_attrs defaults to True): binary ops merge with "drop_conflicts".
ka = xr.DataArray([1.0, 2.0], dims="x", attrs={"units": "K", "a": 1})
kb = xr.DataArray([1.0, 2.0], dims="x", attrs={"units": "C"})
kc = xr.DataArray([1.0, 2.0], dims="x", attrs={"b": 2, "a": 1})
emit_attrs("a_plus_b", (ka + kb).attrs)
emit_attrs("b_plus_a", (kb + ka).attrs)
emit_attrs("a_plus_c", (ka + kc).attrs)
emit_attrs("c_plus_a", (kc + ka).attrs)
emit_attrs("a_times_2", (ka * 2).attrs)
emit_attrs("two_minus_a", (2 - ka).attrs)
emit_attrs("var_a_plus_c", (ka.variable + kc.variable).attrs)
emit_attrs("var_a_times_2", (ka.variable * 2).attrs)
kd1 = xr.Dataset({"v": ka, "w": kb}, attrs={"title": "t", "k": 1})
kd2 = xr.Dataset({"v": kc, "w": ka}, attrs={"title": "u", "z": 3})
emit_attrs("ds1_plus_ds2", (kd1 + kd2).attrs)
emit_attrs("ds1_plus_ds2_v", (kd1 + kd2).v.attrs)
emit_attrs("ds1_plus_ds2_w", (kd1 + kd2).w.attrs)
emit_attrs("ds1_times_2", (kd1 * 2).attrs)
emit_attrs("ds1_times_2_w", (kd1 * 2).w.attrs)
pa = xr.DataArray([1.0, 2.0], dims="x", attrs={"p": 1, "q": 2})
pd = xr.Dataset({"v": ("x", [1.0, 2.0], {"r": 3, "q": 2})}, attrs={"s": 4, "p": 9})
emit_attrs("ds_plus_da", (pd + pa).attrs)
emit_attrs("ds_plus_da_v", (pd + pa).v.attrs)
emit_attrs("da_plus_ds", (pa + pd).attrs)
emit_attrs("da_plus_ds_v", (pa + pd).v.attrs)
# Reductions keep attrs unless keep_attrs=False.
emit_attrs("a_mean", ka.mean().attrs)
emit_attrs("a_mean_nokeep", ka.mean(keep_attrs=False).attrs)
emit_attrs("var_a_mean", ka.variable.mean().attrs)
emit_attrs("ds1_mean", kd1.mean().attrs)
emit_attrs("ds1_mean_v", kd1.mean().v.attrs)
emit_attrs("ds1_mean_nokeep", kd1.mean(keep_attrs=False).attrs)
emit_attrs("ds1_mean_nokeep_v", kd1.mean(keep_attrs=False).v.attrs)

print(f"// Generated by tests/golden/make_ops_golden.py with xarray {xr.__version__}, "
      f"numpy {np.__version__}. Do not edit.")
print("\n".join(out))
