#!/usr/bin/env bash
# Fails when a module names a layer above its own (README, "Layout"): the layers, bottom
# up, are time, array, dist, lazy, dataset, groupby, io; `error` is the crate's shared
# error type and may be named by every layer but time. Comments are not checked.
set -euo pipefail
cd "$(dirname "$0")/../src"
layers=(time array dist lazy dataset groupby io)
rank() {
    local i
    for i in "${!layers[@]}"; do
        [[ ${layers[$i]} == "$1" ]] && { echo "$i"; return; }
    done
    echo -1
}
bad=0
for i in "${!layers[@]}"; do
    layer=${layers[$i]}
    files=$(find "$layer.rs" "$layer" -name '*.rs' 2>/dev/null || true)
    for f in $files; do
        # crate::NAME on lines that are not comments.
        while IFS=: read -r line name; do
            if [[ $name == error ]]; then
                [[ $layer == time ]] || continue
            fi
            r=$(rank "$name")
            if (( r > i )) || [[ $name == error ]]; then
                echo "src/$f:$line: layer '$layer' names crate::$name, a layer above it" >&2
                bad=1
            fi
        done < <(perl -ne 'next if m{^\s*//}; print "$.:$1\n" while /crate::([a-z_]+)/g' "$f")
    done
done
exit $bad
