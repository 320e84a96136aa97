package serve

import (
	"embed"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

// ui is the web UI: plain HTML, CSS and JavaScript, no build step (ui/README.md).
//
//go:embed ui
var ui embed.FS

// static maps each URL path the UI may fetch to its embedded file; nothing else is served, so no
// request path can reach the disk or another embedded file.
var static = func() map[string]string {
	m := map[string]string{"/": "ui/index.html"}
	fs.WalkDir(ui, "ui", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".md") {
			m["/"+strings.TrimPrefix(p, "ui/")] = p
		}
		return nil
	})
	return m
}()

// serveStatic serves one file of the UI by exact path; anything else is 404.
func serveStatic(w http.ResponseWriter, r *http.Request) {
	name, ok := static[r.URL.Path]
	if !ok || strings.Contains(r.URL.RawPath, "%") {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	b, err := ui.ReadFile(name)
	if err != nil {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}
