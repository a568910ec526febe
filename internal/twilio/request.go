package twilio

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"

	twclient "github.com/twilio/twilio-go/client"
)

// MaxBody is the largest webhook body accepted. Twilio's forms are a few
// kilobytes; an SMS with ten media URLs stays far below.
const MaxBody = 64 << 10

// Errors of Verifier.Read, with the HTTP status each maps to.
var (
	// ErrSignature: the X-Twilio-Signature header is missing or wrong (403).
	ErrSignature = errors.New("twilio: invalid or missing signature")
	// ErrTooLarge: the body exceeds MaxBody (413).
	ErrTooLarge = errors.New("twilio: body too large")
	// ErrBadForm: the body is not a form (400).
	ErrBadForm = errors.New("twilio: body is not a form")
)

// Verifier checks that webhook requests come from Twilio.
type Verifier struct {
	validator twclient.RequestValidator
	publicURL string
}

// NewVerifier returns a Verifier for the account's auth token. publicURL is
// the scheme and host Twilio calls (KIN_PUBLIC_URL), without a trailing
// slash: the signature covers the URL Twilio requested, not the one a
// proxy forwarded.
func NewVerifier(authToken, publicURL string) (*Verifier, error) {
	if authToken == "" {
		return nil, errors.New("twilio: TWILIO_AUTH_TOKEN is required")
	}
	return &Verifier{validator: twclient.NewRequestValidator(authToken), publicURL: strings.TrimRight(publicURL, "/")}, nil
}

// Read reads r's body (at most MaxBody bytes), verifies its signature over
// the public URL, and returns the form it carries (query parameters, which
// the signature covers through the URL, are not merged in). Twilio's
// parameters are single-valued; a repeated key keeps its first value, as
// twilio-go's validator does.
func (v *Verifier) Read(w http.ResponseWriter, r *http.Request) (Form, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, ErrTooLarge
		}
		return nil, fmt.Errorf("%w: %v", ErrBadForm, err)
	}
	sig := r.Header.Get("X-Twilio-Signature")
	if sig == "" || !v.validator.ValidateBody(v.publicURL+r.URL.RequestURI(), body, sig) {
		return nil, ErrSignature
	}
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadForm, err)
	}
	return Form(values), nil
}

// Form is a webhook's parameters.
type Form url.Values

// Get returns the first value of key.
func (f Form) Get(key string) string { return url.Values(f).Get(key) }

// MissingError names the required parameters a webhook lacks.
type MissingError struct{ Fields []string }

func (e *MissingError) Error() string {
	return "missing required parameters: " + strings.Join(e.Fields, ", ")
}

// Require returns a *MissingError naming every key that is absent or
// empty, or nil.
func (f Form) Require(keys ...string) error {
	var missing []string
	for _, k := range keys {
		if f.Get(k) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	return &MissingError{Fields: missing}
}
