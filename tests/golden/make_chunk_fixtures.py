"""Writes the fixtures of tests/io_chunks.rs into tests/data/chunks/.

Run with the reference stack: `/work/venv/bin/python tests/golden/make_chunk_fixtures.py`.
Every variable's raw stored values (no CF decoding), as the library reads them, go next to
the files as little-endian dumps (`<file>__<var>.bin`), listed in `manifest.tsv`:
file, variable path, dtype, shape, chunk shape, dump, expectation (`values` or `none`).
"""

import os
import shutil
import sys

import h5py
import netCDF4
import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "chunks")
rows = []


def dump(fname, var, arr, chunks, expect="values"):
    arr = np.asarray(arr)
    bin_name = "%s__%s.bin" % (fname.replace(".", "_"), var.strip("/").replace("/", "_"))
    if expect == "values":
        with open(os.path.join(OUT, bin_name), "wb") as f:
            f.write(arr.astype(arr.dtype.newbyteorder("<")).tobytes())
    else:
        bin_name = "-"
    rows.append(
        "\t".join(
            [
                fname,
                var,
                arr.dtype.name,
                ",".join(map(str, arr.shape)),
                ",".join(map(str, chunks)) if chunks else "-",
                bin_name,
                expect,
            ]
        )
    )


def read_back(fname):
    """Raw values of every variable, read through netCDF4 (the library path)."""
    out = {}
    with netCDF4.Dataset(os.path.join(OUT, fname)) as ds:
        def walk(g, prefix):
            for name, v in g.variables.items():
                v.set_auto_maskandscale(False)
                out[prefix + "/" + name] = (v[...], v.chunking())
            for gname, sub in g.groups.items():
                walk(sub, prefix + "/" + gname)
        walk(ds, "")
    return out


def netcdf4_fixture():
    fname = "basic.nc"
    rng = np.random.default_rng(42)
    with netCDF4.Dataset(os.path.join(OUT, fname), "w", format="NETCDF4") as ds:
        for name, n in [("t", 7), ("y", 10), ("x", 13), ("a", 5), ("b", 9), ("r", 20),
                        ("c", 7), ("n", 17), ("s", 6), ("p", 8)]:
            ds.createDimension(name, n)
        ds.createDimension("time", None)
        v = ds.createVariable("f32_deflate1", "f4", ("t", "y", "x"), zlib=True,
                              complevel=1, shuffle=True, chunksizes=(3, 4, 5))
        v[:] = rng.standard_normal((7, 10, 13)).astype("f4")
        v = ds.createVariable("f64_deflate9", "f8", ("a", "b"), zlib=True, complevel=9,
                              shuffle=False, chunksizes=(2, 4))
        v[:] = rng.standard_normal((5, 9))
        v = ds.createVariable("i16_fletcher", "i2", ("r", "c"), zlib=True, shuffle=True,
                              fletcher32=True, chunksizes=(6, 7))
        v[:] = rng.integers(-30000, 30000, (20, 7)).astype("i2")
        v = ds.createVariable("u8_plain", "u1", ("n",), chunksizes=(5,))
        v[:] = np.arange(17, dtype="u1") * 13
        v = ds.createVariable("i64_be", "i8", ("s", "s"), zlib=True, endian="big",
                              chunksizes=(4, 4))
        v[:] = rng.integers(-(2**62), 2**62, (6, 6))
        v = ds.createVariable("f32_be_fletcher", "f4", ("a", "b"), zlib=True, shuffle=True,
                              fletcher32=True, endian="big", chunksizes=(3, 3))
        v[:] = rng.standard_normal((5, 9)).astype("f4")
        v = ds.createVariable("sparse", "f4", ("p", "p"), chunksizes=(4, 4), zlib=True,
                              fill_value=np.float32(-999.0))
        v[0:4, 0:4] = np.arange(16, dtype="f4").reshape(4, 4)
        v = ds.createVariable("sparse_default_fill", "i2", ("p", "p"), chunksizes=(4, 4))
        v[4:8, 4:8] = np.arange(16, dtype="i2").reshape(4, 4)
        v = ds.createVariable("unlimited", "f4", ("time", "s"), zlib=True, shuffle=True,
                              chunksizes=(4, 6))
        v[0:5, :] = rng.standard_normal((5, 6)).astype("f4")
        # One step per chunk, shuffled, as CMIP6 writes: the reader's row fast path.
        for name, typ, endian in [("cmip_like", "f4", "native"), ("cmip_like_be", "f4", "big"),
                                  ("f64_shuffle", "f8", "native"),
                                  ("i16_shuffle", "i2", "native")]:
            v = ds.createVariable(name, typ, ("t", "y", "x"), zlib=True, complevel=1,
                                  shuffle=True, endian=endian, chunksizes=(1, 10, 13))
            v[:] = (rng.standard_normal((7, 10, 13)) * 1000).astype(typ)
        v = ds.createVariable("contiguous", "f8", ("a",), contiguous=True)
        v[:] = np.arange(5.0)
        g = ds.createGroup("grp").createGroup("sub")
        v = g.createVariable("in_group", "f8", ("a", "b"), zlib=True, chunksizes=(5, 2))
        v[:] = rng.standard_normal((5, 9))
    for var, (arr, chunking) in read_back(fname).items():
        chunks = None if chunking == "contiguous" else chunking
        dump(fname, var, arr, chunks, "none" if chunks is None else "values")


