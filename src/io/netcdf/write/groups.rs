//! Writing several datasets, each into its own group, as one NetCDF-4 file (a
//! [`DataTree`](crate::io::DataTree)'s nodes): every group defined first, then the
//! values of all of them computed and written by one task graph.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use super::{temp_path, ToNetcdf, Writes};
use crate::dist::Executor;
use crate::error::{Error, Result};
use crate::io::netcdf::{format_error, nc_error, with_lock};
use crate::io::prealloc::Reserved;
use crate::io::writeback::WriteBack;
use crate::lazy::lower::Lowering;

/// Writes `parts` (the first one's path and format) into the new file `tmp`.
pub(super) fn write_parts(
    parts: &[&ToNetcdf<'_>],
    tmp: &Path,
    executor: &dyn Executor,
) -> Result<()> {
    let first = parts
        .first()
        .ok_or_else(|| Error::internal("a NetCDF file is written from at least one part"))?;
    let path = first.path.as_path();
    // Encoding may compute lazy values (string lengths), which may read NetCDF files:
    // done before the library lock is taken.
    let defined = parts
        .iter()
        .map(|p| p.prepare())
        .collect::<Result<Vec<_>>>()?;
    let (file, unfiltered_bytes) = with_lock(|| -> Result<_> {
        let mut file =
            netcdf::create_with(tmp, first.format.options() | netcdf::Options::NOCLOBBER)
                .map_err(|e| nc_error(path, None, "creating the file", e))?;
        let mut bytes = 0u64;
        for (p, d) in parts.iter().zip(&defined) {
            bytes = bytes.saturating_add(p.define(&mut file, tmp, d)?);
        }
        file.enddef()
            .map_err(|e| nc_error(path, None, "ending define mode", e))?;
        Ok((file, bytes))
    })?;
    // Blocks for the unfiltered values (the header and the filtered ones grow the file
    // as before); a failed write removes the file, and so its blocks, anyway.
    let reserved = Reserved::reserve(tmp, unfiltered_bytes);
    let file = Arc::new(Mutex::new(Some(file)));
    let writeback = WriteBack::open(tmp).map(Arc::new);
    let mut writes = Writes {
        lowering: Lowering::new(),
        last: None,
        outputs: Vec::new(),
    };
    for (part, defined) in parts.iter().zip(&defined) {
        part.add_writes(defined, &file, writeback.as_ref(), &mut writes)?;
    }
    let mut graph = writes.lowering.graph;
    graph.set_outputs(writes.outputs);
    let result = executor.execute(graph);
    // The write tasks are gone with the graph; the handle comes back here, to be closed
    // (or, after an error, dropped, which closes it too).
    let file = file.lock().unwrap_or_else(PoisonError::into_inner).take();
    result?;
    let file = file.ok_or_else(|| Error::internal("the NetCDF file is taken back once, here"))?;
    with_lock(|| file.close()).map_err(|e| nc_error(path, None, "closing the file", e))?;
    if let Some(r) = reserved {
        r.release();
    }
    Ok(())
}

/// Writes `parts`, each a dataset into its group, to the NetCDF-4 file `path`
/// atomically: into a temporary file next to it, renamed over it once complete.
///
/// # Errors
/// As [`ToNetcdf::write`]; [`crate::Error::Format`] for an executor of several processes.
pub(crate) fn write_groups(
    parts: &[ToNetcdf<'_>],
    path: &Path,
    executor: &dyn Executor,
) -> Result<()> {
    if executor.ranks() > 1 {
        return Err(format_error(
            path,
            None,
            "a NetCDF file is written by one process: compute the tree, then write it on rank 0",
        ));
    }
    let refs: Vec<&ToNetcdf<'_>> = parts.iter().collect();
    let tmp = temp_path(path);
    let result = write_parts(&refs, &tmp, executor).and_then(|()| {
        std::fs::rename(&tmp, path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })
    });
    if result.is_err() {
        // The temporary file may not exist (the failure came first); nothing to do then.
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
