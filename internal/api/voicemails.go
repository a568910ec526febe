package api

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/store"
)

// Voicemail is the JSON form of a voicemail. Twilio's recording URL is
// never given: MediaURL is the service's proxy.
type Voicemail struct {
	ID              string     `json:"id"`
	CallSID         string     `json:"callSid"`
	RecordingSID    string     `json:"recordingSid"`
	From            string     `json:"from"`
	To              string     `json:"to"`
	CallerName      string     `json:"callerName,omitempty"`
	Department      string     `json:"department"`
	Status          string     `json:"status" enum:"new,listened,archived"`
	AssignedTo      *string    `json:"assignedTo"`
	Notes           string     `json:"notes"`
	Transcription   string     `json:"transcription,omitempty"`
	DurationSeconds int        `json:"durationSeconds"`
	CreatedAt       time.Time  `json:"createdAt"`
	UpdatedAt       *time.Time `json:"updatedAt,omitempty"`
	UpdatedBy       string     `json:"updatedBy,omitempty"`
	MediaURL        string     `json:"mediaUrl"`
}

func voicemailJSON(v store.Voicemail) Voicemail {
	return Voicemail{
		ID: v.ID, CallSID: v.CallSID, RecordingSID: v.RecordingSID, From: v.From, To: v.To,
		CallerName: v.CallerName, Department: v.Department, Status: v.Status, AssignedTo: strPtr(v.AssignedTo),
		Notes: v.Notes, Transcription: v.Transcription, DurationSeconds: v.DurationSeconds,
		CreatedAt: v.CreatedAt, UpdatedAt: timePtr(v.UpdatedAt), UpdatedBy: v.UpdatedBy,
		MediaURL: "/api/voicemails/" + url.PathEscape(v.ID) + "/media",
	}
}

// Field limits of PATCH /api/voicemails/{id}.
const (
	maxNotes    = 10000 // runes
	maxAssignee = 200   // bytes
)

// listVoicemails serves GET /api/voicemails?status=&assignee=&cursor=&limit=
// (assignee=me is the caller).
func (a *API) listVoicemails(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	cursor, limit, ok := pageParams(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	f := store.VoicemailFilter{Scope: scope(p), Status: q.Get("status"), AssignedTo: q.Get("assignee"), Cursor: cursor, Limit: limit}
	if f.Status != "" && !store.IsVoicemailStatus(f.Status) {
		writeError(w, http.StatusBadRequest, `status: must be "new", "listened" or "archived"`)
		return
	}
	if f.AssignedTo == "me" {
		f.AssignedTo = p.UserID
	}
	page, err := a.st.Voicemails().List(r.Context(), f)
	if err != nil {
		a.storeError(w, r, "voicemails", err)
		return
	}
	writeJSON(w, http.StatusOK, newList(page.Items, page.NextCursor, voicemailJSON))
}

// voicemail returns the voicemail of the path's id if p sees it; else it
// answers (404 outside p's scope, so ids don't leak) and returns false.
func (a *API) voicemail(w http.ResponseWriter, r *http.Request, p auth.Principal) (store.Voicemail, bool) {
	v, err := a.st.Voicemails().Get(r.Context(), r.PathValue("id"))
	if err == nil && !sees(p, v.Department) {
		err = store.ErrNotFound
	}
	if err != nil {
		a.storeError(w, r, "voicemail", err)
		return store.Voicemail{}, false
	}
	return v, true
}

// getVoicemail serves GET /api/voicemails/{id}.
func (a *API) getVoicemail(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if v, ok := a.voicemail(w, r, p); ok {
		writeJSON(w, http.StatusOK, voicemailJSON(v))
	}
}

// VoicemailPatch is the body of PATCH /api/voicemails/{id}: the fields to
// change, at least one. The handler reads it field by field (null and
// absent differ for assignedTo), accepting the fields this type names.
type VoicemailPatch struct {
	Status *string `json:"status,omitempty" enum:"new,listened,archived"`
	// AssignedTo is a user id, "me" for the caller, or null to unassign.
	AssignedTo *string `json:"assignedTo" maxLength:"200"`
	// Notes replace the notes; null clears them.
	Notes *string `json:"notes" maxLength:"10000"`
}

const voicemailPatchShape = `{"status": "new" | "listened" | "archived", "assignedTo": "<userId>" | null, "notes": "…"}`

// patchVoicemail serves PATCH /api/voicemails/{id}: it changes any of
// status, assignedTo (null unassigns) and notes, and publishes
// voicemail_updated if something changed.
func (a *API) patchVoicemail(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	m, ok := readObject(w, r, voicemailPatchShape)
	if !ok || !onlyFields(w, m, jsonFields(VoicemailPatch{})...) {
		return
	}
	if len(m) == 0 {
		writeError(w, http.StatusBadRequest, "nothing to change: body must be "+voicemailPatchShape)
		return
	}
	patch := store.VoicemailPatch{UpdatedBy: p.UserID}
	if s, present, isNull, ok := stringField(w, m, "status"); !ok {
		return
	} else if present {
		if isNull || !store.IsVoicemailStatus(s) {
			writeError(w, http.StatusBadRequest, `status: must be "new", "listened" or "archived"`)
			return
		}
		patch.Status = &s
	}
	if s, present, _, ok := stringField(w, m, "assignedTo"); !ok {
		return
	} else if present {
		// null unassigns (stringField gives "")
		if s != strings.TrimSpace(s) || len(s) > maxAssignee || (s == "" && string(m["assignedTo"]) != "null") || !printable(s) {
			writeError(w, http.StatusBadRequest, "assignedTo: must be a user id or null")
			return
		}
		if s == "me" { // as in ?assignee=me
			s = p.UserID
		}
		patch.AssignedTo = &s
	}
	if s, present, isNull, ok := stringField(w, m, "notes"); !ok {
		return
	} else if present {
		if isNull {
			s = ""
		}
		// PostgreSQL cannot store U+0000 in text.
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) || utf8.RuneCountInString(s) > maxNotes {
			writeError(w, http.StatusBadRequest, "notes: must be text of at most 10000 characters, without NUL")
			return
		}
		patch.Notes = &s
	}

	v, ok := a.voicemail(w, r, p)
	if !ok {
		return
	}
	ch, err := a.st.Voicemails().Update(r.Context(), v.ID, patch)
	if err != nil {
		a.storeError(w, r, "voicemail", err)
		return
	}
	if len(ch.Changed) > 0 {
		nv := ch.Voicemail
		e := &events.VoicemailUpdated{
			VoicemailID: nv.ID, Department: nv.Department, Status: nv.Status, AssignedTo: nv.AssignedTo,
			Notes: nv.Notes, Changed: ch.Changed, UpdatedBy: p.UserID, UpdatedByName: p.Name,
		}
		if ch.Previous.AssignedTo != nv.AssignedTo {
			e.PreviousAssignee = ch.Previous.AssignedTo
		}
		a.publish(r.Context(), e)
	}
	writeJSON(w, http.StatusOK, voicemailJSON(ch.Voicemail))
}

