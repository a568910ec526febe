package simulate

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kin-comms/kinrt/internal/twilio"
)

func TestDefaultPublicURL(t *testing.T) {
	for target, want := range map[string]string{
		"http://127.0.0.1:3000":       "http://localhost:3000",
		"http://127.0.0.1:3000/":      "http://localhost:3000",
		"http://[::1]:8080":           "http://localhost:8080",
		"http://127.0.0.1":            "http://localhost",
		"http://localhost:3000":       "http://localhost:3000",
		"https://cc.example.com":      "https://cc.example.com",
		"http://10.0.0.5:3000":        "http://10.0.0.5:3000",
		"http://127.0.0.1.nip.io:300": "http://127.0.0.1.nip.io:300",
	} {
		if got := DefaultPublicURL(target); got != want {
			t.Errorf("DefaultPublicURL(%q) = %q, want %q", target, got, want)
		}
	}
}

// TestSignatureError: a 403 becomes a SignatureError with the URL signed
// and the service's explanation; other refusals stay plain errors.
func TestSignatureError(t *testing.T) {
	status := http.StatusForbidden
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"error":"invalid Twilio signature: verified against https://cc.example.com` + r.URL.Path + `"}`))
	}))
	defer ts.Close()
	sim, err := New(Config{Target: ts.URL, AuthToken: "tok", Numbers: map[string]string{"sales": "+15550001111"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sim.PublicURL(), "http://localhost:") {
		t.Fatalf("a loopback target signs for %s, want http://localhost:PORT", sim.PublicURL())
	}
	err = sim.Sequence(context.Background())
	var se *SignatureError
	if !errors.As(err, &se) || !strings.HasPrefix(se.SignedURL, sim.PublicURL()+"/api/webhooks/") ||
		!strings.Contains(se.Service, "verified against https://cc.example.com/api/webhooks/") {
		t.Fatalf("403: %v, want a SignatureError", err)
	}
	if msg := err.Error(); !strings.Contains(msg, se.SignedURL) || !strings.Contains(msg, se.Service) || strings.Contains(msg, "tok\"") {
		t.Errorf("the error says %q", msg)
	}
	status = http.StatusInternalServerError
	if err := sim.Sequence(context.Background()); err == nil || errors.As(err, &se) {
		t.Errorf("500: %v, want a plain error", err)
	}
}

// TestLoopbackPublicURLGuess: aimed at a loopback service without a public
// URL, the simulator's webhooks are accepted whether the service's public
// URL is http://localhost:PORT (its default) or its 127.0.0.1 address (its
// default when it listens on 127.0.0.1 alone).
func TestLoopbackPublicURLGuess(t *testing.T) {
	for _, localhost := range []bool{true, false} {
		var v *twilio.Verifier
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := v.Read(w, r); err != nil {
				w.WriteHeader(http.StatusForbidden)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}))
		public := ts.URL
		if localhost {
			public = DefaultPublicURL(ts.URL)
		}
		v, _ = twilio.NewVerifier("tok", public)
		sim, err := New(Config{Target: ts.URL, AuthToken: "tok", Numbers: map[string]string{"sales": "+15550001111"}})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 5; i++ {
			if err := sim.Sequence(context.Background()); err != nil {
				t.Fatalf("service's public URL %s: sequence %d: %v", public, i, err)
			}
		}
		if sim.PublicURL() != public {
			t.Errorf("service's public URL %s: the simulator signs for %s", public, sim.PublicURL())
		}
		ts.Close()
	}
}
