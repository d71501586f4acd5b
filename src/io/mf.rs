//! `open_mfdataset`: many files or stores of any engine as one dataset, combined along
//! their record dimension.

use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use super::backend::Engine;
use super::cf::DecodeOptions;
use crate::array::Scalar;
use crate::dataset::{concat, Dataset};
use crate::error::{Error, Result};

type Preprocess = Arc<dyn Fn(Dataset) -> Result<Dataset> + Send + Sync>;

/// Options of [`Dataset::open_mfdataset`], as a builder:
///
/// ```no_run
/// # fn main() -> xr::Result<()> {
/// use xr::Dataset;
/// let ds = Dataset::open_mf("data/*.nc")
///     .preprocess(|ds| ds.drop_vars(&["time_bnds"]))
///     .open()?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct MfOptions {
    source: MfSource,
    concat_dim: Option<String>,
    preprocess: Option<Preprocess>,
    engine: Option<Engine>,
    decode: DecodeOptions,
    parallel: bool,
}

/// Which files: a glob pattern, or explicit paths in the order to combine them.
#[derive(Debug, Clone)]
pub enum MfSource {
    /// A glob pattern (`"data/*.nc"`); matches are sorted by name.
    Pattern(String),
    /// Paths, used as given.
    Paths(Vec<PathBuf>),
}

impl From<&str> for MfSource {
    fn from(s: &str) -> Self {
        MfSource::Pattern(s.to_string())
    }
}

impl From<String> for MfSource {
    fn from(s: String) -> Self {
        MfSource::Pattern(s)
    }
}

impl From<Vec<PathBuf>> for MfSource {
    fn from(v: Vec<PathBuf>) -> Self {
        MfSource::Paths(v)
    }
}

impl From<&[PathBuf]> for MfSource {
    fn from(v: &[PathBuf]) -> Self {
        MfSource::Paths(v.to_vec())
    }
}

impl MfOptions {
    /// Options for `source` with xarray's defaults: combine by coordinates, CF decoding
    /// on, files opened in parallel.
    pub fn new(source: impl Into<MfSource>) -> Self {
        MfOptions {
            source: source.into(),
            concat_dim: None,
            preprocess: None,
            engine: None,
            decode: DecodeOptions::default(),
            parallel: true,
        }
    }

    /// Concatenates the files in the given order along `dim` (existing or new), without
    /// looking at coordinates (xarray's `combine="nested", concat_dim=dim`).
    pub fn concat_dim(mut self, dim: &str) -> Self {
        self.concat_dim = Some(dim.to_string());
        self
    }

    /// Applies `f` to each file's dataset before combining.
    pub fn preprocess(
        mut self,
        f: impl Fn(Dataset) -> Result<Dataset> + Send + Sync + 'static,
    ) -> Self {
        self.preprocess = Some(Arc::new(f));
        self
    }

    crate::io::cf::decode_option_setters!();

    /// The engine that opens every file (default: the one [`Engine::guess`] picks for
    /// the first file).
    pub fn engine(mut self, engine: Engine) -> Self {
        self.engine = Some(engine);
        self
    }

    /// Opens the files' metadata on all cores (on by default).
    pub fn parallel(mut self, on: bool) -> Self {
        self.parallel = on;
        self
    }

    /// The files this source names, in combining order.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for no paths or a malformed pattern; [`Error::Io`]
    /// (not found) for a pattern that matches no file.
    pub fn paths(&self) -> Result<Vec<PathBuf>> {
        match &self.source {
            MfSource::Paths(p) if p.is_empty() => Err(Error::invalid_argument(
                "paths",
                "open_mfdataset needs at least one file",
            )),
            MfSource::Paths(p) => Ok(p.clone()),
            MfSource::Pattern(pat) => {
                let matches = glob::glob(pat).map_err(|e| {
                    Error::invalid_argument("paths", format!("bad file pattern {pat:?}: {e}"))
                })?;
                let mut paths: Vec<PathBuf> = matches.filter_map(std::result::Result::ok).collect();
                paths.sort();
                if paths.is_empty() {
                    return Err(Error::Io {
                        path: PathBuf::from(pat),
                        source: std::io::Error::new(
                            std::io::ErrorKind::NotFound,
                            "no file matches the pattern",
                        ),
                    });
                }
                Ok(paths)
            }
        }
    }

