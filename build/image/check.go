package image

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Check reports why Istio's image fetcher would refuse img, so that a bad
// image fails at push time rather than in a sidecar. It holds an image to
// Istio's rules and to one more: no mix of Docker and OCI media types, which
// the wasm image spec forbids and some registries refuse.
//   - artifact variant: an OCI manifest with exactly two layers, the wasm
//     config and the wasm content;
//   - compat variant: every layer tar+gzip of the manifest's family (OCI or
//     Docker v2), the last one holding plugin.wasm.
//
// The module found must start with the wasm magic number.
func Check(img v1.Image) error {
	m, err := img.Manifest()
	if err != nil {
		return fmt.Errorf("reading the manifest: %w", err)
	}
	if len(m.Layers) == 0 {
		return errors.New("image has no layers")
	}
	if m.Config.MediaType == WasmConfigMediaType || m.Layers[len(m.Layers)-1].MediaType == WasmContentMediaType {
		if m.MediaType != types.OCIManifestSchema1 {
			return fmt.Errorf("artifact variant with a %s manifest, want %s", m.MediaType, types.OCIManifestSchema1)
		}
		if len(m.Layers) != 2 || m.Layers[0].MediaType != WasmConfigMediaType || m.Layers[1].MediaType != WasmContentMediaType {
			return fmt.Errorf("artifact variant with layers %v, want exactly [%s %s]", layerTypes(m), WasmConfigMediaType, WasmContentMediaType)
		}
	} else {
		var wantConfig, wantLayer types.MediaType
		switch m.MediaType {
		case types.OCIManifestSchema1:
			wantConfig, wantLayer = types.OCIConfigJSON, types.OCILayer
		case types.DockerManifestSchema2:
			wantConfig, wantLayer = types.DockerConfigJSON, types.DockerLayer
		default:
			return fmt.Errorf("manifest media type %q, want %s or %s", m.MediaType, types.OCIManifestSchema1, types.DockerManifestSchema2)
		}
		if m.Config.MediaType != wantConfig {
			return fmt.Errorf("%s manifest with a %s config, want %s", m.MediaType, m.Config.MediaType, wantConfig)
		}
		for i, l := range m.Layers {
			if l.MediaType != wantLayer {
				return fmt.Errorf("%s manifest with layer %d of type %s, want %s", m.MediaType, i, l.MediaType, wantLayer)
			}
		}
	}
	module, err := Extract(img)
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(module, wasmMagic) {
		return fmt.Errorf("%s is not a wasm module", FileName)
	}
	return nil
}

var wasmMagic = []byte("\x00asm")

func layerTypes(m *v1.Manifest) []types.MediaType {
	var mts []types.MediaType
	for _, l := range m.Layers {
		mts = append(mts, l.MediaType)
	}
	return mts
}

// Extract returns the module an image carries, read the way Istio's fetcher
// reads it: the wasm content layer of an artifact image, otherwise the file
// named plugin.wasm in the last (tar+gzip) layer.
func Extract(img v1.Image) ([]byte, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("reading the layers: %w", err)
	}
	if len(layers) == 0 {
		return nil, errors.New("image has no layers")
	}
	for _, l := range layers {
		mt, err := l.MediaType()
		if err != nil {
			return nil, fmt.Errorf("reading a layer's media type: %w", err)
		}
		if mt == WasmContentMediaType {
			// Stored as is: the blob is the raw module.
			return readAll(l.Compressed())
		}
	}
	rc, err := layers[len(layers)-1].Compressed()
	if err != nil {
		return nil, fmt.Errorf("reading the last layer: %w", err)
	}
	defer rc.Close()
	gz, err := gzip.NewReader(rc)
	if err != nil {
		return nil, fmt.Errorf("last layer is not gzip: %w", err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, fmt.Errorf("%s not found in the last layer", FileName)
		}
		if err != nil {
			return nil, fmt.Errorf("reading the last layer's tar: %w", err)
		}
		if path.Base(h.Name) == FileName {
			b, err := io.ReadAll(tr)
			if err != nil {
				return nil, fmt.Errorf("reading %s from the last layer: %w", FileName, err)
			}
			return b, nil
		}
	}
}

func readAll(rc io.ReadCloser, err error) ([]byte, error) {
	if err != nil {
		return nil, fmt.Errorf("reading the wasm layer: %w", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("reading the wasm layer: %w", err)
	}
	return b, nil
}
