//! [`DataTree`]: a tree of datasets, one per group of a nested file (xarray's
//! `DataTree`, with its coordinate inheritance of xarray 2024.10+).
//!
//! Each node holds its own variables; the indexed coordinates of its ancestors are
//! inherited, so that `tree["a/b"].dataset()` has them as coordinates while
//! `to_dataset(false)` has only the node's own. A node must be aligned with its
//! ancestors (xarray's `join="exact"`): a dim it shares with them has their length, an
//! index it shares has their labels; an own index equal to an inherited one is dropped
//! as a duplicate, as xarray drops it.

use std::ops;

use indexmap::IndexMap;

use super::{Dataset, Variable};
use crate::error::{Error, Result};

/// A tree of datasets (xarray's `DataTree`): the root's dataset and named children,
/// each a tree.
///
/// ```
/// # fn main() -> xr::Result<()> {
/// use xr::{DataTree, Dataset, NdArray, Variable};
/// let x = Variable::new(&["x"], NdArray::from(ndarray::arr1(&[10.0, 20.0]).into_dyn()))?;
/// let t = Variable::new(&["x"], NdArray::from(ndarray::arr1(&[1.5, 2.5]).into_dyn()))?;
/// let root = Dataset::new().with_coord("x", x)?;
/// let child = Dataset::new().with_data_var("t", t)?;
/// let tree = DataTree::from_dict([("/", root), ("/a/b", child)])?;
/// assert_eq!(tree.groups(), ["/", "/a", "/a/b"]);
/// let node = &tree["a/b"];
/// assert!(node.dataset().is_coord("x")); // inherited from the root
/// assert!(!node.to_dataset(false).variables().contains_key("x"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct DataTree {
    /// The node's name (`""` for a root).
    name: String,
    /// The node's own variables (xarray's `to_dataset(inherit=False)`).
    own: Dataset,
    /// The indexed coordinates inherited from the ancestors, nearest first.
    inherited: IndexMap<String, Variable>,
    children: IndexMap<String, DataTree>,
}

impl Default for DataTree {
    fn default() -> Self {
        DataTree::new(Dataset::new())
    }
}

impl DataTree {
    /// A tree of one node holding `dataset`.
    pub fn new(dataset: Dataset) -> Self {
        DataTree {
            name: String::new(),
            own: dataset,
            inherited: IndexMap::new(),
            children: IndexMap::new(),
        }
    }

