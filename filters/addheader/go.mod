module github.com/meshwasm/meshwasm/filters/addheader

go 1.26
