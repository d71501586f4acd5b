"""Writes the numcodecs codec fixtures of tests/io_zarr_codecs.rs into
tests/data/zarr/codecs/, and tests/data/zarr/codecs/expected.json: what xarray reads
from each store (variable, dtype, shape, values; NaN as null), and the values written
(`input`), so that xr can write them with the same codec and must read back `values`.

Also checks the stores xr wrote with those codecs (tests/data/zarr/codecs/xr_*.zarr,
written by the ignored test `write_codec_fixtures` of tests/io_zarr_codecs.rs): each
must decode in zarr-python/numcodecs to the values xr recorded beside it
(xr_written.json). Run it again after regenerating them.

Run from the repository root with the reference stack:
    /work/venv/bin/python tests/golden/make_zarr_codec_fixtures.py

Written with: xarray 2026.9.0, zarr-python 3.1.6, numcodecs 0.16.6, numpy 2.4.6 (the
exact versions are also recorded in expected.json).

One store per codec (v2: `v2_<codec>.zarr`, v3: `v3_<codec>.zarr`), each holding one
variable `v` of shape (5, 7) in chunks of (2, 3), so that chunks are cut at the edges.
"""

import json
import os
import shutil

import numcodecs
import numpy as np
import xarray as xr
import zarr
import zarr.codecs.numcodecs as nc3

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data", "zarr", "codecs")
os.makedirs(DATA, exist_ok=True)

SHAPE = (5, 7)
CHUNKS = (2, 3)


def floats(dtype="float64"):
    a = (np.arange(35, dtype="float64").reshape(SHAPE) * 1.37 - 11.0).astype(dtype)
    a[1, 2] = np.nan
    a[4, 6] = np.nan
    return a


def ints(dtype="int32"):
    return ((np.arange(35).reshape(SHAPE) * 7) % 23 - 5).astype(dtype)


def strings():
    return np.array(["a", "bb", "ccc", "", "bb", "dddd", "a"] * 5).reshape(SHAPE)


def bools():
    return (np.arange(35).reshape(SHAPE) % 3 == 0)


BLOSC = numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE)
BLOSC_AUTO = numcodecs.Blosc(cname="zstd", clevel=3, shuffle=numcodecs.Blosc.AUTOSHUFFLE)

# name -> (data, v2 encoding, v3 encoding); None: not written in that format.
CASES = {
    "zlib": (floats(), {"compressors": numcodecs.Zlib(level=5)},
             {"compressors": [nc3.Zlib(level=5)]}),
    "bz2": (floats(), {"compressors": numcodecs.BZ2(level=9)},
            {"compressors": [nc3.BZ2(level=9)]}),
    "lzma": (floats(), {"compressors": numcodecs.LZMA()},
             {"compressors": [nc3.LZMA()]}),
    "lzma_alone": (ints(), {"compressors": numcodecs.LZMA(format=2)}, None),
    "shuffle": (floats(), {"compressors": numcodecs.Shuffle(elementsize=8)},
                {"compressors": [nc3.Shuffle(elementsize=8)]}),
    "shuffle_filter": (ints(), {"filters": [numcodecs.Shuffle(elementsize=4)],
                                "compressors": numcodecs.Zlib(level=1)}, None),
    "delta": (ints(), {"filters": [numcodecs.Delta(dtype="<i4")], "compressors": numcodecs.Zlib()},
              {"filters": [nc3.Delta(dtype="<i4")], "compressors": [nc3.Zlib()]}),
    "delta_astype": (ints("int64"), {"filters": [numcodecs.Delta(dtype="<i8", astype="<i2")]},
                     {"filters": [nc3.Delta(dtype="<i8", astype="<i2")]}),
    "delta_float": (floats("float32"), {"filters": [numcodecs.Delta(dtype="<f4")]},
                    {"filters": [nc3.Delta(dtype="<f4")]}),
    "fixedscaleoffset": (floats(), {"filters": [numcodecs.FixedScaleOffset(
        offset=10, scale=100, dtype="<f8", astype="<i4")]},
        {"filters": [nc3.FixedScaleOffset(offset=10, scale=100, dtype="<f8", astype="<i4")]}),
    "quantize": (floats(), {"filters": [numcodecs.Quantize(digits=2, dtype="<f8")]},
                 {"filters": [nc3.Quantize(digits=2, dtype="<f8")]}),
    "quantize_astype": (floats(), {"filters": [numcodecs.Quantize(digits=1, dtype="<f8", astype="<f4")]},
                        None),
    "bitround": (floats("float32"), {"filters": [numcodecs.BitRound(keepbits=6)]},
                 {"filters": [nc3.BitRound(keepbits=6)]}),
    "astype": (floats(), {"filters": [numcodecs.AsType(encode_dtype="<f4", decode_dtype="<f8")]},
               {"filters": [nc3.AsType(encode_dtype="<f4", decode_dtype="<f8")]}),
    "astype_int": (ints("int64"), {"filters": [numcodecs.AsType(encode_dtype="<i2", decode_dtype="<i8")]},
                   None),
    "categorize": (strings(), {"filters": [numcodecs.Categorize(labels=["a", "bb", "ccc"], dtype="<U4", astype="u1")]},
                   None),
    "packbits": (bools(), {"filters": [numcodecs.PackBits()]},
                 {"filters": [nc3.PackBits()]}),
    # zarr-python's v2 default compressor (blosc, byte shuffle) behind filters that
    # change the item size: numcodecs shuffles items of the filter's output type.
    "blosc_astype": (floats(), {"filters": [numcodecs.AsType(encode_dtype="<f4", decode_dtype="<f8")],
                                "compressors": BLOSC}, None),
    "blosc_quantize_astype": (floats(), {"filters": [numcodecs.Quantize(digits=1, dtype="<f8", astype="<f4")],
                                         "compressors": BLOSC}, None),
    "blosc_fixedscaleoffset": (floats(), {"filters": [numcodecs.FixedScaleOffset(
        offset=10, scale=100, dtype="<f8", astype="<i2")], "compressors": BLOSC}, None),
    "blosc_delta_astype": (ints("int64"), {"filters": [numcodecs.Delta(dtype="<i8", astype="<i2")],
                                           "compressors": BLOSC}, None),
    "blosc_shuffle_filter": (ints(), {"filters": [numcodecs.Shuffle(elementsize=4)], "compressors": BLOSC}, None),
    "blosc_packbits": (bools(), {"filters": [numcodecs.PackBits()], "compressors": BLOSC_AUTO}, None),
    "blosc_categorize": (strings(), {"filters": [numcodecs.Categorize(labels=["a", "bb", "ccc"], dtype="<U4", astype="u1")],
                                     "compressors": BLOSC}, None),
}


