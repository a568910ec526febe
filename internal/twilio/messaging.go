package twilio

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/store"
)

// sms stores an incoming message in its conversation (our number, the
// customer's number): message_received and conversation_updated.
func (h *Webhooks) sms(ctx context.Context, tx store.Tx, _ *http.Request, f Form) (reply, []events.Event, error) {
	ours, customer := f.Get("To"), f.Get("From")
	conv, _, err := tx.Conversations().Ensure(ctx, ours, customer, h.department(ours))
	if err != nil {
		return reply{}, nil, err
	}
	numMedia := atoi(f.Get("NumMedia"))
	if numMedia < 0 || numMedia > 10 {
		return reply{}, nil, &badInput{"NumMedia: must be 0 to 10"}
	}
	media := make([]string, 0, numMedia)
	for i := 0; i < numMedia; i++ {
		if u := f.Get("MediaUrl" + strconv.Itoa(i)); u != "" {
			media = append(media, u)
		}
	}
	res, err := tx.Messages().Create(ctx, store.Message{
		SID: f.Get("MessageSid"), ConversationID: conv.ID, Direction: store.Inbound,
		From: customer, To: ours, Body: f.Get("Body"), NumMedia: numMedia, MediaURLs: media,
		Status: store.MessageReceived,
	})
	if err != nil {
		return reply{}, nil, err
	}
	rep, err := twimlReply(EmptyMessaging())
	if err != nil || !res.Created {
		return rep, nil, err
	}
	c := res.Conversation
	return rep, []events.Event{
		&events.MessageReceived{
			MessageSID: res.Message.SID, ConversationID: c.ID, From: res.Message.From, To: res.Message.To, Body: res.Message.Body,
			NumMedia: numMedia, Department: c.Department, AssignedTo: c.AssignedTo,
		},
		conversationUpdated(c),
	}, nil
}

func conversationUpdated(c store.Conversation) *events.ConversationUpdated {
	return &events.ConversationUpdated{
		ConversationID: c.ID, OurNumber: c.OurNumber, CustomerNumber: c.CustomerNumber,
		UnreadCount: c.UnreadCount, LastMessagePreview: c.LastMessagePreview, LastMessageAt: c.LastMessageAt,
		Department: c.Department, AssignedTo: c.AssignedTo,
	}
}

// messageStatus applies an outbound message's status callback:
// message_status_changed when it moved forward, and a system_notification
// to its sender when it failed. A callback naming an inbound message
// changes and emits nothing, and is answered 204 as one that arrived
// late: Twilio must not retry it.
func (h *Webhooks) messageStatus(ctx context.Context, tx store.Tx, _ *http.Request, f Form) (reply, []events.Event, error) {
	status := f.Get("MessageStatus")
	if _, ok := store.MessageStatusRank(status); !ok {
		return reply{}, nil, &badInput{"MessageStatus: unknown status " + strconv.Quote(status)}
	}
	msg, tr, err := tx.Messages().UpdateStatus(ctx, store.MessageStatusUpdate{
		SID: f.Get("MessageSid"), Status: status, ErrorCode: f.Get("ErrorCode"),
	})
	if errors.Is(err, store.ErrNotFound) {
		h.log.InfoContext(ctx, "status of a message not sent through KIN", "messageSid", f.Get("MessageSid"))
		return noContent, nil, nil
	}
	if err != nil {
		return reply{}, nil, err
	}
	if tr.Ignored {
		h.log.InfoContext(ctx, "status callback of an inbound message ignored", "messageSid", msg.SID, "status", status)
	}
	if !tr.Changed {
		return noContent, nil, nil
	}
	conv, err := tx.Conversations().Get(ctx, msg.ConversationID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return reply{}, nil, err
	}
	emit := []events.Event{&events.MessageStatusChanged{
		MessageSID: msg.SID, ConversationID: msg.ConversationID, Status: msg.Status, PreviousStatus: tr.Previous,
		ErrorCode: msg.ErrorCode, Department: conv.Department, AssignedTo: conv.AssignedTo,
	}}
	if msg.Status == store.MessageFailed || msg.Status == store.MessageUndelivered {
		target := events.Target{Kind: events.TargetDepartment, Value: conv.Department}
		if msg.SentBy != "" {
			target = events.Target{Kind: events.TargetUser, Value: msg.SentBy}
		}
		if target.Value == "" {
			target = events.Target{Kind: events.TargetRole, Value: events.RoleAdmin}
		}
		text := "Your message to " + msg.To + " was not delivered"
		if msg.ErrorCode != "" {
			text += " (Twilio error " + msg.ErrorCode + ")"
		}
		emit = append(emit, &events.SystemNotification{
			Level: "error", Title: "Message " + msg.Status, Message: text + ".", Target: target,
			Link: "/conversations/" + msg.ConversationID,
		})
	}
	return noContent, emit, nil
}
