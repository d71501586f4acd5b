//! DataTree (tracker issue 17 item 2): every group of a NetCDF-4 file or Zarr store
//! written by xarray, as xarray's `open_datatree` reads it (golden values from
//! tests/golden/make_datatree_golden.py): the groups in xarray's order, each node's own
//! variables and the indexed coordinates it inherits, values with NaNs, float32/float64/
//! int32, noleap, standard and 360_day time axes; trees written by xr (eager and chunked)
//! read back the same; errors naming the group and dim for misaligned groups and unknown
//! paths.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::golden_file::{values_f64, GoldenFile};
use common::hdf5_turn;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use ndarray::{arr1, arr2};
use proptest::prelude::*;
use serde_json::Value;
use xr::{DType, DataTree, Dataset, Error, NdArray, Variable};

fn golden() -> &'static GoldenFile {
    static G: OnceLock<GoldenFile> = OnceLock::new();
    G.get_or_init(|| GoldenFile::parse(include_str!("golden/datatree_golden.json")))
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn scratch(ext: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!("xr_datatree_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("t{}.{ext}", N.fetch_add(1, Ordering::Relaxed)))
}

fn as_f64(v: &Variable) -> Vec<f64> {
    let a = v.values().unwrap().astype(DType::F64).unwrap();
    a.as_array::<f64>().unwrap().iter().copied().collect()
}

fn same(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g.is_nan() && w.is_nan()) || (g - w).abs() <= 1e-12 * w.abs().max(1.0),
            "{what}[{i}]: got {g}, xarray {w}"
        );
    }
}

