#!/usr/bin/env bash
# Runs tests/notebooks/html_repr.ipynb in a real Rust Jupyter kernel (evcxr) and checks
# that a Dataset and a DataArray ending a cell show as xr's HTML repr (`evcxr_display`).
# Not part of .ci/run: evcxr compiles xr inside the kernel (several minutes).
#
# Everything goes under .cache/ (git-ignored), nothing into $HOME:
#   .cache/nb-venv   nbconvert/nbclient/ipykernel from PyPI (pinned)
#   .cache/evcxr     evcxr_jupyter (cargo install, pinned), its kernel spec
#                    (jupyter/kernels/rust, found through JUPYTER_PATH), the kernel's
#                    build dir (EVCXR_TMPDIR, kept so that a rerun compiles less) and the
#                    executed notebook (run/html_repr.ipynb).
# Needs the Rust toolchain, python3 with venv and the system libnetcdf (scripts/deps.sh).
# Exits non-zero when a step fails or an output lacks the repr's markers.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
EVCXR_VERSION=0.22.0
VENV=.cache/nb-venv
EVCXR=$REPO/.cache/evcxr
PIP_PINS=(nbconvert==7.17.2 nbclient==0.11.0 ipykernel==7.4.0 jupyter-client==8.10.0 jupyter-core==5.9.1)
start=$(date +%s)

# 1. The Python side: nbconvert executes the notebook through a kernel spec.
if ! "$VENV/bin/python" -c "
import importlib.metadata as m, sys
pins = dict(p.split('==') for p in sys.argv[1:])
sys.exit(any(m.version(k) != v for k, v in pins.items()))" "${PIP_PINS[@]}" 2>/dev/null; then
  if ! python3 -m venv --clear "$VENV" 2>/dev/null; then
    # Debian ships venv (ensurepip) as its own package.
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
    python3 -m venv --clear "$VENV"
  fi
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "${PIP_PINS[@]}"
fi

# 2. The kernel. Its own target dir, so that an interrupted build resumes.
# (evcxr_jupyter has no --version: cargo's install record says which one is there.)
if ! { [ -x "$EVCXR/bin/evcxr_jupyter" ] \
       && grep -q "^\"evcxr_jupyter $EVCXR_VERSION " "$EVCXR/.crates.toml" 2>/dev/null; }; then
  cargo install --locked --version "$EVCXR_VERSION" --root "$EVCXR" \
    --target-dir "$EVCXR/target" evcxr_jupyter
fi

# 3. Jupyter's dirs inside the cache: `evcxr_jupyter --install` writes the kernel spec
# to $JUPYTER_PATH/kernels/rust when JUPYTER_PATH is set, and Jupyter looks there.
export JUPYTER_PATH=$EVCXR/jupyter
export JUPYTER_DATA_DIR=$EVCXR/jupyter-data
export JUPYTER_RUNTIME_DIR=$EVCXR/jupyter-runtime
export JUPYTER_CONFIG_DIR=$EVCXR/jupyter-config
export JUPYTER_PLATFORM_DIRS=1
# evcxr: an empty config dir (no user init.evcxr) and a kept build dir.
export EVCXR_CONFIG_DIR=$EVCXR/config
export EVCXR_TMPDIR=$EVCXR/tmp
mkdir -p "$EVCXR_CONFIG_DIR" "$EVCXR_TMPDIR" "$EVCXR/run"
"$EVCXR/bin/evcxr_jupyter" --install >/dev/null
"$VENV/bin/jupyter" kernelspec list | grep -q "^ *rust " \
  || { echo "check-evcxr: the rust kernel spec is not found in $JUPYTER_PATH" >&2; exit 1; }

# 4. The notebook, with this checkout's path filled in, executed in the kernel.
sed "s|@XR_REPO@|$REPO|g" tests/notebooks/html_repr.ipynb >"$EVCXR/run/html_repr.ipynb"
"$VENV/bin/jupyter" nbconvert --to notebook --execute --inplace \
  --ExecutePreprocessor.kernel_name=rust --ExecutePreprocessor.timeout=1800 \
  "$EVCXR/run/html_repr.ipynb"

# 5. The outputs: each cell tagged `check` shows text/html with the repr's markers.
"$VENV/bin/python" - "$EVCXR/run/html_repr.ipynb" <<'PY'
import json, sys

nb = json.load(open(sys.argv[1]))
# The markers each checked cell's HTML must hold, by the cell's tag.
MARKERS = {
    "dataset": ["xr.Dataset", "xr-section-summary", "xr-var-name", "xr-dim-list",
                "Dimensions:", "Coordinates:", "Data variables:", "Attributes:",
                ">time<", ">level<", ">lat<", ">lon<", ">temp<", ">rh<",
                "Fictional Model Output"],
    "dataarray": ["xr.DataArray", "xr-obj-name", "&#x27;temp&#x27;", "xr-array-wrap",
                  "xr-dim-list", ">level<", ">lat<", ">lon<", "Coordinates:"],
}
failures, seen = [], set()
for cell in nb["cells"]:
    if cell["cell_type"] != "code":
        continue
    for out in cell.get("outputs", []):
        if out["output_type"] == "error":
            failures.append(f"cell {cell['source']!r} raised {out['ename']}: {out['evalue']}")
    tags = [t for t in cell.get("metadata", {}).get("tags", []) if t in MARKERS]
    for tag in tags:
        seen.add(tag)
        html = "".join(
            "".join(out["data"]["text/html"])
            for out in cell.get("outputs", [])
            if "text/html" in out.get("data", {})
        )
        if not html:
            failures.append(f"{tag} cell: no text/html output")
            continue
        missing = [m for m in MARKERS[tag] if m not in html]
        if missing:
            failures.append(f"{tag} cell: text/html lacks {missing}")
        else:
            print(f"check-evcxr: {tag} cell: text/html of {len(html)} bytes with every marker")
for tag in MARKERS.keys() - seen:
    failures.append(f"no cell tagged {tag!r} in the notebook")
if failures:
    print("check-evcxr: FAILED\n  " + "\n  ".join(failures), file=sys.stderr)
    sys.exit(1)
PY
echo "check-evcxr: passed (evcxr_jupyter $EVCXR_VERSION, $(rustc --version), $(( $(date +%s) - start )) s)"
