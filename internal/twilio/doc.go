// Package twilio is KIN Realtime's edge to Twilio: it verifies webhook
// signatures exactly as Twilio signs them (over the public URL, so it works
// behind a proxy), reads their forms with required-field checks, and
// writes the TwiML the voice and messaging webhooks answer with.
package twilio