fn names(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// `tree` (and the same tree opened without time decoding) against xarray's view.
fn check_tree(tree: &DataTree, raw: &DataTree, ordered: bool) {
    let order: Vec<String> = golden()["group_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g.as_str().unwrap().to_string())
        .collect();
    if ordered {
        assert_eq!(tree.groups(), order);
    } else {
        let got: BTreeSet<String> = tree.groups().into_iter().collect();
        assert_eq!(got, order.iter().cloned().collect());
    }
    for g in &order {
        let want = &golden()["groups"][g];
        let node = tree.get(g).unwrap();
        let ds = node.dataset();
        let coords: BTreeSet<String> = ds.coord_names().iter().cloned().collect();
        assert_eq!(coords, names(&want["coords"]), "{g}: coords");
        let own: BTreeSet<String> = node.to_dataset(false).variables().keys().cloned().collect();
        assert_eq!(own, names(&want["own"]), "{g}: own variables");
        for (k, a) in want["attrs"].as_object().unwrap() {
            assert_eq!(
                ds.attrs().get(k).and_then(|v| v.as_str()),
                a.as_str(),
                "{g}: attr {k}"
            );
        }
        assert_eq!(
            ds.attrs().len(),
            want["attrs"].as_object().unwrap().len(),
            "{g}: attrs"
        );
        let raw_ds = raw.get(g).unwrap().dataset();
        for (name, w) in want["variables"].as_object().unwrap() {
            let what = format!("{g}:{name}");
            let v = ds.variable(name).unwrap_or_else(|e| panic!("{what}: {e}"));
            let dims: Vec<&str> = w["dims"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_str().unwrap())
                .collect();
            assert_eq!(v.dims(), dims.as_slice(), "{what}: dims");
            let shape: Vec<usize> = w["shape"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_u64().unwrap() as usize)
                .collect();
            assert_eq!(v.shape(), shape.as_slice(), "{what}: shape");
            match w.get("calendar").and_then(Value::as_str) {
                Some(cal) => {
                    assert!(
                        matches!(v.dtype(), DType::DateTime(_)),
                        "{what}: {}",
                        v.dtype()
                    );
                    let r = raw_ds.variable(name).unwrap();
                    same(&as_f64(r), &values_f64(&w["values"]), &what);
                    assert_eq!(
                        r.attrs().get("calendar").and_then(|a| a.as_str()),
                        Some(cal),
                        "{what}"
                    );
                    assert_eq!(
                        r.attrs().get("units").and_then(|a| a.as_str()),
                        w["units"].as_str(),
                        "{what}"
                    );
                }
                None => {
                    assert_eq!(
                        v.dtype().to_string(),
                        w["dtype"].as_str().unwrap(),
                        "{what}: dtype"
                    );
                    same(&as_f64(v), &values_f64(&w["values"]), &what);
                }
            }
        }
        assert_eq!(
            ds.variables().len(),
            want["variables"].as_object().unwrap().len(),
            "{g}"
        );
    }
}

fn open_both(location: &Path) -> (DataTree, DataTree) {
    let tree = DataTree::open(location).unwrap();
    let raw = DataTree::open_with(location)
        .decode_times(false)
        .open()
        .unwrap();
    (tree, raw)
}

#[test]
fn netcdf_groups_open_as_xarray_opens_them() {
    let (tree, raw) = open_both(&data("datatree.nc"));
    check_tree(&tree, &raw, true);
    // Data variables stay lazy.
    assert!(tree["model"]
        .dataset()
        .variable("tas")
        .unwrap()
        .data()
        .is_lazy());
    assert!(tree["/model/run1"].dataset().is_coord("time"));
}

#[test]
fn zarr_groups_open_as_xarray_opens_them() {
    let (tree, raw) = open_both(&data("datatree.zarr"));
    check_tree(&tree, &raw, false);
}

#[test]
fn trees_written_by_xr_read_back_the_same() {
    let _turn = hdf5_turn();
    let (tree, _) = open_both(&data("datatree.nc"));
    let nc = scratch("nc");
    tree.to_netcdf(&nc).unwrap();
    let (back, raw) = open_both(&nc);
    check_tree(&back, &raw, true);
    let store = scratch("zarr");
    tree.to_zarr(store.to_str().unwrap()).unwrap();
    let (back, raw) = open_both(&store);
    check_tree(&back, &raw, false);
    // w-: an existing store is not replaced.
    assert!(tree.to_zarr(store.to_str().unwrap()).is_err());
    std::fs::remove_file(&nc).ok();
    std::fs::remove_dir_all(&store).ok();
}

/// The tree of datatree.nc with every node's own variables chunked.
fn chunked(tree: &DataTree, t: usize, lat: usize) -> DataTree {
    let nodes: Vec<(String, Dataset)> = tree
        .subtree()
        .into_iter()
        .map(|(p, node)| {
            let ds = node.to_dataset(false).compute().unwrap();
            let dims = ds.dims();
            let sizes: Vec<(&str, usize)> = [("time", t), ("lat", lat)]
                .into_iter()
                .filter(|(d, _)| dims.contains_key(*d))
                .collect();
            (p, ds.chunk(&sizes).unwrap())
        })
        .collect();
    DataTree::from_dict(nodes.iter().map(|(p, d)| (p.as_str(), d.clone()))).unwrap()
}

#[test]
fn chunked_trees_are_written_like_eager_ones() {
    let _turn = hdf5_turn();
    let (tree, _) = open_both(&data("datatree.nc"));
    let lazy = chunked(&tree, 2, 2);
    assert!(lazy["model"]
        .to_dataset(false)
        .variable("tas")
        .unwrap()
        .data()
        .is_lazy());
    let nc = scratch("nc");
    lazy.to_netcdf(&nc).unwrap();
    let (back, raw) = open_both(&nc);
    check_tree(&back, &raw, true);
    std::fs::remove_file(&nc).ok();
}

#[test]
fn unknown_groups_are_errors_naming_them() {
    let (tree, _) = open_both(&data("datatree.nc"));
    let err = tree.get("model/run3").unwrap_err().to_string();
    assert!(
        err.contains("model/run3") && err.contains("/model/run1"),
        "{err}"
    );
    assert!(matches!(
        tree.get("a//b"),
        Err(Error::InvalidArgument { .. })
    ));
    assert_eq!(tree.get("/").unwrap().groups().len(), 6);
    assert_eq!(tree["model"]["run2"].name(), "run2");
    let missing = DataTree::open(data("no_such_tree.nc"))
        .unwrap_err()
        .to_string();
    assert!(missing.contains("no_such_tree.nc"), "{missing}");
}

#[test]
fn misaligned_groups_are_errors_naming_group_and_dim() {
    let err = DataTree::open(data("datatree_misaligned.nc")).unwrap_err();
    let msg = err.to_string();
    let xarray = golden()["misaligned_error"].as_str().unwrap();
    assert!(xarray.contains("'/bad'"), "{xarray}");
    assert!(
        matches!(err, Error::Alignment { ref dim, .. } if dim == "lat"),
        "{msg}"
    );
    assert!(
        msg.contains("\"/bad\"") && msg.contains("not aligned with its parents"),
        "{msg}"
    );
}

fn f64s(v: &[f64]) -> NdArray {
    NdArray::from(arr1(v).into_dyn())
}

#[test]
fn from_dict_inherits_dedups_and_checks_alignment() {
    let x = Variable::new(&["x"], f64s(&[1.0, 2.0])).unwrap();
    let root = Dataset::new().with_coord("x", x.clone()).unwrap();
    let t = Variable::new(
        &["x", "y"],
        NdArray::from(arr2(&[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).into_dyn()),
    )
    .unwrap();
    // The child repeats the root's index: dropped from its own variables, as xarray does.
    let child = Dataset::new()
        .with_coord("x", x)
        .unwrap()
        .with_data_var("t", t)
        .unwrap();
    let tree = DataTree::from_dict([("/", root.clone()), ("/a/b", child)]).unwrap();
    assert_eq!(tree.groups(), ["/", "/a", "/a/b"]);
    let own: Vec<String> = tree["a/b"]
        .to_dataset(false)
        .variables()
        .keys()
        .cloned()
        .collect();
    assert_eq!(own, ["t"]);
    let ds = tree["a/b"].dataset();
    assert!(ds.is_coord("x"));
    same(&as_f64(ds.variable("x").unwrap()), &[1.0, 2.0], "x");
    assert!(tree["a"].dataset().is_coord("x"));
    // Other labels for an inherited index.
    let other = Dataset::new()
        .with_coord("x", Variable::new(&["x"], f64s(&[1.0, 3.0])).unwrap())
        .unwrap();
    let err = DataTree::from_dict([("/", root.clone()), ("/c", other)]).unwrap_err();
    assert!(
        matches!(err, Error::Alignment { ref dim, .. } if dim == "x"),
        "{err}"
    );
    assert!(err.to_string().contains("\"/c\""), "{err}");
    // Another length along an inherited dim.
    let short = Dataset::new()
        .with_data_var("u", Variable::new(&["x"], f64s(&[1.0, 2.0, 3.0])).unwrap())
        .unwrap();
    let err = DataTree::from_dict([("/", root.clone()), ("/c", short.clone())]).unwrap_err();
    assert!(
        matches!(err, Error::Alignment { ref dim, .. } if dim == "x"),
        "{err}"
    );
    let err = DataTree::new(root.clone())
        .with_child("c", DataTree::new(short))
        .unwrap_err();
    assert!(err.to_string().contains("length 3"), "{err}");
    // The same path twice, and a bad child name.
    let err = DataTree::from_dict([("/a", root.clone()), ("a/", root.clone())]).unwrap_err();
    assert!(err.to_string().contains("/a"), "{err}");
    let err = DataTree::new(root.clone())
        .with_child("a/b", DataTree::default())
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidArgument { ref argument, .. } if argument == "name"),
        "{err}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    /// Chunking never changes what is written.
    #[test]
    fn any_chunking_writes_the_same_tree(t in 1_usize..6, lat in 1_usize..4) {
        static TREE: OnceLock<DataTree> = OnceLock::new();
        let tree = TREE.get_or_init(|| DataTree::open(data("datatree.nc")).unwrap());
        let _turn = hdf5_turn();
        let nc = scratch("nc");
        chunked(tree, t, lat).to_netcdf(&nc).unwrap();
        let (back, raw) = open_both(&nc);
        check_tree(&back, &raw, true);
        std::fs::remove_file(&nc).ok();
    }
}

#[test]
fn xr_info_shows_every_group() {
    let run = |args: &[&str]| {
        let _turn = hdf5_turn();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_xr"))
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let path = data("datatree.nc");
    let path = path.to_str().unwrap();
    let text = run(&["info", path]);
    for g in golden()["group_order"].as_array().unwrap() {
        assert!(
            text.contains(&format!("Group: {}\n", g.as_str().unwrap())),
            "{text}"
        );
    }
    let json: Value = serde_json::from_str(&run(&["info", path, "--json"])).unwrap();
    let groups = json["groups"].as_object().unwrap();
    assert_eq!(groups.len(), 5);
    let run1 = &groups["/model/run1"];
    let coords: BTreeSet<String> = run1["coords"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(coords, names(&golden()["groups"]["/model/run1"]["coords"]));
    assert!(run1["data_vars"].get("pr").is_some());
    assert!(json["data_vars"].get("orog").is_some());
    // A file without groups keeps the flat schema.
    let flat: Value =
        serde_json::from_str(&run(&["info", "tests/data/example_1.nc", "--json"])).unwrap();
    assert!(flat.get("groups").is_none());
}
