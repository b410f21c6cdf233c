// Command pulumi-resource-kubernetes is the Pulumi Kubernetes resource provider,
// built from the published github.com/pulumi/pulumi-kubernetes/provider/v4 module.
//
// Upstream's own main package embeds two files that its `go generate` step writes
// and that are therefore missing from the published module; scripts/tools/
// pulumi-resource-kubernetes.sh generates them next to this file (in a scratch
// copy) with upstream's generator before building. Nothing generated is committed.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

// The provider's schema with its version filled in (schema.json + VERSION).
//
//go:embed schema-embed.json
var pulumiSchema []byte

// The compacted terraform-mapping.json.
//
//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	// version.Version is set with -ldflags -X, as upstream's Makefile does.
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
