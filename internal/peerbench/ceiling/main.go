package main

import (
	"flag"
	"log"
	"net/http"
	"os"
	"strconv"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	tile := flag.String("tile", "", "file whose bytes every response carries")
	flag.Parse()
	body, err := os.ReadFile(*tile)
	if err != nil {
		log.Fatalf("ceiling: %v", err)
	}
	size := strconv.Itoa(len(body))
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/vnd.mapbox-vector-tile")
		h.Set("Content-Length", size)
		_, _ = w.Write(body)
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}
