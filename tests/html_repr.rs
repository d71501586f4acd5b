//! The notebook HTML repr against xarray's `_repr_html_` (tests/golden/make_html_repr_golden.py):
//! the same sections, dims, variable rows (name, dims, dtype, preview, attributes, data
//! repr) read from both HTML documents the same way; escaping; lazy data is not computed;
//! chunked and eager show the same structure.
#![allow(clippy::unwrap_used)]

use ndarray::ArcArray;
use proptest::prelude::*;
use serde_json::Value;
use xr::{AttrValue, Calendar, DataArray, Dataset, NdArray, Variable};

/// A test object: a Dataset or a DataArray.
enum Obj {
    Ds(Box<Dataset>),
    Da(Box<DataArray>),
}

fn golden() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/html_repr_golden.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    unescape(&out)
}

/// The text between each `open` marker (up to the end of its tag) and the next `close`,
/// tags stripped: what the golden script's regular expressions take.
fn between(doc: &str, open: &str, close: &str, to_tag_end: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = doc;
    while let Some(i) = rest.find(open) {
        let mut start = i + open.len();
        if to_tag_end {
            start += rest[start..].find('>').unwrap() + 1;
        }
        let end = start + rest[start..].find(close).unwrap();
        out.push(strip_tags(&rest[start..end]));
        rest = &rest[end..];
    }
    out
}

fn texts(doc: &str, cls: &str) -> Vec<String> {
    between(doc, &format!("class='{cls}'"), "</div>", true)
}

fn summary(doc: &str) -> Value {
    serde_json::json!({
        "obj_type": texts(doc, "xr-obj-type").iter().map(|t| t.replace("xr.", "xarray.")).collect::<Vec<_>>(),
        "obj_name": texts(doc, "xr-obj-name"),
        "sections": between(doc, "class='xr-section-summary'", "</label>", true),
        "dims": between(doc, "<ul class='xr-dim-list'>", "</ul>", false),
        "indexed": between(doc, "<span class='xr-has-index'>", "</span>", false),
        "var_names": texts(doc, "xr-var-name"),
        "var_dims": texts(doc, "xr-var-dims"),
        "var_dtypes": texts(doc, "xr-var-dtype"),
        "var_previews": texts(doc, "xr-var-preview xr-preview"),
        "var_data": texts(doc, "xr-var-data"),
        "attrs": texts(doc, "xr-var-attrs"),
        "array_preview": texts(doc, "xr-array-preview xr-preview"),
        "array_data": texts(doc, "xr-array-data"),
    })
}

fn array_of(v: &Value) -> NdArray {
    let shape: Vec<usize> = v["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect();
    let vals = v["values"].as_array().unwrap();
    let f = || {
        vals.iter()
            .map(|x| x.as_f64().unwrap_or(f64::NAN))
            .collect::<Vec<_>>()
    };
    let flat = match v["dtype"].as_str().unwrap() {
        "float64" => NdArray::from(f()),
        "float32" => NdArray::from(f().into_iter().map(|x| x as f32).collect::<Vec<_>>()),
        "int64" => NdArray::from(vals.iter().map(|x| x.as_i64().unwrap()).collect::<Vec<_>>()),
        "str" => NdArray::from(
            vals.iter()
                .map(|x| x.as_str().unwrap().to_string())
                .collect::<Vec<_>>(),
        ),
        "datetime64" => NdArray::datetime(
            ArcArray::from_vec(vals.iter().map(|x| x.as_i64().unwrap()).collect()).into_dyn(),
            Calendar::Standard,
        ),
        other => panic!("dtype {other}"),
    };
    flat.reshape(&shape).unwrap()
}

fn attrs_of(v: &Value) -> Vec<(String, AttrValue)> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, a)| (k.clone(), AttrValue::from(a.as_str().unwrap())))
        .collect()
}

fn input(v: &Value) -> Obj {
    let mut ds = Dataset::new();
    for (name, var) in v["variables"].as_object().unwrap() {
        let dims: Vec<&str> = var["dims"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap())
            .collect();
        let mut variable = Variable::new(&dims, array_of(var)).unwrap();
        for (k, a) in attrs_of(&var["attrs"]) {
            variable = variable.with_attr(&k, a);
        }
        ds.insert(name.clone(), variable, var["coord"].as_bool().unwrap())
            .unwrap();
    }
    for (k, a) in attrs_of(&v["attrs"]) {
        ds = ds.with_attr(&k, a);
    }
    match v["name"].as_str() {
        None => Obj::Ds(Box::new(ds)),
        Some(name) => {
            let mut da = DataArray::from_variable(ds.variable(name).unwrap().clone())
                .unwrap()
                .with_name(name);
            for (c, var) in ds.coords() {
                da = da.with_coord_var(c, var.clone()).unwrap();
            }
            for (k, a) in attrs_of(&v["attrs"]) {
                da = da.with_attr(&k, a);
            }
            Obj::Da(Box::new(da))
        }
    }
}

