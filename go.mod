module github.com/vnetdoctor/vnetdoctor

go 1.26.8

require (
	github.com/gaissmai/bart v0.30.0
	github.com/google/go-cmp v0.7.0
)
