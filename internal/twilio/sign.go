package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"sort"
)

// Sign computes the X-Twilio-Signature of a form POST to fullURL as Twilio
// does: HMAC-SHA1, keyed with the auth token, over the URL followed by each
// parameter's name and value in name order, base64-encoded. The simulator
// signs its traffic with it. The tests check what it signs with twilio-go's
// own validator, and the Verifier against that validator, so that no two of
// them can drift apart unnoticed.
func Sign(authToken, fullURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	data := []byte(fullURL)
	for _, k := range keys {
		data = append(data, k...)
		data = append(data, form.Get(k)...)
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write(data)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
