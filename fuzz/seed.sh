#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ with good inputs from the test fixtures, so that the
# fuzzer starts from real headers, metadata and units instead of from nothing.
set -euo pipefail
cd "$(dirname "$0")"
data=../tests/data
c=corpus
mkdir -p $c/time_units $c/datetime_string $c/cf_attributes $c/netcdf_classic_header \
    $c/direct_chunk $c/zarr_metadata $c/mpi_wire
i=0
for u in "days since 2000-01-01" "hours since 1850-01-01 00:00:00" \
    "seconds since 1970-01-01T00:00:00Z" "months since 2000-1-1" "days since -4713-01-01 12:00" \
    "microseconds since 2001-02-03 04:05:06.789 +05:30" "common_years since 0001-01-01"; do
    for cal in '\x00' '\x02' '\x04'; do
        printf "$cal%s" "$u" > $c/time_units/seed$((i++))
    done
done
for d in "2000-01-01" "1999-12" "2000" "2000-02-30T12:00:00.5" "-0001-01-01 00:00" "10000-01-01"; do
    for cal in '\x00' '\x03' '\x05'; do
        printf "$cal%s" "$d" > $c/datetime_string/seed$((i++))
    done
done
printf '\x00\xff\x02days since 2000-01-01\x00noleap\x00' > $c/cf_attributes/seed1
printf '\x02\x3d\x01hours since 1900-01-01\x00360_day\x00\x00\x00\x00\x00\x00\x00\xf8\x7f' > $c/cf_attributes/seed2
for f in classic.nc classic_strings.nc scalars.nc example_1.nc empty_records_classic.nc \
    nc_chars_classic.nc truncated_nc3.nc; do
    head -c 4096 $data/$f > $c/netcdf_classic_header/$f
done
printf '\x00\x47\x00\x03\x04\x00\x00\x00' > $c/direct_chunk/deflate_shuffle
printf '\x01\x4d\x00\x05\x02\x00\x00\x00' > $c/direct_chunk/zstd_fletcher
printf '\x03\x41\x00\x02\x02\x00\x00\x00' > $c/direct_chunk/fletcher
# zarr_metadata: the first byte picks the key (see xr::fuzzing::zarr_metadata).
z() { printf '%b' "$1" > "$c/zarr_metadata/$2"; cat >> "$c/zarr_metadata/$2"; }
echo -n '{"zarr_format":2}' | z '\x00' zgroup
echo -n '{"zarr_format":2,"shape":[4],"chunks":[2],"dtype":"<i2","compressor":{"id":"blosc","cname":"lz4","clevel":5,"shuffle":1},"fill_value":0,"filters":[{"id":"delta","dtype":"<i2"}],"order":"F","dimension_separator":"/"}' | z '\x01' zarray
echo -n '{"_ARRAY_DIMENSIONS":["x"],"units":"days since 2000-01-01","calendar":"360_day","_FillValue":-1,"scale_factor":0.5}' | z '\x02' zattrs
echo -n '{"zarr_consolidated_format":1,"metadata":{".zgroup":{"zarr_format":2},"a/.zarray":{"zarr_format":2,"shape":[4],"chunks":[2],"dtype":"<f8","compressor":null,"fill_value":"NaN","filters":null,"order":"C"},"a/.zattrs":{"_ARRAY_DIMENSIONS":["x"]}}}' | z '\x04' zmetadata
echo -n '{"zarr_format":3,"node_type":"group","attributes":{},"consolidated_metadata":{"kind":"inline","must_understand":false,"metadata":{}}}' | z '\x05' v3_root
echo -n '{"zarr_format":3,"node_type":"array","shape":[4],"data_type":"uint16","chunk_grid":{"name":"regular","configuration":{"chunk_shape":[4]}},"chunk_key_encoding":{"name":"v2","configuration":{"separator":"."}},"fill_value":0,"codecs":[{"name":"sharding_indexed","configuration":{"chunk_shape":[2],"codecs":[{"name":"bytes","configuration":{"endian":"little"}},{"name":"crc32c"}],"index_codecs":[{"name":"bytes","configuration":{"endian":"little"}},{"name":"crc32c"}]}}],"dimension_names":["x"],"attributes":{"units":"hours since 2000-01-01"}}' | z '\x06' v3_array
# mpi_wire: round 0, one value (id 0) of one f64 array of shape [2].
printf '\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00' > $c/mpi_wire/seed1
echo "seeded $c/"
