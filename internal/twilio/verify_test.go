package twilio

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"testing"

	twclient "github.com/twilio/twilio-go/client"
)

// twilioGo is the reference: twilio-go's own validator.
func twilioGo(rawURL, body, sig string) bool {
	rv := twclient.NewRequestValidator(token)
	return rv.ValidateBody(rawURL, []byte(body), sig)
}

// ours is the Verifier's answer for the same request.
func ours(t testing.TB, rawURL, body, sig string) bool {
	v, err := NewVerifier(token, public)
	if err != nil {
		t.Fatal(err)
	}
	_, ok := v.validate(rawURL, []byte(body), sig)
	return ok
}

// withBodySHA returns rawURL with the bodySHA256 of body in its query.
func withBodySHA(rawURL, body string) string {
	sum := sha256.Sum256([]byte(body))
	sep := "?"
	if u, _ := url.Parse(rawURL); u != nil && u.RawQuery != "" {
		sep = "&"
	}
	return rawURL + sep + "bodySHA256=" + hex.EncodeToString(sum[:])
}

// The Verifier accepts and refuses what twilio-go's validator does, and
// each case's answer is the one Twilio's scheme gives.
func TestVerifierMatchesTwilioGo(t *testing.T) {
	form := voiceForm()
	body := form.Encode()
	repeated := "b=2&a=first&a=second"
	jsonBody := `{"event":"x"}`
	bodyURL := withBodySHA(public+"/api/webhooks/twilio/events", jsonBody)
	const voice = public + "/api/webhooks/twilio/voice"
	const local = "http://127.0.0.1:29002/api/webhooks/twilio/sms?kind=voicemail"
	tests := []struct {
		name, url, body, sig string
		want                 bool
	}{
		{"signed as requested", voice, body, Sign(token, voice, form), true},
		{"signed with the default port", voice, body, Sign(token, "https://cc.example.com:443/api/webhooks/twilio/voice", form), true},
		{"signed on http's default port", "http://cc.example.com/x", body, Sign(token, "http://cc.example.com:80/x", form), true},
		{"other port than signed", voice, body, Sign(token, "https://cc.example.com:8443/api/webhooks/twilio/voice", form), false},
		{"request with a port, signed without", local, body, Sign(token, "http://127.0.0.1/api/webhooks/twilio/sms?kind=voicemail", form), true},
		{"request with a port, signed with it", local, body, Sign(token, local, form), true},
		{"query left out of the signature", local, body, Sign(token, "http://127.0.0.1:29002/api/webhooks/twilio/sms", form), false},
		{"tampered parameter", voice, body + "x", Sign(token, voice, form), false},
		{"other token", voice, body, Sign("another", voice, form), false},
		{"http for https", voice, body, Sign(token, "http://cc.example.com/api/webhooks/twilio/voice", form), false},
		{"repeated key: first value", public + "/r", repeated, Sign(token, public+"/r", url.Values{"a": {"first"}, "b": {"2"}}), true},
		{"repeated key: second value", public + "/r", repeated, Sign(token, public+"/r", url.Values{"a": {"second"}, "b": {"2"}}), false},
		{"empty body", voice, "", Sign(token, voice, nil), true},
		{"not a form", voice, "%zz=1", Sign(token, voice, nil), false},
		{"bodySHA256: url signed, body matches", bodyURL, jsonBody, Sign(token, bodyURL, nil), true},
		{"bodySHA256: body tampered", bodyURL, jsonBody + " ", Sign(token, bodyURL, nil), false},
		{"bodySHA256: parameters appended", bodyURL, jsonBody, Sign(token, bodyURL, url.Values{"event": {"x"}}), false},
		{"unparsable url", "http://[::1", body, Sign(token, "http://[::1", form), false},
		{"empty signature", voice, body, "", false},
		{"signature padded", voice, body, Sign(token, voice, form) + "=", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := twilioGo(tt.url, tt.body, tt.sig); got != tt.want {
				t.Fatalf("twilio-go: %v, want %v (the case is wrong)", got, tt.want)
			}
			if got := ours(t, tt.url, tt.body, tt.sig); got != tt.want {
				t.Fatalf("Verifier: %v, want %v", got, tt.want)
			}
		})
	}
}

// FuzzVerifierMatchesTwilioGo: for any URL, body and signature, the
// Verifier gives twilio-go's answer. The signature is computed over one of
// the URL's forms so that the fuzzer reaches accepted requests too.
func FuzzVerifierMatchesTwilioGo(f *testing.F) {
	f.Add("https://cc.example.com", "/api/webhooks/twilio/voice", "", voiceForm().Encode(), uint8(0), "")
	f.Add("http://127.0.0.1:29002", "/sms", "kind=voicemail", "a=1&a=2&b=", uint8(2), "")
	f.Add("https://cc.example.com:443", "/e", "x=1", `{"a":1}`, uint8(3), "")
	f.Add("http://[::1]:80", "/%7Euser/a%2Fb", "q=%zz", "%zz=1", uint8(1), "")
	f.Add("https://cc.example.com", "/x", "", "a=b", uint8(4), "c2lnbmF0dXJl")
	f.Fuzz(func(t *testing.T, base, path, query, body string, variant uint8, sig string) {
		rawURL := base + path
		if query != "" {
			rawURL += "?" + query
		}
		signed := rawURL
		form, _ := url.ParseQuery(body)
		switch variant % 5 {
		case 1: // with the default port, as twilio-go tries it
			if u, err := url.Parse(rawURL); err == nil && u.Port() == "" {
				signed = withHost(u, u.Host+":443")
			}
		case 2: // without the port
			if u, err := url.Parse(rawURL); err == nil {
				signed = withHost(u, u.Hostname())
			}
		case 3: // the body stands as its hash in the URL
			rawURL = withBodySHA(rawURL, body)
			signed, form = rawURL, nil
		}
		if variant%5 != 4 {
			sig = Sign(token, signed, form)
		}
		want := twilioGo(rawURL, body, sig)
		if got := ours(t, rawURL, body, sig); got != want {
			t.Fatalf("Verifier %v, twilio-go %v for %q, body %q, signature %q", got, want, rawURL, body, sig)
		}
	})
}

// BenchmarkVerify: twilio-go's validator and the Verifier on a voice
// webhook.
func BenchmarkVerify(b *testing.B) {
	form := voiceForm()
	body := []byte(form.Encode())
	const rawURL = public + "/api/webhooks/twilio/voice"
	sig := Sign(token, rawURL, form)
	b.Run("twilio-go", func(b *testing.B) {
		rv := twclient.NewRequestValidator(token)
		b.ReportAllocs()
		for b.Loop() {
			if !rv.ValidateBody(rawURL, body, sig) {
				b.Fatal("refused")
			}
		}
	})
	b.Run("Verifier", func(b *testing.B) {
		v, _ := NewVerifier(token, public)
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := v.validate(rawURL, body, sig); !ok {
				b.Fatal("refused")
			}
		}
	})
}
