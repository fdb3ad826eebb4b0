// Command static is the yardstick for bench/run.sh: a plain net/http
// handler that serves one fixed page, fetched once from a URL of the
// running store so that both serve the same number of bytes.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18090", "listen address")
	from := flag.String("copy-from", "", "URL whose body is served")
	flag.Parse()
	if *from == "" {
		fmt.Fprintln(os.Stderr, "static: --copy-from is required")
		os.Exit(2)
	}
	res, err := http.Get(*from)
	if err != nil {
		log.Fatalf("static: fetch %s: %v", *from, err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		log.Fatalf("static: fetch %s: status %d, %v", *from, res.StatusCode, err)
	}
	ctype := res.Header.Get("Content-Type")
	log.Printf("static: serving %d bytes of %s on %s", len(body), ctype, *addr)
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctype)
		w.Write(body)
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}
