// Package jsondoc parses JSON documents into trees whose values keep the JSON path that
// leads to them, so a decoder can name the exact place of every bad value.
package jsondoc
