//! HTML representations in the layout of xarray's `_repr_html_`, for notebooks: a
//! header, then collapsible sections (dimensions, coordinates, data variables,
//! attributes); each variable shows its dims, dtype and a preview of its
//! values, with its attributes and full data repr one click away. Pure HTML and CSS
//! (checkbox toggles, no script), with the text repr as a fallback for front ends that
//! strip styles. In a Rust Jupyter kernel (evcxr) a Dataset or DataArray that ends a
//! cell shows as this HTML ([`Dataset::evcxr_display`]).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use indexmap::IndexMap;

use super::repr::{array_repr, dtype_str, flat_values};
use super::{Attrs, DataArray, Dataset, Variable};

/// Width, in characters, of a variable's one-line preview.
const PREVIEW_WIDTH: usize = 35;
/// Sections with more entries than this start collapsed, as in xarray.
const EXPAND_AT_MOST: usize = 25;

/// Makes element ids unique across every repr in one notebook page.
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

impl Dataset {
    /// The dataset as HTML, like xarray's notebook repr (`Dataset._repr_html_`).
    ///
    /// ```
    /// # use xr::{Dataset, NdArray, Variable};
    /// let ds = Dataset::new()
    ///     .with_coord("x", Variable::new(&["x"], NdArray::from(vec![10_i64, 20]))?)?
    ///     .with_data_var("t", Variable::new(&["x"], NdArray::from(vec![1.5, 2.5]))?)?;
    /// let html = ds.to_html();
    /// assert!(html.contains("xr.Dataset") && html.contains("Data variables"));
    /// # Ok::<(), xr::Error>(())
    /// ```
    pub fn to_html(&self) -> String {
        let ids = Ids::new();
        let dims = self.dims();
        let indexed = |d: &str| self.indexes().contains_key(d);
        let mut sections = String::new();
        sections.push_str(&dims_section(&ids, &dims, &indexed));
        let coords: Vec<_> = self.coords().collect();
        sections.push_str(&var_section(&ids, "Coordinates", &coords, &indexed));
        let data_vars: Vec<_> = self.data_vars().collect();
        sections.push_str(&var_section(&ids, "Data variables", &data_vars, &|_| false));
        sections.push_str(&attrs_section(&ids, self.attrs()));
        wrap(
            &self.to_string(),
            "xr.Dataset",
            "",
            &format!("<ul class='xr-sections'>{sections}</ul>"),
        )
    }

    /// Shows the dataset as HTML in an evcxr Jupyter kernel: evcxr calls this method
    /// of the value that ends a cell, and reads the MIME bundle it prints to stdout.
    pub fn evcxr_display(&self) {
        println!("{}", evcxr_bundle(&self.to_html()));
    }
}

impl DataArray {
    /// The array as HTML, like xarray's notebook repr (`DataArray._repr_html_`): the
    /// name and dims in the header, a preview of the values (the full repr one click
    /// away), then coordinates and attributes.
    pub fn to_html(&self) -> String {
        let ids = Ids::new();
        let name = self
            .name()
            .map(|n| {
                format!(
                    "<div class='xr-obj-name'>{}</div>",
                    escape(&format!("'{n}'"))
                )
            })
            .unwrap_or_default();
        let dims: String = self
            .sizes()
            .iter()
            .map(|(d, n)| {
                let cls = if self.indexes().contains_key(d) {
                    " class='xr-has-index'"
                } else {
                    ""
                };
                format!("<li><span{cls}>{}</span>: {n}</li>", escape(d))
            })
            .collect();
        let header_extra = format!("{name}<ul class='xr-dim-list'>{dims}</ul>");
        let data_id = ids.next("section");
        let values = format!(
            "<li class='xr-section-item'><div class='xr-array-wrap'>\
             <input id='{data_id}' class='xr-array-in' type='checkbox' checked>\
             <label for='{data_id}' title='Show/hide data repr'>{DB_ICON}</label>\
             <div class='xr-array-preview xr-preview'><span>{}</span></div>\
             <div class='xr-array-data'><pre>{}</pre></div></div></li>",
            escape(&flat_values(self.values(), PREVIEW_WIDTH * 2)),
            escape(&array_repr(self.values())),
        );
        let indexed = |d: &str| self.indexes().contains_key(d);
        let coords: Vec<_> = self.coords().iter().collect();
        let sections = format!(
            "<ul class='xr-sections'>{values}{}{}</ul>",
            var_section(&ids, "Coordinates", &coords, &indexed),
            attrs_section(&ids, self.attrs()),
        );
        wrap(&self.to_string(), "xr.DataArray", &header_extra, &sections)
    }

