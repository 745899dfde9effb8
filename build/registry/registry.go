// Package registry pushes images to and pulls them from an OCI registry. It
// is apart from build/image, which builds and checks images offline, so that
// what `make` runs (build, image, manifest) links none of the HTTP, TLS and
// credential code a registry client needs.
package registry

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/meshwasm/meshwasm/build/image"
)

// Push writes img to ref (REGISTRY/REPO:TAG) and returns the pushed
// reference pinned to its digest. Credentials come from the Docker
// configuration (~/.docker/config.json, DOCKER_CONFIG, credential helpers),
// as `docker login` leaves them; insecure speaks plain HTTP, for local and
// test registries. An image Istio would refuse is not pushed.
func Push(ctx context.Context, img v1.Image, ref string, insecure bool) (name.Digest, error) {
	tag, err := name.NewTag(ref, nameOptions(insecure)...)
	if err != nil {
		return name.Digest{}, fmt.Errorf("image reference %q: %w", ref, err)
	}
	if err := image.Check(img); err != nil {
		return name.Digest{}, fmt.Errorf("not pushing %s: %w", tag, err)
	}
	digest, err := img.Digest()
	if err != nil {
		return name.Digest{}, fmt.Errorf("computing the image digest: %w", err)
	}
	if err := remote.Write(tag, img, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)); err != nil {
		return name.Digest{}, fmt.Errorf("pushing %s: %w", tag, err)
	}
	return tag.Context().Digest(digest.String()), nil
}

// Pull reads an image from a registry, with the same credentials as Push.
func Pull(ctx context.Context, ref string, insecure bool) (v1.Image, error) {
	r, err := name.ParseReference(ref, nameOptions(insecure)...)
	if err != nil {
		return nil, fmt.Errorf("image reference %q: %w", ref, err)
	}
	img, err := remote.Image(r, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain))
	if err != nil {
		return nil, fmt.Errorf("pulling %s: %w", r, err)
	}
	return img, nil
}

func nameOptions(insecure bool) []name.Option {
	if insecure {
		return []name.Option{name.Insecure}
	}
	return nil
}
