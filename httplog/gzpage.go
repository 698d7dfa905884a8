//go:build ignore

// gzpage writes page/NAME.gz for each of the page's files: the copies
// go:embed puts in the binary, which keeps gwlogd within its size budget
// on ARM. Run by go generate in httplog; TestPageGzipped fails when a
// copy is stale.
package main

import (
	"bytes"
	"compress/gzip"
	"log"
	"os"
)

func main() {
	for _, name := range []string{"index.html", "app.js", "style.css"} {
		src, err := os.ReadFile("page/" + name)
		if err != nil {
			log.Fatal(err)
		}
		var out bytes.Buffer
		w, _ := gzip.NewWriterLevel(&out, gzip.BestCompression)
		w.Write(src)
		if err := w.Close(); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile("page/"+name+".gz", out.Bytes(), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