    /// Shows the array as HTML in an evcxr Jupyter kernel (see
    /// [`Dataset::evcxr_display`]).
    pub fn evcxr_display(&self) {
        println!("{}", evcxr_bundle(&self.to_html()));
    }
}

/// What evcxr reads from stdout: the HTML between its content markers.
fn evcxr_bundle(html: &str) -> String {
    format!("EVCXR_BEGIN_CONTENT text/html\n{html}\nEVCXR_END_CONTENT")
}

/// Element ids, unique in the page: checkboxes and their labels find each other by id.
struct Ids(u64);

impl Ids {
    fn new() -> Self {
        Ids(NEXT_ID.fetch_add(1, Ordering::Relaxed))
    }

    fn next(&self, kind: &str) -> String {
        let n = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        format!("xr-{kind}-{}-{n}", self.0)
    }
}

/// The page fragment: styles, the text fallback (hidden when the styles apply) and the
/// HTML repr (shown only when they do).
fn wrap(text: &str, obj_type: &str, header_extra: &str, sections: &str) -> String {
    format!(
        "<div>{ICONS}<style>{CSS}</style>\
         <pre class='xr-text-repr-fallback'>{}</pre>\
         <div class='xr-wrap' style='display:none'>\
         <div class='xr-header'><div class='xr-obj-type'>{obj_type}</div>{header_extra}</div>\
         {sections}</div></div>",
        escape(text)
    )
}

/// One collapsible section: a checkbox, its label with the count, the inline summary
/// (shown collapsed) and the details (shown expanded).
fn section(ids: &Ids, title: &str, count: Option<usize>, inline: &str, details: &str) -> String {
    let id = ids.next("section");
    // Dimensions have no details to open; an empty section has none either.
    let (enabled, checked) = match count {
        None | Some(0) => (false, false),
        Some(n) => (true, n <= EXPAND_AT_MOST),
    };
    let count = count
        .map(|n| format!(" <span>({n})</span>"))
        .unwrap_or_default();
    format!(
        "<li class='xr-section-item'>\
         <input id='{id}' class='xr-section-summary-in' type='checkbox'{}{}>\
         <label for='{id}' class='xr-section-summary' title='Expand/collapse section'>{title}:{count}</label>\
         <div class='xr-section-inline-details'>{inline}</div>\
         <div class='xr-section-details'>{details}</div></li>",
        if enabled { "" } else { " disabled" },
        if checked { " checked" } else { "" },
    )
}

fn dims_section(
    ids: &Ids,
    dims: &IndexMap<String, usize>,
    indexed: &dyn Fn(&str) -> bool,
) -> String {
    let items: String = dims
        .iter()
        .map(|(d, n)| {
            let cls = if indexed(d) {
                " class='xr-has-index'"
            } else {
                ""
            };
            format!("<li><span{cls}>{}</span>: {n}</li>", escape(d))
        })
        .collect();
    section(
        ids,
        "Dimensions",
        None,
        &format!("<ul class='xr-dim-list'>{items}</ul>"),
        "",
    )
}

fn var_section(
    ids: &Ids,
    title: &str,
    vars: &[(&String, &Variable)],
    indexed: &dyn Fn(&str) -> bool,
) -> String {
    let items: String = vars
        .iter()
        .map(|(name, var)| var_item(ids, name, var, indexed(name)))
        .collect();
    section(
        ids,
        title,
        Some(vars.len()),
        "",
        &format!("<ul class='xr-var-list'>{items}</ul>"),
    )
}