def values(a):
    if a.dtype.kind == "U":
        return [str(x) for x in a.ravel()]
    if a.dtype.kind == "f":
        return [None if np.isnan(x) else float(x) for x in a.ravel()]
    if a.dtype.kind == "b":
        return [bool(x) for x in a.ravel()]
    return [int(x) for x in a.ravel()]


def write(name, fmt, data, encoding):
    store = os.path.join(DATA, f"v{fmt}_{name}.zarr")
    if os.path.exists(store):
        shutil.rmtree(store)
    ds = xr.Dataset({"v": (("y", "x"), data)})
    enc = {"chunks": CHUNKS, **encoding}
    if fmt == 2 and "compressors" not in enc:
        # Not zarr-python's v2 default blosc (the blosc_* cases have it): one
        # compressor for the filter cases keeps them about the filter.
        enc["compressors"] = numcodecs.Zstd(level=1)
    if data.dtype.kind == "f":
        enc["_FillValue"] = np.nan
    ds.to_zarr(store, encoding={"v": enc}, zarr_format=fmt, consolidated=False, mode="w")
    read = xr.open_zarr(store, consolidated=False)["v"].values
    return {
        "store": os.path.basename(store),
        "codec": name,
        "zarr_format": fmt,
        "dtype": str(read.dtype),
        "shape": list(read.shape),
        "values": values(read),
        "input": values(data),
    }


def check_xr_written():
    """The stores xr wrote decode in zarr-python to the values xr recorded."""
    record = os.path.join(DATA, "xr_written.json")
    if not os.path.exists(record):
        print("no xr_written.json: run the ignored test write_codec_fixtures first")
        return
    with open(record) as f:
        written = json.load(f)
    for case in written["cases"]:
        arr = zarr.open_array(os.path.join(DATA, case["store"]) + "/v", mode="r")
        got = arr[...]
        assert list(got.shape) == case["shape"], (case["store"], got.shape)
        if got.dtype.kind == "U":
            assert [str(x) for x in got.ravel()] == case["values"], case["store"]
        else:
            want = np.array([np.nan if x is None else x for x in case["values"]], dtype="float64")
            np.testing.assert_allclose(got.ravel().astype("float64"), want, rtol=0,
                                       atol=case["atol"], err_msg=case["store"])
        print("xr-written", case["store"], "decodes in zarr-python", zarr.__version__)


def main():
    cases = []
    for name, (data, v2, v3) in CASES.items():
        if v2 is not None:
            cases.append(write(name, 2, data, v2))
        if v3 is not None:
            cases.append(write(name, 3, data, v3))
    out = {
        "written_with": {
            "xarray": xr.__version__,
            "zarr": zarr.__version__,
            "numcodecs": numcodecs.__version__,
            "numpy": np.__version__,
        },
        "cases": cases,
    }
    with open(os.path.join(DATA, "expected.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    check_xr_written()


if __name__ == "__main__":
    main()
