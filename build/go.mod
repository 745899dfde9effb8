module github.com/meshwasm/meshwasm/build

go 1.26
