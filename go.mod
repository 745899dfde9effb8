// The root module holds the meshwasm command only (cmd/meshwasm), so that
// `go run github.com/meshwasm/meshwasm/cmd/meshwasm@<version>` works; every
// other directory is its own module. No replace directive here: `go run
// pkg@version` refuses a module that has one. Inside the repository go.work
// supplies ./build; a release requires a tagged build/vX.Y.Z (CONTRIBUTING).
module github.com/meshwasm/meshwasm

go 1.26

require (
	github.com/meshwasm/meshwasm/build v0.0.0-00010101000000-000000000000
	github.com/stretchr/testify v1.10.0
)

require (
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/docker/cli v29.7.2+incompatible // indirect
	github.com/docker/docker-credential-helpers v0.9.3 // indirect
	github.com/google/go-containerregistry v0.22.1 // indirect
	github.com/klauspost/compress v1.19.2 // indirect
	github.com/opencontainers/go-digest v1.0.0 // indirect
	github.com/opencontainers/image-spec v1.1.1 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	github.com/sirupsen/logrus v1.9.4 // indirect
	github.com/tetratelabs/wazero v1.12.0 // indirect
	go.yaml.in/yaml/v2 v2.4.2 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
	sigs.k8s.io/yaml v1.6.0 // indirect
)
