# Shared by scripts/tools/kubernetes.sh and scripts/tools/kube-*.sh (sourced, not run): builds the
# one multi-call binary of k8s.io/kubernetes components (main.go in this folder) and links each
# component's name to it.
kube_wrapper_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# The k8s.io/kubernetes version the wrapper module requires (single source of truth: go.mod).
kube_version() {
  awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ { print $2; exit }' "$kube_wrapper_dir/go.mod"
}

# Cache key for scripts/tools.sh: the release plus a hash of the wrapper module and of this file
# (the build flags), so any change to either builds afresh.
kube_tool_version() {
  echo "$(kube_version)-$(cat "$kube_wrapper_dir/go.mod" "$kube_wrapper_dir/go.sum" "$kube_wrapper_dir/main.go" "${BASH_SOURCE[0]}" | sha256sum | cut -c1-8)"
}

# link_kube_component <component> <outdir>: <outdir>/<component> becomes a symlink to the
# multi-call binary (built first if needed), which picks the component by that name.
link_kube_component() {
  local cmd="$1" out="$2" bin
  bin="$("$kube_wrapper_dir/../../tools.sh" path kubernetes)"
  mkdir -p "$out"
  ln -s "$bin" "$out/$cmd"
}

# build_kube_binary <outdir>: go build the multi-call binary into <outdir>/kubernetes, with the
# version stamps upstream's hack/lib/version.sh sets, so `kubectl version` and the
# apiserver's /version report the real release instead of v0.0.0-master.
build_kube_binary() {
  local out="$1"
  local version
  version="$(kube_version)"
  [[ -n "$version" ]] || { echo "no k8s.io/kubernetes requirement in $kube_wrapper_dir/go.mod" >&2; return 1; }
  local major="${version#v}"; major="${major%%.*}"
  local minor="${version#v*.}"; minor="${minor%%.*}"
  local flags="" key val
  for pair in "gitVersion=$version" "gitMajor=$major" "gitMinor=$minor" "gitTreeState=clean" \
              "buildDate=1970-01-01T00:00:00Z"; do
    key="${pair%%=*}"; val="${pair#*=}"
    flags+=" -X k8s.io/component-base/version.$key=$val -X k8s.io/client-go/pkg/version.$key=$val"
  done
  mkdir -p "$out"
  out="$(cd "$out" && pwd)"
  # -mod=readonly: build exactly what the committed go.mod/go.sum say (modules are fetched from
  # the module proxy on a fresh machine; nothing is rewritten).
  (cd "$kube_wrapper_dir" && CGO_ENABLED=0 go build -mod=readonly -buildvcs=false -trimpath \
    -ldflags "-s -w$flags" -o "$out/kubernetes" .)
}
