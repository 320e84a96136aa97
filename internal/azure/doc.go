// Package azure reads snapshots of Azure networks (ARM, Resource Graph, az CLI, REST API
// examples, service tags files) into wire types that mirror Azure's JSON.
//
// Decoding is one pass of a small JSON parser (package jsondoc) into a tree whose object keys
// are lower-cased once, so property names match case-insensitively (cli.md), followed by one
// decoder per resource type that visits an object's members and its "properties" bag alike:
// that single rule reads ARM (bag), Resource Graph (bag, lower-case types) and az CLI
// (flattened) output with the same code. Scalars are validated while decoding (prefixes,
// IPs, ports, numbers, enumerations), so every bad value is an *InputError that names the
// file and the JSON path, e.g. `vnets.json: $[3].properties.subnets[0].properties.addressPrefix:
// invalid prefix "10.0.0.300/16"`.
//
// Shapes (file.go): a resource object or array; {"value": [...]}; {"data": [...]}; wrappers
// whose members are all objects ({"newVNet": {...}}); REST API examples
// ({"parameters", "responses": {"200": {"body": ...}}}, the 200 body or else the first 2xx
// body); service tags files ({"values", "cloud"|"changeNumber"}) and the discovery API answer.
// An object is a resource when its "type" looks like one or, without a type, when it has an
// ID under /providers/ and a name or properties (the type then comes from the ID). Types
// vnetdoctor does not read are counted in Snapshot.Unknown; objects that are no resource at
// all (Network Watcher outputs) are counted under NotAResource, and a file holding only
// such objects gets an Ignored note.
//
// Decision: an ARM deployment template ($schema ...deploymentTemplate or
// ...deploymentParameters, or contentVersion + resources) is an error, not a warning: its
// resources hold expressions, not deployed state, and reading them would answer questions
// about a network that may not exist. With --skip-invalid it is skipped like any bad file.
//
// Files (load.go, walk.go, read.go): -s names files, directories (read recursively: *.json,
// symlinks followed, each directory once, hidden entries such as .git and .terraform left out)
// and "-", standard input, which may hold several concatenated JSON values or JSON lines. Only
// regular files are read (a FIFO or a device is bad input, never a wait), each at most
// Options.MaxFileSize bytes. Text must be UTF-8 (or UTF-16 with a byte order mark). A snapshot
// with no network resource at all is an error that says what its files look like (looks.go):
// a Terraform plan, a Network Watcher answer, an ARM template (comments and all), a Bicep file.
//
// Secrets (a connection's sharedKey) are never decoded into wire objects, and an error that
// quotes a value redacts what looks like one (jsondoc.Clip).
package azure
