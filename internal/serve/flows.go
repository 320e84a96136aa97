package serve

// Flows is the flow database's questions as the server asks them (cli.md "flows"): explain and
// report, each answering the CLI's JSON document for the same flags. The implementation lives
// with the CLI (cmd/vnetdoctor), so the cgo DuckDB store stays out of this package.
type Flows interface{}
