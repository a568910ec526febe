package twilio

import (
	"sync"

	"github.com/twilio/twilio-go/twiml"
)

// VoicemailFlow answers an inbound call with a greeting and a recording
// whose status callback reaches our recording webhook. The Record action
// must be set (its default, the current URL, would loop); it points at
// the voice webhook with step=vm-done, answered by Hangup.
func VoicemailFlow(publicURL, greeting string) (string, error) {
	return twiml.Voice([]twiml.Element{
		twiml.VoiceSay{Message: greeting},
		twiml.VoiceRecord{
			Action:                       publicURL + "/api/webhooks/twilio/voice?step=vm-done",
			MaxLength:                    "120",
			Timeout:                      "5",
			FinishOnKey:                  "#",
			PlayBeep:                     "true",
			RecordingStatusCallback:      publicURL + "/api/webhooks/twilio/recording?kind=voicemail",
			RecordingStatusCallbackEvent: "completed absent",
		},
		twiml.VoiceSay{Message: "No message recorded. Goodbye."},
		twiml.VoiceHangup{},
	})
}

// EnqueueFlow hands an inbound call to a TaskRouter workflow, with the
// task attributes given as JSON.
func EnqueueFlow(workflowSID, attributesJSON string) (string, error) {
	return twiml.Voice([]twiml.Element{
		twiml.VoiceEnqueue{
			WorkflowSid:   workflowSID,
			InnerElements: []twiml.Element{twiml.VoiceTask{Body: attributesJSON}},
		},
	})
}

// Hangup ends a call.
func Hangup() (string, error) {
	return twiml.Voice([]twiml.Element{twiml.VoiceHangup{}})
}

// EmptyMessaging is the answer to an incoming message that sends nothing
// back. It is the same for every message: made once (serializing it
// anew was ~7 KB of garbage per SMS webhook).
func EmptyMessaging() (string, error) { return emptyMessaging() }

var emptyMessaging = sync.OnceValues(func() (string, error) { return twiml.Messages(nil) })