/// One variable's row: name, dims, dtype, a preview of the values, and two toggles
/// for its attributes and its full data repr.
fn var_item(ids: &Ids, name: &str, var: &Variable, indexed: bool) -> String {
    let attrs_id = ids.next("attrs");
    let data_id = ids.next("data");
    let name_cls = if indexed { " class='xr-has-index'" } else { "" };
    let dims = if var.ndim() == 0 {
        String::new()
    } else {
        format!("({})", var.dims().join(", "))
    };
    let attrs_disabled = if var.attrs().is_empty() {
        " disabled"
    } else {
        ""
    };
    format!(
        "<li class='xr-var-item'>\
         <div class='xr-var-name'><span{name_cls}>{}</span></div>\
         <div class='xr-var-dims'>{}</div>\
         <div class='xr-var-dtype'>{}</div>\
         <div class='xr-var-preview xr-preview'>{}</div>\
         <input id='{attrs_id}' class='xr-var-attrs-in' type='checkbox'{attrs_disabled}>\
         <label for='{attrs_id}' title='Show/Hide attributes'>{FILE_ICON}</label>\
         <input id='{data_id}' class='xr-var-data-in' type='checkbox'>\
         <label for='{data_id}' title='Show/Hide data repr'>{DB_ICON}</label>\
         <div class='xr-var-attrs'>{}</div>\
         <div class='xr-var-data'><pre>{}</pre></div></li>",
        escape(name),
        escape(&dims),
        escape(&dtype_str(var.data())),
        escape(&flat_values(var.data(), PREVIEW_WIDTH)),
        attrs_list(var.attrs()),
        escape(&array_repr(var.data())),
    )
}

/// The attributes section; none without attributes, as in xarray.
fn attrs_section(ids: &Ids, attrs: &Attrs) -> String {
    if attrs.is_empty() {
        return String::new();
    }
    section(ids, "Attributes", Some(attrs.len()), "", &attrs_list(attrs))
}

fn attrs_list(attrs: &Attrs) -> String {
    let items: String = attrs
        .iter()
        .map(|(k, v)| {
            format!(
                "<dt><span>{} :</span></dt><dd>{}</dd>",
                escape(k),
                escape(&v.to_string())
            )
        })
        .collect();
    format!("<dl class='xr-attrs'>{items}</dl>")
}

/// Text as HTML: the five characters that could open markup or end an attribute.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => {
                let _ = write!(out, "{c}");
            }
        }
    }
    out
}

const FILE_ICON: &str =
    "<svg class='icon xr-icon-file-text2'><use xlink:href='#icon-file-text2'></use></svg>";
const DB_ICON: &str =
    "<svg class='icon xr-icon-database'><use xlink:href='#icon-database'></use></svg>";

/// The two icons the toggles use, defined once per fragment.
const ICONS: &str = "<svg style='position:absolute;width:0;height:0;overflow:hidden'><defs>\
<symbol id='icon-database' viewBox='0 0 32 32'><path d='M16 0c-8.837 0-16 2.239-16 5v4c0 2.761 7.163 5 16 5s16-2.239 16-5v-4c0-2.761-7.163-5-16-5z'></path>\
<path d='M16 17c-8.837 0-16-2.239-16-5v6c0 2.761 7.163 5 16 5s16-2.239 16-5v-6c0 2.761-7.163 5-16 5z'></path>\
<path d='M16 26c-8.837 0-16-2.239-16-5v6c0 2.761 7.163 5 16 5s16-2.239 16-5v-6c0 2.761-7.163 5-16 5z'></path></symbol>\
<symbol id='icon-file-text2' viewBox='0 0 32 32'><path d='M28.681 7.159c-0.694-0.947-1.662-2.053-2.724-3.116s-2.169-2.030-3.116-2.724c-1.612-1.182-2.393-1.319-2.841-1.319h-15.5c-1.378 0-2.5 1.121-2.5 2.5v27c0 1.378 1.122 2.5 2.5 2.5h23c1.378 0 2.5-1.122 2.5-2.5v-19.5c0-0.448-0.137-1.23-1.319-2.841z'></path>\
<path d='M23 26h-14c-0.552 0-1-0.448-1-1s0.448-1 1-1h14c0.552 0 1 0.448 1 1s-0.448 1-1 1z'></path>\
<path d='M23 22h-14c-0.552 0-1-0.448-1-1s0.448-1 1-1h14c0.552 0 1 0.448 1 1s-0.448 1-1 1z'></path></symbol>\
</defs></svg>";

