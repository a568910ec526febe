package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	twapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/store"
)

// Conversation is the JSON form of a conversation.
type Conversation struct {
	ID                 string     `json:"id"`
	OurNumber          string     `json:"ourNumber"`
	CustomerNumber     string     `json:"customerNumber"`
	Department         string     `json:"department"`
	AssignedTo         *string    `json:"assignedTo"`
	UnreadCount        int        `json:"unreadCount"`
	LastMessagePreview string     `json:"lastMessagePreview"`
	LastMessageAt      *time.Time `json:"lastMessageAt"`
	CreatedAt          time.Time  `json:"createdAt"`
	UpdatedAt          *time.Time `json:"updatedAt,omitempty"`
}

func conversationJSON(c store.Conversation) Conversation {
	return Conversation{
		ID: c.ID, OurNumber: c.OurNumber, CustomerNumber: c.CustomerNumber, Department: c.Department,
		AssignedTo: strPtr(c.AssignedTo), UnreadCount: c.UnreadCount, LastMessagePreview: c.LastMessagePreview,
		LastMessageAt: timePtr(c.LastMessageAt), CreatedAt: c.CreatedAt, UpdatedAt: timePtr(c.UpdatedAt),
	}
}

// Message is the JSON form of a message. Twilio's media URLs are not
// given (they need credentials).
type Message struct {
	SID            string     `json:"sid"`
	ConversationID string     `json:"conversationId"`
	Direction      string     `json:"direction"`
	From           string     `json:"from"`
	To             string     `json:"to"`
	Body           string     `json:"body"`
	NumMedia       int        `json:"numMedia"`
	Status         string     `json:"status"`
	ErrorCode      string     `json:"errorCode,omitempty"`
	SentBy         string     `json:"sentBy,omitempty"`
	CreatedAt      time.Time  `json:"createdAt"`
	UpdatedAt      *time.Time `json:"updatedAt,omitempty"`
}

func messageJSON(m store.Message) Message {
	return Message{
		SID: m.SID, ConversationID: m.ConversationID, Direction: m.Direction, From: m.From, To: m.To,
		Body: m.Body, NumMedia: m.NumMedia, Status: m.Status, ErrorCode: m.ErrorCode, SentBy: m.SentBy,
		CreatedAt: m.CreatedAt, UpdatedAt: timePtr(m.UpdatedAt),
	}
}

// MessageSend is the body of POST /api/conversations/{id}/messages.
type MessageSend struct {
	// Body is the SMS text: not blank, at most 1600 characters.
	Body string `json:"body" required:"true" minLength:"1" maxLength:"1600"`
}

// maxSMSBody is the longest body Twilio accepts, in characters.
const maxSMSBody = 1600

// listConversations serves GET /api/conversations?assignee=&cursor=&limit=:
// the caller's scope, the most recent message first, with unread counts.
func (a *API) listConversations(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	cursor, limit, ok := pageParams(w, r)
	if !ok {
		return
	}
	f := store.ConversationFilter{Scope: scope(p), AssignedTo: r.URL.Query().Get("assignee"), Cursor: cursor, Limit: limit}
	if f.AssignedTo == "me" {
		f.AssignedTo = p.UserID
	}
	page, err := a.st.Conversations().List(r.Context(), f)
	if err != nil {
		a.storeError(w, r, "conversations", err)
		return
	}
	writeJSON(w, http.StatusOK, newList(page.Items, page.NextCursor, conversationJSON))
}

// conversation returns the path's conversation if p sees it; else it
// answers (404 outside p's scope) and returns false.
func (a *API) conversation(w http.ResponseWriter, r *http.Request, p auth.Principal) (store.Conversation, bool) {
	c, err := a.st.Conversations().Get(r.Context(), r.PathValue("id"))
	if err == nil && !sees(p, c.Department) {
		err = store.ErrNotFound
	}
	if err != nil {
		a.storeError(w, r, "conversation", err)
		return store.Conversation{}, false
	}
	return c, true
}

// listMessages serves GET /api/conversations/{id}/messages?cursor=&limit=,
// newest first.
func (a *API) listMessages(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	cursor, limit, ok := pageParams(w, r)
	if !ok {
		return
	}
	c, ok := a.conversation(w, r, p)
	if !ok {
		return
	}
	page, err := a.st.Messages().List(r.Context(), store.MessageFilter{ConversationID: c.ID, Cursor: cursor, Limit: limit})
	if err != nil {
		a.storeError(w, r, "messages", err)
		return
	}
	writeJSON(w, http.StatusOK, newList(page.Items, page.NextCursor, messageJSON))
}

