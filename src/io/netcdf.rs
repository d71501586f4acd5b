//! The NetCDF driver (NetCDF-3 and NetCDF-4 through libnetcdf).