/// The styles: a grid per variable row, sections that open and close with their
/// checkbox, and the text fallback hidden once these apply.
const CSS: &str = "\
.xr-wrap{display:block!important;min-width:300px;max-width:700px;font-family:sans-serif;font-size:13px}\
.xr-text-repr-fallback{display:none}\
.xr-header{padding:6px 0;margin-bottom:4px;border-bottom:solid 1px #ddd}\
.xr-header>div,.xr-header>ul{display:inline;margin:0 6px 0 0}\
.xr-obj-type,.xr-obj-name{font-weight:bold}\
.xr-sections{padding-left:0!important;display:grid;grid-template-columns:150px auto auto 1fr 0 20px 0 20px}\
.xr-section-item{display:contents}\
.xr-section-item input,.xr-array-in,.xr-var-attrs-in,.xr-var-data-in{display:none}\
.xr-section-summary{grid-column:1;color:#555;font-weight:500;cursor:pointer}\
.xr-section-summary-in:disabled+label{color:#aaa;cursor:default}\
.xr-section-summary:before{display:inline-block;content:'\\25BA';font-size:11px;width:15px}\
.xr-section-summary-in:checked+label:before{content:'\\25BC'}\
.xr-section-summary-in:disabled+label:before{color:#ddd}\
.xr-section-inline-details{grid-column:2/-1}\
.xr-section-details{display:none;grid-column:1/-1;margin-bottom:5px}\
.xr-section-summary-in:checked~.xr-section-details{display:contents}\
.xr-array-wrap{grid-column:1/-1;display:grid;grid-template-columns:20px auto}\
.xr-array-preview,.xr-array-data{grid-column:2;padding:0 5px}\
.xr-array-data,.xr-array-in:checked~.xr-array-preview{display:none}\
.xr-array-in:checked~.xr-array-data,.xr-array-preview{display:inline-block}\
.xr-dim-list{display:inline-block!important;list-style:none;padding:0!important;margin:0}\
.xr-dim-list li{display:inline-block;padding:0;margin:0}\
.xr-dim-list:before{content:'('}.xr-dim-list:after{content:')'}\
.xr-dim-list li:not(:last-child):after{content:',';padding-right:5px}\
.xr-has-index{font-weight:bold}\
.xr-var-list,.xr-var-item{display:contents}\
.xr-var-item>div,.xr-var-item label,.xr-var-item>.xr-var-name span{padding-top:2px;padding-bottom:2px}\
.xr-var-item:hover>div{background-color:#f5f5f5}\
.xr-var-name{grid-column:1}.xr-var-dims{grid-column:2}.xr-var-dtype{grid-column:3;text-align:right;color:#555}\
.xr-var-preview{grid-column:4}.xr-index-preview{grid-column:2/5;color:#555}\
.xr-var-name,.xr-var-dims,.xr-var-dtype,.xr-preview,.xr-attrs dt{white-space:nowrap;overflow:hidden;text-overflow:ellipsis;padding-right:10px}\
.xr-preview{color:#555}\
.xr-var-attrs,.xr-var-data{display:none;grid-column:1/-1;background-color:#fafafa!important;padding-bottom:5px!important}\
.xr-var-attrs-in:checked~.xr-var-attrs,.xr-var-data-in:checked~.xr-var-data{display:block}\
.xr-var-data>pre{margin:0;font-size:12px}\
.xr-var-item label{cursor:pointer}.xr-var-attrs-in:disabled+label{opacity:0.3;cursor:default}\
.icon{display:inline-block;vertical-align:middle;width:1em;height:1.5em!important;stroke-width:0;stroke:currentColor;fill:currentColor}\
.xr-attrs{padding-left:25px!important;display:grid;grid-template-columns:125px auto}\
.xr-attrs dt,.xr-attrs dd{padding:0;margin:0;float:left;padding-right:10px;width:auto}\
.xr-attrs dt{font-weight:normal;grid-column:1}.xr-attrs dd{grid-column:2;white-space:pre-wrap;word-break:break-all}\
";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::array::NdArray;

    #[test]
    fn the_evcxr_bundle_holds_the_html_between_its_markers() {
        let ds = Dataset::new()
            .with_data_var(
                "t",
                Variable::new(&["x"], NdArray::from(vec![1.0, 2.0])).unwrap(),
            )
            .unwrap();
        let html = ds.to_html();
        let bundle = evcxr_bundle(&html);
        let lines: Vec<&str> = bundle.lines().collect();
        assert_eq!(lines[0], "EVCXR_BEGIN_CONTENT text/html");
        assert_eq!(lines[lines.len() - 1], "EVCXR_END_CONTENT");
        assert_eq!(lines[1..lines.len() - 1].join("\n"), html);
    }

    #[test]
    fn escape_closes_every_way_into_markup() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;"
        );
    }
}
