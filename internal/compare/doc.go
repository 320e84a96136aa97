// Package compare sets vnetdoctor's computed effective routes and security rules of a NIC
// beside Azure's own answer for it (cli.md Contract 0.2 "compare"): rows Azure lists that
// vnetdoctor does not (missing), rows vnetdoctor lists that Azure does not (extra), and a
// fidelity figure over all of them.
//
// Both sides go through one normaliser, fed the shapes `az network nic show-effective-route-table`
// and `az network nic list-effective-nsg` print (vnetdoctor's own tables are rendered to those
// shapes first), so a difference is never an artefact of spelling: prefixes are compared as
// prefixes, "*" as "0.0.0.0/0" and "0-65535", tag expansions as address sets, a route row
// holding several prefixes as one row per prefix (../shared/spec/collect.md §6).
package compare