func printable(s string) bool {
	for _, c := range s {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return utf8.ValidString(s)
}

// voicemailMedia serves GET /api/voicemails/{id}/media: the recording as
// MP3, fetched from Twilio with the account's credentials (which the
// browser never sees). A Range header is passed on so players can seek.
func (a *API) voicemailMedia(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	v, ok := a.voicemail(w, r, p)
	if !ok || !a.twilioReady(w) {
		return
	}
	src, err := a.mediaURL(v.RecordingURL)
	if err != nil {
		a.log.ErrorContext(r.Context(), "api: voicemail media", "voicemail", v.ID, "err", err)
		writeError(w, http.StatusBadGateway, "the recording is not available")
		return
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, src, nil)
	if err != nil {
		writeError(w, http.StatusBadGateway, "the recording is not available")
		return
	}
	req.SetBasicAuth(a.cfg.AccountSID, a.cfg.AuthToken)
	if rg := r.Header.Get("Range"); rg != "" {
		req.Header.Set("Range", rg)
	}
	resp, err := a.mediaClient().Do(req)
	if err != nil {
		a.log.WarnContext(r.Context(), "api: voicemail media", "voicemail", v.ID, "err", err)
		writeError(w, http.StatusBadGateway, "could not fetch the recording from Twilio")
		return
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK, http.StatusPartialContent:
	case http.StatusRequestedRangeNotSatisfiable:
		writeError(w, resp.StatusCode, "range not satisfiable")
		return
	default:
		a.log.WarnContext(r.Context(), "api: voicemail media", "voicemail", v.ID, "twilioStatus", resp.StatusCode)
		writeError(w, http.StatusBadGateway, "Twilio did not give the recording (HTTP "+http.StatusText(resp.StatusCode)+")")
		return
	}
	h := w.Header()
	for _, k := range []string{"Content-Type", "Content-Length", "Content-Range", "Accept-Ranges", "ETag", "Last-Modified"} {
		if val := resp.Header.Get(k); val != "" {
			h.Set(k, val)
		}
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "audio/mpeg")
	}
	h.Set("Cache-Control", "private, max-age=300")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// mediaClient follows Twilio's redirects to its media storage, sending
// the credentials only to Twilio's own hosts (or the configured base).
func (a *API) mediaClient() *http.Client {
	return &http.Client{
		Timeout: 2 * time.Minute,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return http.ErrUseLastResponse
			}
			if !a.credentialHost(req.URL) {
				req.Header.Del("Authorization")
			}
			return nil
		},
	}
}

// mediaURL is the MP3 URL of a recording: Twilio's RecordingUrl (which
// must be on a twilio.com host, since it gets the credentials) plus
// ".mp3", moved onto TwilioBaseURL when that is set.
func (a *API) mediaURL(recordingURL string) (string, error) {
	if recordingURL == "" {
		return "", errString("voicemail has no recording URL")
	}
	u, err := url.Parse(recordingURL)
	if err != nil || u.Scheme != "https" || !twilioHost(u.Hostname()) {
		return "", errString("recording URL is not a Twilio https URL")
	}
	if !strings.HasSuffix(u.Path, ".mp3") {
		u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, ".wav"), ".json") + ".mp3"
		u.RawPath = ""
	}
	if a.base != nil {
		u = rebase(a.base, u)
	}
	return u.String(), nil
}

func (a *API) credentialHost(u *url.URL) bool {
	if a.base != nil {
		return u.Host == a.base.Host
	}
	return u.Scheme == "https" && twilioHost(u.Hostname())
}

func twilioHost(h string) bool {
	h = strings.ToLower(h)
	return h == "twilio.com" || strings.HasSuffix(h, ".twilio.com")
}

type errString string

func (e errString) Error() string { return string(e) }