def h5py_fixture():
    fname = "h5py_filters.h5"
    rng = np.random.default_rng(7)
    path = os.path.join(OUT, fname)
    with h5py.File(path, "w") as f:
        d = f.create_dataset("lzf", data=np.arange(40, dtype="f4").reshape(8, 5),
                             chunks=(4, 5), compression="lzf")
        dump(fname, "/lzf", d[...], d.chunks, "none")
        d = f.create_dataset("scaleoffset", data=np.arange(40, dtype="i4").reshape(8, 5),
                             chunks=(4, 5), scaleoffset=0)
        dump(fname, "/scaleoffset", d[...], d.chunks, "none")
        comp = np.zeros(4, dtype=[("a", "i4"), ("b", "f8")])
        d = f.create_dataset("compound", data=comp, chunks=(2,))
        rows.append("\t".join([fname, "/compound", "compound", "4", "2", "-", "none"]))
        d = f.create_dataset("u16_gzip_fill", shape=(9, 4), dtype="u2", chunks=(3, 4),
                             compression="gzip", compression_opts=4, shuffle=True,
                             fillvalue=65000)
        d[3:6] = rng.integers(0, 60000, (3, 4))
        dump(fname, "/u16_gzip_fill", d[...], d.chunks)
        d = f.create_dataset("fletcher_only", data=np.arange(60, dtype="i4").reshape(12, 5),
                             chunks=(4, 5), fletcher32=True)
        dump(fname, "/fletcher_only", d[...], d.chunks)
        try:
            import hdf5plugin

            d = f.create_dataset("zstd", data=rng.standard_normal((6, 10)), chunks=(4, 4),
                                 **hdf5plugin.Zstd(clevel=3))
            dump(fname, "/zstd", d[...], d.chunks)
        except ImportError:
            print("hdf5plugin missing: no zstd fixture", file=sys.stderr)


def broken_fixtures():
    src = os.path.join(OUT, "basic.nc")
    # Flip bytes in the middle of one chunk of a fletcher32 variable and of a deflate-only
    # variable: the first must fail its checksum, the second its inflate (adler32).
    dst = os.path.join(OUT, "corrupt.nc")
    shutil.copy(src, dst)
    with h5py.File(dst, "r") as f:
        a = f["i16_fletcher"].id.get_chunk_info_by_coord((6, 0))
        b = f["f64_deflate9"].id.get_chunk_info_by_coord((2, 4))
    with open(dst, "r+b") as out:
        for info in (a, b):
            mid = info.byte_offset + info.size // 2
            out.seek(mid)
            raw = bytearray(out.read(2))
            out.seek(mid)
            out.write(bytes(x ^ 0xFF for x in raw))
    # Uncompressed data under a checksum: only fletcher32 can catch the flip.
    dst = os.path.join(OUT, "corrupt.h5")
    shutil.copy(os.path.join(OUT, "h5py_filters.h5"), dst)
    with h5py.File(dst, "r") as f:
        info = f["fletcher_only"].id.get_chunk_info_by_coord((4, 0))
    with open(dst, "r+b") as out:
        out.seek(info.byte_offset + 8)
        out.write(b"\xff\xfe")
    # A file cut in half.
    with open(src, "rb") as f:
        data = f.read()
    with open(os.path.join(OUT, "truncated.nc"), "wb") as f:
        f.write(data[: len(data) // 2])
    # NetCDF-3: not HDF5 at all.
    with netCDF4.Dataset(os.path.join(OUT, "classic.nc"), "w", format="NETCDF3_CLASSIC") as ds:
        ds.createDimension("x", 3)
        ds.createVariable("v", "f4", ("x",))[:] = [1, 2, 3]
    rows.append("\t".join(["classic.nc", "/v", "float32", "3", "-", "-", "none"]))


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):
        os.remove(os.path.join(OUT, name))
    netcdf4_fixture()
    h5py_fixture()
    broken_fixtures()
    with open(os.path.join(OUT, "manifest.tsv"), "w") as f:
        f.write("# written by tests/golden/make_chunk_fixtures.py with netCDF4 %s, h5py %s, "
                "HDF5 %s, numpy %s\n" % (netCDF4.__version__, h5py.__version__,
                                         h5py.version.hdf5_version, np.__version__))
        f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
