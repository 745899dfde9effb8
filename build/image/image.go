// Package image packs a proxy-wasm module into an OCI image that Istio's
// WasmPlugin fetcher accepts, writes it as an OCI image layout, and pushes it,
// with go-containerregistry doing every tar, manifest and registry step.
//
// The default is the "compat" variant of the wasm image spec: an OCI image
// FROM scratch with one tar+gzip layer holding plugin.wasm, every media type
// an OCI one. It is the default because every tool handles it (registries and
// their UIs, docker, skopeo, crane, Istio's fetcher, which reads the last
// layer), and it is what `docker build -f build/Dockerfile` makes too. The
// "artifact" variant (Artifact option) uses the wasm media types of the spec
// instead, which Istio accepts only with exactly two layers, and which some
// registries refuse or cannot display.
//
// Images are reproducible: the manifest digest depends only on the module
// bytes and the declared annotations, never on time, host user or paths,
// because a WasmPlugin pins that digest in its sha256 field.
package image

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Media types of the wasm artifact variant.
const (
	WasmConfigMediaType  types.MediaType = "application/vnd.module.wasm.config.v1+json"
	WasmContentMediaType types.MediaType = "application/vnd.module.wasm.content.layer.v1+wasm"
)

// FileName is the file Istio extracts from the image's layer.
const FileName = "plugin.wasm"

const titleAnnotation = "org.opencontainers.image.title"

// Options describe the image. Everything here ends up in the manifest, so
// the same module and options always give the same digest.
type Options struct {
	Name        string // OCI title, e.g. "addheader"
	Description string
	Source      string // source repository URL
	Version     string
	Revision    string // VCS revision
	Artifact    bool   // the wasm-artifact variant instead of compat
}

func (o Options) annotations() map[string]string {
	a := map[string]string{}
	for k, v := range map[string]string{
		titleAnnotation:                        o.Name,
		"org.opencontainers.image.description": o.Description,
		"org.opencontainers.image.source":      o.Source,
		"org.opencontainers.image.version":     o.Version,
		"org.opencontainers.image.revision":    o.Revision,
	} {
		if v != "" {
			a[k] = v
		}
	}
	return a
}

// Title is the image's OCI title annotation, or else the last element of
// the repository in ref, for progress lines.
func Title(img v1.Image, ref string) string {
	if m, err := img.Manifest(); err == nil {
		if t := m.Annotations[titleAnnotation]; t != "" {
			return t
		}
	}
	repo, _, _ := strings.Cut(ref, "@")
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	return repo[strings.LastIndex(repo, "/")+1:]
}

// Build packs a module into an image.
func Build(module []byte, opts Options) (v1.Image, error) {
	if !bytes.HasPrefix(module, wasmMagic) {
		return nil, errors.New("not a wasm module (no \\0asm header)")
	}
	if opts.Artifact {
		return buildArtifact(module, opts)
	}
	return buildCompat(module, opts)
}

func buildCompat(module []byte, opts Options) (v1.Image, error) {
	layerTar, err := singleFileTar(FileName, module)
	if err != nil {
		return nil, err
	}
	// go-containerregistry's layers default to Docker media types, and Istio's
	// fetcher takes an OCI manifest's last layer only if it is OCI tar+gzip.
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, fmt.Errorf("making the layer: %w", err)
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.Append(img, mutate.Addendum{
		Layer:     layer,
		MediaType: types.OCILayer,
		History:   v1.History{CreatedBy: "meshwasm image: " + FileName},
	})
	if err != nil {
		return nil, fmt.Errorf("adding the layer: %w", err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading the config: %w", err)
	}
	cfg = cfg.DeepCopy()
	// The platform a standard-Go module is built for (GOOS/GOARCH); Created
	// stays zero so that the digest does not depend on the time.
	cfg.OS, cfg.Architecture = "wasip1", "wasm"
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		return nil, fmt.Errorf("setting the config: %w", err)
	}
	ann := opts.annotations()
	// The wasm-image "compat" spec marks an OCI-typed compat image so.
	ann["module.wasm.image/variant"] = "compat"
	return mutate.Annotations(img, ann).(v1.Image), nil
}

func buildArtifact(module []byte, opts Options) (v1.Image, error) {
	// The spec's runtime config, in the first of the two layers Istio wants.
	runtimeConfig := []byte(`{"type":"envoy_proxy","abiVersions":["proxy_abi_version_0_2_0"]}`)
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	// go-containerregistry keeps the (minimal, empty) config blob of its base
	// as is for a non-image config media type; nothing reads it.
	img = mutate.ConfigMediaType(img, WasmConfigMediaType)
	img, err := mutate.Append(img,
		mutate.Addendum{
			Layer:       static.NewLayer(runtimeConfig, WasmConfigMediaType),
			MediaType:   WasmConfigMediaType,
			Annotations: map[string]string{titleAnnotation: "runtime-config.json"},
		},
		mutate.Addendum{
			Layer:       static.NewLayer(module, WasmContentMediaType),
			MediaType:   WasmContentMediaType,
			Annotations: map[string]string{titleAnnotation: FileName},
		},
	)
	if err != nil {
		return nil, fmt.Errorf("adding the layers: %w", err)
	}
	return mutate.Annotations(img, opts.annotations()).(v1.Image), nil
}

// singleFileTar returns a tar holding one regular file with no host
// metadata: mode 0644, owner 0:0, the Unix epoch as its time. archive/tar
// writes it; crane.Layer would too, but with mode 0000 and Docker media
// types, and a header built here from constants is what keeps the layer
// reproducible.
func singleFileTar(name string, data []byte) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := &tar.Header{
		Typeflag: tar.TypeReg,
		Name:     name,
		Mode:     0o644,
		Size:     int64(len(data)),
		ModTime:  time.Unix(0, 0),
		Format:   tar.FormatUSTAR,
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return nil, fmt.Errorf("writing the layer's tar header: %w", err)
	}
	if _, err := tw.Write(data); err != nil {
		return nil, fmt.Errorf("writing %s into the layer: %w", name, err)
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("closing the layer's tar: %w", err)
	}
	return buf.Bytes(), nil
}