    /// Opens every file (metadata only: data stays lazy) and combines them.
    ///
    /// # Errors
    /// Any file that cannot be opened (the error names it); [`Error::Combine`] for files
    /// whose coordinates overlap along the record dimension or differ on another
    /// dimension (naming both files), or no dimension to combine along;
    /// [`Error::Preprocess`] wrapping the `preprocess` function's error on a file.
    pub fn open(&self) -> Result<Dataset> {
        let paths = self.paths()?;
        let engine = match self.engine {
            Some(e) => e,
            None => Engine::guess(&paths[0])?,
        };
        let backend = engine.backend();
        let open_one = |p: &PathBuf| -> Result<Dataset> {
            let ds = backend.open_dataset(p, &self.decode)?;
            match &self.preprocess {
                Some(f) => f(ds).map_err(|e| Error::Preprocess {
                    path: p.clone(),
                    source: Box::new(e),
                }),
                None => Ok(ds),
            }
        };
        let datasets: Vec<Dataset> = if self.parallel {
            paths.par_iter().map(open_one).collect::<Result<_>>()?
        } else {
            paths.iter().map(open_one).collect::<Result<_>>()?
        };
        match &self.concat_dim {
            Some(dim) => concat(&datasets, dim),
            None => combine_by_coords(&paths, datasets),
        }
    }
}

/// Orders the datasets along the one indexed dimension whose coordinate differs between
/// them and concatenates along it (xarray's `combine_by_coords` for one dimension).
fn combine_by_coords(paths: &[PathBuf], datasets: Vec<Dataset>) -> Result<Dataset> {
    if datasets.len() == 1 {
        return datasets
            .into_iter()
            .next()
            .ok_or_else(|| Error::internal("one dataset"));
    }
    let first = &datasets[0];
    let differing: Vec<String> = first
        .indexes()
        .iter()
        .filter(|(dim, idx)| {
            datasets[1..]
                .iter()
                .any(|d| d.indexes().get(*dim).is_none_or(|o| !o.equals(idx)))
        })
        .map(|(dim, _)| dim.clone())
        .collect();
    let dim = match differing.as_slice() {
        [d] => d.clone(),
        [] => {
            return Err(Error::Combine {
                what: "the files by coordinates".into(),
                reason: format!(
                    "{} and {} have the same coordinates; \
                     pass concat_dim to concatenate them in order",
                    paths[0].display(),
                    paths[1].display()
                ),
            })
        }
        many => {
            // Name the two files and a dimension other than the record one that differ.
            return Err(Error::Combine {
                what: "the files by coordinates".into(),
                reason: format!(
                    "they differ along several dimensions {many:?} (for example {} and {})",
                    paths[0].display(),
                    paths[1].display()
                ),
            });
        }
    };
    // Every file must index the record dim; order by its first label.
    let mut order: Vec<(usize, Scalar, Scalar)> = Vec::with_capacity(datasets.len());
    for (i, ds) in datasets.iter().enumerate() {
        let idx = ds.indexes().get(&dim).ok_or_else(|| Error::Combine {
            what: format!("the files along {dim:?}"),
            reason: format!(
                "{} has no coordinate {dim:?}, which the other files are combined along",
                paths[i].display()
            ),
        })?;
        if idx.is_empty() {
            continue;
        }
        if !idx.is_monotonic_increasing() {
            return Err(Error::Combine {
                what: format!("the files along {dim:?}"),
                reason: format!(
                    "coordinate {dim:?} of {} is not increasing; cannot order the files by it",
                    paths[i].display()
                ),
            });
        }
        order.push((i, idx.label(0)?, idx.label(idx.len() - 1)?));
    }
    order.sort_by(|a, b| compare(&a.1, &b.1));
    for pair in order.windows(2) {
        let ((i, _, last), (j, next_first, _)) = (&pair[0], &pair[1]);
        if compare(last, next_first) != std::cmp::Ordering::Less {
            return Err(Error::Combine {
                what: format!("the files along {dim:?}"),
                reason: format!(
                "{} and {} overlap along {dim:?}: {} ends at {last} and {} starts at {next_first}",
                paths[*i].display(),
                paths[*j].display(),
                paths[*i].display(),
                paths[*j].display()
            ),
            });
        }
    }
    let ordered: Vec<Dataset> = order.iter().map(|(i, _, _)| datasets[*i].clone()).collect();
    concat(&ordered, &dim).map_err(|e| match e {
        Error::Alignment { dim: other, .. } => Error::Combine {
what: format!("the files along {dim:?}"),
reason: format!(
            "cannot combine along {dim:?}: the files' coordinate {other:?} differs (for example {} and {})",
            paths[order[0].0].display(),
            paths[order.get(1).map_or(0, |o| o.0)].display()
        ),
},
        other => other,
    })
}

fn compare(a: &Scalar, b: &Scalar) -> std::cmp::Ordering {
    match (a, b) {
        (Scalar::DateTime(x, _), Scalar::DateTime(y, _)) => x.cmp(y),
        (Scalar::Str(x), Scalar::Str(y)) => x.cmp(y),
        _ => a
            .as_f64()
            .partial_cmp(&b.as_f64())
            .unwrap_or(std::cmp::Ordering::Equal),
    }
}
