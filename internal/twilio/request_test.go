package twilio

import (
	"encoding/xml"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

const (
	token  = "twilio-auth-token-for-tests"
	public = "https://cc.example.com"
)

func voiceForm() url.Values {
	return url.Values{
		"AccountSid": {"AC123"}, "ApiVersion": {"2010-04-01"}, "CallSid": {"CA1"},
		"From": {"+15551230000"}, "To": {"+15550001111"}, "CallStatus": {"ringing"}, "Direction": {"inbound"},
		"CallerName": {"Ann Example"},
	}
}

func request(path string, form url.Values, sig string) *http.Request {
	// The service sees an internal address; Twilio signed the public URL.
	r := httptest.NewRequest(http.MethodPost, "http://10.0.0.7:8080"+path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if sig != "" {
		r.Header.Set("X-Twilio-Signature", sig)
	}
	return r
}

func TestVerifierRead(t *testing.T) {
	t.Parallel()
	v, err := NewVerifier(token, public+"/")
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/webhooks/twilio/recording?kind=voicemail"
	form := voiceForm()
	good := Sign(token, public+path, form)
	tampered := voiceForm()
	tampered.Set("From", "+15559999999")
	tests := []struct {
		name string
		req  *http.Request
		want error
	}{
		{"valid, behind a proxy", request(path, form, good), nil},
		{"missing signature", request(path, form, ""), ErrSignature},
		{"tampered parameter", request(path, tampered, good), ErrSignature},
		{"query string dropped", request("/api/webhooks/twilio/recording", form, good), ErrSignature},
		{"signed over http", request(path, form, Sign(token, "http://cc.example.com"+path, form)), ErrSignature},
		{"other token", request(path, form, Sign("another", public+path, form)), ErrSignature},
		{"explicit default port", request(path, form, Sign(token, "https://cc.example.com:443"+path, form)), nil},
		{"too large", request(path, url.Values{"Body": {strings.Repeat("x", MaxBody)}}, good), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := v.Read(httptest.NewRecorder(), tt.req)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Read: %v, want %v", err, tt.want)
			}
			if tt.want == nil && (f.Get("CallSid") != "CA1" || f.Get("kind") != "") {
				t.Errorf("form %v (query parameters must stay out of it)", f)
			}
		})
	}
	if _, err := NewVerifier("", public); err == nil {
		t.Error("NewVerifier accepted an empty auth token")
	}
}

func TestFormRequire(t *testing.T) {
	t.Parallel()
	f := Form(voiceForm())
	if err := f.Require("CallSid", "From"); err != nil {
		t.Fatalf("Require: %v", err)
	}
	err := f.Require("CallSid", "RecordingSid", "RecordingUrl")
	var missing *MissingError
	if !errors.As(err, &missing) || strings.Join(missing.Fields, ",") != "RecordingSid,RecordingUrl" {
		t.Fatalf("Require = %v", err)
	}
	if !strings.Contains(err.Error(), "RecordingSid, RecordingUrl") {
		t.Errorf("message %q does not name the fields", err)
	}
}

// twimlDoc is enough of TwiML to check the flows; attribute order varies
// between runs of twilio-go's writer, so tests parse instead of comparing
// strings.
type twimlDoc struct {
	XMLName xml.Name `xml:"Response"`
	Verbs   []struct {
		XMLName xml.Name
		Attrs   []xml.Attr `xml:",any,attr"`
		Text    string     `xml:",chardata"`
		Inner   []struct {
			XMLName xml.Name
			Text    string `xml:",chardata"`
		} `xml:",any"`
	} `xml:",any"`
}

func parseTwiML(t *testing.T, s string, err error) twimlDoc {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	var d twimlDoc
	if err := xml.Unmarshal([]byte(s), &d); err != nil {
		t.Fatalf("TwiML does not parse: %v\n%s", err, s)
	}
	return d
}

func attr(attrs []xml.Attr, name string) string {
	for _, a := range attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func TestTwiML(t *testing.T) {
	t.Parallel()
	vmXML, err := VoicemailFlow(public, "Leave a message.")
	vm := parseTwiML(t, vmXML, err)
	var names []string
	for _, v := range vm.Verbs {
		names = append(names, v.XMLName.Local)
	}
	if strings.Join(names, ",") != "Say,Record,Say,Hangup" {
		t.Fatalf("voicemail verbs %v", names)
	}
	rec := vm.Verbs[1].Attrs
	if attr(rec, "action") != public+"/api/webhooks/twilio/voice?step=vm-done" ||
		attr(rec, "recordingStatusCallback") != public+"/api/webhooks/twilio/recording?kind=voicemail" ||
		attr(rec, "recordingStatusCallbackEvent") != "completed absent" || attr(rec, "maxLength") != "120" {
		t.Errorf("Record attributes %v", rec)
	}
	if vm.Verbs[0].Text != "Leave a message." {
		t.Errorf("greeting %q", vm.Verbs[0].Text)
	}

	enqXML, err := EnqueueFlow("WW123", `{"department":"sales"}`)
	enq := parseTwiML(t, enqXML, err)
	if len(enq.Verbs) != 1 || enq.Verbs[0].XMLName.Local != "Enqueue" || attr(enq.Verbs[0].Attrs, "workflowSid") != "WW123" ||
		len(enq.Verbs[0].Inner) != 1 || enq.Verbs[0].Inner[0].XMLName.Local != "Task" || enq.Verbs[0].Inner[0].Text != `{"department":"sales"}` {
		t.Errorf("enqueue %+v", enq)
	}

	hangXML, err := Hangup()
	hang := parseTwiML(t, hangXML, err)
	if len(hang.Verbs) != 1 || hang.Verbs[0].XMLName.Local != "Hangup" {
		t.Errorf("hangup %+v", hang)
	}
	emptyXML, err := EmptyMessaging()
	empty := parseTwiML(t, emptyXML, err)
	if len(empty.Verbs) != 0 {
		t.Errorf("messaging answer not empty: %+v", empty)
	}
}

func FuzzVerifierRead(f *testing.F) {
	v, _ := NewVerifier(token, public)
	form := voiceForm()
	f.Add(form.Encode(), Sign(token, public+"/api/webhooks/twilio/voice", form))
	f.Add("%zz=1&a", "x")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, body, sig string) {
		r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1/api/webhooks/twilio/voice", strings.NewReader(body))
		r.Header.Set("X-Twilio-Signature", sig)
		if _, err := v.Read(httptest.NewRecorder(), r); err == nil && sig != Sign(token, public+"/api/webhooks/twilio/voice", mustParse(body)) {
			t.Fatalf("accepted a body with a signature that does not match")
		}
	})
}

func mustParse(body string) url.Values {
	v, _ := url.ParseQuery(body)
	return v
}
