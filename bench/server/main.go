// Command server is the reference benchmark server on our socketio package
// (see bench/internal/refserver), for bench/load and bench/run.
//
//	server [-addr 127.0.0.1:39002] [-cpuprofile file] [-pprof addr]
//
// With -cpuprofile the CPU profile is written when the server gets SIGINT
// or SIGTERM; -pprof serves net/http/pprof on a second address.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	rpprof "runtime/pprof"
	"syscall"

	"github.com/kin-comms/kinrt/bench/internal/refserver"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:39002", "listen address (port 0 picks one)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file until the server is stopped")
	pprofAddr := flag.String("pprof", "", "serve net/http/pprof on this address")
	flag.Parse()

	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := rpprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer func() {
			rpprof.StopCPUProfile()
			_ = f.Close()
		}()
	}
	if *pprofAddr != "" {
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		go func() { log.Print(http.ListenAndServe(*pprofAddr, mux)) }()
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	io := refserver.New(nil)
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	srv := &http.Server{Handler: mux}
	fmt.Printf("listening on %s (GOMAXPROCS %d)\n", ln.Addr(), runtime.GOMAXPROCS(0))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		log.Print(err)
	}
}