fn html(o: &Obj) -> String {
    match o {
        Obj::Ds(ds) => ds.to_html(),
        Obj::Da(da) => da.to_html(),
    }
}

#[test]
fn the_html_repr_shows_what_xarrays_shows() {
    let g = golden();
    for (case, c) in g["cases"].as_object().unwrap() {
        let got = summary(&html(&input(&c["input"])));
        for (part, expected) in c["html"].as_object().unwrap() {
            if part == "var_data" {
                continue;
            }
            assert_eq!(&got[part], expected, "{case}: {part}");
        }
        // The full data repr is xr's numpy-style repr (as in the text repr), which pads
        // floats with zeros where numpy pads with spaces, prints datetimes without
        // numpy's fraction and does not wrap long lines: compared for integers and
        // strings, where the two agree up to line breaks.
        let flat = |v: &Value| {
            v.as_str()
                .unwrap()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        let dtypes = c["html"]["var_dtypes"].as_array().unwrap();
        let expected = c["html"]["var_data"].as_array().unwrap();
        let got_data = got["var_data"].as_array().unwrap();
        assert_eq!(got_data.len(), expected.len(), "{case}: data reprs");
        for ((d, e), g) in dtypes.iter().zip(expected).zip(got_data) {
            let d = d.as_str().unwrap();
            if d.starts_with("int") || d.starts_with("<U") {
                assert_eq!(flat(g), flat(e), "{case}: data repr of a {d} variable");
            } else {
                assert!(g.as_str().unwrap().starts_with("array(["), "{case}: {g}");
            }
        }
    }
}

#[test]
fn the_fragment_is_self_contained_and_escapes_text() {
    let ds = Dataset::new()
        .with_data_var(
            "a<b",
            Variable::new(&["x"], NdArray::from(vec!["<script>", "&"])).unwrap(),
        )
        .unwrap()
        .with_attr("note", "'quoted' & <b>");
    let h = ds.to_html();
    assert!(!h.contains("<script>"), "text must be escaped");
    assert!(h.contains("a&lt;b") && h.contains("&#x27;quoted&#x27; &amp; &lt;b&gt;"));
    assert!(h.starts_with("<div>") && h.ends_with("</div>"));
    assert!(h.contains("<style>") && h.contains("xr-text-repr-fallback"));
    // The text fallback is the text repr.
    let fallback = between(&h, "<pre class='xr-text-repr-fallback'>", "</pre>", false);
    assert_eq!(fallback, [ds.to_string()]);
    // Every checkbox's id is unique and has its label, within and across reprs.
    let h2 = ds.to_html();
    let ids: Vec<String> = between(&(h.clone() + &h2), "<input id='", "'", false);
    let unique: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len());
    for id in &ids {
        assert!(
            h.contains(&format!("for='{id}'")) || h2.contains(&format!("for='{id}'")),
            "{id}"
        );
    }
}

#[test]
fn lazy_data_shows_its_chunks_without_computing() {
    let ds = Dataset::new()
        .with_data_var(
            "v",
            Variable::new(&["x"], NdArray::from(vec![1.0, 2.0, 3.0])).unwrap(),
        )
        .unwrap()
        .chunk(&[("x", 2)])
        .unwrap();
    let h = ds.to_html();
    let preview = texts(&h, "xr-var-preview xr-preview");
    assert_eq!(preview, ["xr.lazy<chunksize=(2,)>"]);
    let data = texts(&h, "xr-var-data");
    assert_eq!(data, ["xr.lazy<shape=(3,), dtype=float64, chunksize=(2,)>"]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    /// Chunking changes only the previews and data reprs (and shows lazy strings as
    /// `object`, as the text repr does), never the structure.
    #[test]
    fn chunked_and_eager_show_the_same_structure(cx in 1_usize..5) {
        let Obj::Ds(ds) = input(&golden()["cases"]["ds"]["input"]) else { unreachable!() };
        let lazy = ds.chunk(&[("x", cx)]).unwrap();
        let (e, l) = (summary(&ds.to_html()), summary(&lazy.to_html()));
        for part in ["sections", "dims", "indexed", "var_names", "var_dims", "attrs"] {
            prop_assert_eq!(&e[part], &l[part], "{}", part);
        }
    }
}