    /// A tree from datasets by path (xarray's `DataTree.from_dict`): `"/"` (or `""`) is
    /// the root, `"a/b"` or `"/a/b"` a nested group; groups on the way that are not given
    /// are empty.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming a path given twice or with an empty part;
    /// [`Error::Alignment`] naming the group and the dim when a node does not align
    /// with its ancestors.
    pub fn from_dict<'a>(nodes: impl IntoIterator<Item = (&'a str, Dataset)>) -> Result<Self> {
        let mut root = DataTree::default();
        let mut seen: Vec<String> = Vec::new();
        for (path, ds) in nodes {
            let parts = split_path(path)?;
            let key = parts.join("/");
            if seen.contains(&key) {
                return Err(Error::invalid_argument(
                    "nodes",
                    format!("the group {:?} is given twice", format!("/{key}")),
                ));
            }
            seen.push(key);
            let mut node = &mut root;
            for p in &parts {
                node = node
                    .children
                    .entry((*p).to_string())
                    .or_insert_with(|| DataTree {
                        name: (*p).to_string(),
                        ..DataTree::default()
                    });
            }
            node.own = ds;
        }
        root.settle("/", &IndexMap::new(), &IndexMap::new())?;
        Ok(root)
    }

    /// This tree with `child` attached under `name` (replacing any child of that name).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a name that is empty or holds `/`;
    /// [`Error::Alignment`] when the child does not align with this tree.
    pub fn with_child(mut self, name: &str, child: DataTree) -> Result<Self> {
        if name.is_empty() || name.contains('/') {
            return Err(Error::invalid_argument(
                "name",
                format!("a child's name is one non-empty group name without '/', not {name:?}"),
            ));
        }
        let mut child = child;
        child.name = name.to_string();
        self.children.insert(name.to_string(), child);
        let inherited = self.inherited.clone();
        self.settle("/", &inherited, &IndexMap::new())?;
        Ok(self)
    }

    /// The node's name (`""` for the root).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The node's children, by name, in order.
    pub fn children(&self) -> &IndexMap<String, DataTree> {
        &self.children
    }

    /// The node at `path` below this one (`"a/b"` or `"/a/b"`; `""`, `"/"` and `"."`
    /// give this node).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the path and the groups there are when there is
    /// no such group.
    pub fn get(&self, path: &str) -> Result<&DataTree> {
        let mut node = self;
        for p in split_path(path)? {
            node = node.children.get(p).ok_or_else(|| {
                Error::invalid_argument(
                    "path",
                    format!(
                        "no group {path:?} in the tree; its groups are {:?}",
                        self.groups()
                    ),
                )
            })?;
        }
        Ok(node)
    }

    /// The node's dataset with the indexed coordinates inherited from its ancestors
    /// (xarray's `node.dataset` / `to_dataset()`).
    pub fn dataset(&self) -> Dataset {
        self.to_dataset(true)
    }

    /// The node's dataset: with the inherited coordinates (`inherit`), or its own
    /// variables only (xarray's `to_dataset(inherit=False)`, what is written to the
    /// node's group).
    pub fn to_dataset(&self, inherit: bool) -> Dataset {
        if !inherit || self.inherited.is_empty() {
            return self.own.clone();
        }
        let mut ds = self.own.clone();
        for (name, var) in &self.inherited {
            if !ds.variables().contains_key(name) {
                // Aligned when the tree was built: the dims fit.
                if ds.insert(name.clone(), var.clone(), true).is_err() {
                    continue;
                }
            }
        }
        ds
    }

    /// The paths of every node, this one first (`"/"`), level by level, each level's
    /// nodes in order (xarray's `groups`).
    pub fn groups(&self) -> Vec<String> {
        self.subtree().into_iter().map(|(p, _)| p).collect()
    }

    /// Every node with its path, as [`DataTree::groups`] orders them.
    pub fn subtree(&self) -> Vec<(String, &DataTree)> {
        let mut out = vec![("/".to_string(), self)];
        let mut next = 0;
        while next < out.len() {
            let (path, node) = (out[next].0.clone(), out[next].1);
            for (name, child) in &node.children {
                let p = if path == "/" {
                    format!("/{name}")
                } else {
                    format!("{path}/{name}")
                };
                out.push((p, child));
            }
            next += 1;
        }
        out
    }

    /// Checks the subtree against what it inherits (`inherited` indexed coordinates and
    /// the ancestors' `dims`), drops own indexes that repeat inherited ones, and records
    /// what each node inherits.
    fn settle(
        &mut self,
        path: &str,
        inherited: &IndexMap<String, Variable>,
        dims: &IndexMap<String, usize>,
    ) -> Result<()> {
        let misaligned = |dim: &str, reason: String| Error::Alignment {
            dim: dim.to_string(),
            join: "exact".to_string(),
            reason: format!("group {path:?} is not aligned with its parents: {reason}"),
        };
        for (d, n) in self.own.dims() {
            if let Some(&m) = dims.get(&d) {
                if m != n {
                    return Err(misaligned(
                        &d,
                        format!("dim {d:?} has length {n} here but {m} in a parent"),
                    ));
                }
            }
        }
        let mut repeated = Vec::new();
        for (name, var) in inherited {
            if let Some(index) = self.own.indexes().get(name) {
                let parent = var.data().compute()?;
                let own = index.values();
                if !own.equals(&parent) {
                    return Err(misaligned(
                        name,
                        format!("the index {name:?} has other labels than a parent's"),
                    ));
                }
                repeated.push(name.as_str());
            }
        }
        if !repeated.is_empty() {
            self.own = self.own.drop_vars(&repeated)?;
        }
        let mut next = IndexMap::new();
        for (name, _) in self.own.indexes() {
            if let Ok(v) = self.own.variable(name) {
                next.insert(name.clone(), v.clone());
            }
        }
        for (name, var) in inherited {
            next.entry(name.clone()).or_insert_with(|| var.clone());
        }
        self.inherited = inherited.clone();
        let mut child_dims = dims.clone();
        for (d, n) in self.own.dims() {
            child_dims.insert(d, n);
        }
        for (name, child) in &mut self.children {
            let child_path = if path == "/" {
                format!("/{name}")
            } else {
                format!("{path}/{name}")
            };
            child.settle(&child_path, &next, &child_dims)?;
        }
        Ok(())
    }
}

/// The parts of a group path; `"/"`, `""` and `"."` have none.
fn split_path(path: &str) -> Result<Vec<&str>> {
    let trimmed = path.trim_matches('/');
    if trimmed.is_empty() || trimmed == "." {
        return Ok(Vec::new());
    }
    let parts: Vec<&str> = trimmed.split('/').collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || *p == "." || *p == "..")
    {
        return Err(Error::invalid_argument(
            "path",
            format!("the group path {path:?} has an empty, '.' or '..' part"),
        ));
    }
    Ok(parts)
}

impl ops::Index<&str> for DataTree {
    type Output = DataTree;

    /// The node at `path` (`tree["a/b"]`), as [`DataTree::get`].
    ///
    /// # Panics
    /// When there is no such group; [`DataTree::get`] returns the error instead.
    fn index(&self, path: &str) -> &DataTree {
        match self.get(path) {
            Ok(node) => node,
            Err(e) => panic!("{e}"),
        }
    }
}

impl std::fmt::Display for DataTree {
    /// Every group's path and its dataset (with inherited coordinates), as xarray's
    /// repr lists groups.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "<xr.DataTree> ({} groups)", self.groups().len())?;
        for (path, node) in self.subtree() {
            writeln!(f, "Group: {path}")?;
            for line in node.to_string_dataset().lines() {
                writeln!(f, "    {line}")?;
            }
        }
        Ok(())
    }
}

impl DataTree {
    fn to_string_dataset(&self) -> String {
        self.dataset().to_string()
    }
}