// markRead serves POST /api/conversations/{id}/read: the unread count
// goes to zero, and conversation_updated is published if it was not.
func (a *API) markRead(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if _, ok := a.conversation(w, r, p); !ok {
		return
	}
	c, changed, err := a.st.Conversations().MarkRead(r.Context(), r.PathValue("id"))
	if err != nil {
		a.storeError(w, r, "conversation", err)
		return
	}
	if changed {
		a.publish(r.Context(), conversationUpdated(c))
	}
	writeJSON(w, http.StatusOK, conversationJSON(c))
}

func conversationUpdated(c store.Conversation) *events.ConversationUpdated {
	return &events.ConversationUpdated{
		ConversationID: c.ID, OurNumber: c.OurNumber, CustomerNumber: c.CustomerNumber, UnreadCount: c.UnreadCount,
		LastMessagePreview: c.LastMessagePreview, LastMessageAt: c.LastMessageAt, Department: c.Department,
		AssignedTo: c.AssignedTo,
	}
}

// sendMessage serves POST /api/conversations/{id}/messages {"body": "…"}:
// it sends an SMS from our number to the customer through Twilio's REST
// API, stores it as sent by the caller and publishes
// message_status_changed (Twilio's initial status) and
// conversation_updated. If Twilio refuses, nothing is stored (502).
func (a *API) sendMessage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	const shape = `{"body": "…"}`
	m, ok := readObject(w, r, shape)
	if !ok || !onlyFields(w, m, jsonFields(MessageSend{})...) {
		return
	}
	body, present, isNull, ok := stringField(w, m, "body")
	if !ok {
		return
	}
	if !present || isNull || strings.TrimSpace(body) == "" {
		writeError(w, http.StatusBadRequest, "body: is required")
		return
	}
	if !utf8.ValidString(body) || utf8.RuneCountInString(body) > maxSMSBody {
		writeError(w, http.StatusBadRequest, "body: must be at most 1600 characters")
		return
	}
	if strings.ContainsRune(body, 0) {
		// PostgreSQL cannot store it: the message would be sent, not stored.
		writeError(w, http.StatusBadRequest, "body: must not contain NUL characters")
		return
	}
	c, ok := a.conversation(w, r, p)
	if !ok || !a.twilioReady(w) {
		return
	}
	params := (&twapi.CreateMessageParams{}).SetFrom(c.OurNumber).SetTo(c.CustomerNumber).SetBody(body)
	if a.cfg.PublicURL != "" {
		params.SetStatusCallback(strings.TrimSuffix(a.cfg.PublicURL, "/") + "/api/webhooks/twilio/message-status")
	}
	sent, err := a.msg.CreateMessage(params)
	if err == nil && (sent == nil || sent.Sid == nil || *sent.Sid == "") {
		err = errString("Twilio's answer has no message sid")
	}
	if err != nil {
		a.twilioError(w, r, "send the message", err)
		return
	}
	status := store.MessageQueued
	if sent.Status != nil && *sent.Status != "" {
		status = *sent.Status
	}
	msg := store.Message{
		SID: *sent.Sid, ConversationID: c.ID, Direction: store.Outbound, From: c.OurNumber, To: c.CustomerNumber,
		Body: body, Status: status, SentBy: p.UserID,
	}
	if sent.ErrorCode != nil && *sent.ErrorCode != 0 {
		msg.ErrorCode = strconv.Itoa(*sent.ErrorCode)
	}
	res, err := a.st.Messages().Create(r.Context(), msg)
	if err != nil {
		// Twilio sends it anyway; its status callbacks will find no message.
		a.log.ErrorContext(r.Context(), "api: store sent message", "messageSid", msg.SID, "err", err)
		writeError(w, http.StatusInternalServerError, "the message was sent but could not be stored")
		return
	}
	if res.Created {
		conv := res.Conversation
		a.publish(r.Context(),
			&events.MessageStatusChanged{
				MessageSID: res.Message.SID, ConversationID: conv.ID, Status: res.Message.Status,
				ErrorCode: res.Message.ErrorCode, Department: conv.Department, AssignedTo: conv.AssignedTo,
			},
			conversationUpdated(conv))
	}
	writeJSON(w, http.StatusCreated, messageJSON(res.Message))
}
