package main

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/vnetdoctor/vnetdoctor/internal/check"
	"github.com/vnetdoctor/vnetdoctor/internal/render"
)

// sarifOptions locates the findings' resources in the snapshot files for SARIF's
// physicalLocation (cli.md "check"): the file relative to the working directory and the line
// where the resource's object starts. Standard input cannot be read again, so its resources
// keep logical locations only; a finding with no located resource points at the first file.
func sarifOptions(sources []string, fs []check.Finding) render.SARIFOptions {
	want := map[string]bool{}
	for _, f := range fs {
		for _, r := range f.Resources {
			want[strings.ToLower(r)] = true
		}
	}
	found := map[string]render.Location{}
	var opts render.SARIFOptions
	for _, src := range sources {
		if src == "-" {
			continue
		}
		uri := relativeURI(src)
		if opts.Fallback.URI == "" {
			opts.Fallback = render.Location{URI: uri, Line: 1}
		}
		if len(found) == len(want) {
			continue
		}
		data, err := os.ReadFile(src)
		if err != nil {
			continue
		}
		for id, line := range objectLines(data, want) {
			if _, ok := found[id]; !ok {
				found[id] = render.Location{URI: uri, Line: line}
			}
		}
	}
	opts.Locate = func(id string) (render.Location, bool) {
		l, ok := found[strings.ToLower(id)]
		return l, ok
	}
	return opts
}

// relativeURI is path relative to the working directory, with forward slashes.
func relativeURI(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		if wd, err := os.Getwd(); err == nil {
			if rel, err := filepath.Rel(wd, abs); err == nil {
				path = rel
			}
		}
	}
	return filepath.ToSlash(path)
}

// objectLines scans JSON text for objects that define a wanted resource: an object with an
// "id" member whose value (case-folded) is wanted and a "name", "type" or "properties" member
// (a bare reference {"id": ...} defines nothing). It returns the line of each such object's
// opening brace, the first definition of an ID winning. Malformed text ends the scan early.
func objectLines(data []byte, want map[string]bool) map[string]int {
	type frame struct {
		object, key bool // in an object; the next string is a key
		line        int
		id          string
		defines     bool
		member      string
	}
	out := map[string]int{}
	var stack []frame
	line := 1
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '\n':
			line++
		case '{', '[':
			if n := len(stack); n > 0 && stack[n-1].object {
				stack[n-1].member = ""
			}
			stack = append(stack, frame{object: c == '{', key: c == '{', line: line})
		case '}', ']':
			if len(stack) == 0 {
				return out
			}
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if f.object && f.defines && f.id != "" {
				if _, ok := out[f.id]; !ok {
					out[f.id] = f.line
				}
			}
		case ',':
			if n := len(stack); n > 0 && stack[n-1].object {
				stack[n-1].key = true
			}
		case '"':
			j := i + 1
			for ; j < len(data) && data[j] != '"'; j++ {
				if data[j] == '\\' {
					j++
				}
			}
			if j >= len(data) {
				return out
			}
			s := string(data[i+1 : j])
			i = j
			n := len(stack)
			if n == 0 || !stack[n-1].object {
				continue
			}
			f := &stack[n-1]
			if f.key {
				f.key, f.member = false, strings.ToLower(s)
				if f.member == "name" || f.member == "type" || f.member == "properties" {
					f.defines = true
				}
				continue
			}
			if f.member == "id" && want[strings.ToLower(s)] {
				f.id = strings.ToLower(s)
			}
			f.member = ""
		}
	}
	return out
}
