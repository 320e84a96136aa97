// Package synth writes Azure network estates as ARM resource JSON: the bundled hub-and-spoke
// example (examples/hub-spoke) and deterministic synthetic estates of any size for benchmarks.
package synth
