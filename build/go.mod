module github.com/meshwasm/meshwasm/build

go 1.26

require github.com/stretchr/testify v1.9.0 // indirect
