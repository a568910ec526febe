package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/swaggest/jsonschema-go"
	"github.com/swaggest/openapi-go"
	"github.com/swaggest/openapi-go/openapi31"

	"github.com/kin-comms/kinrt/internal/api"
	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/httpjson"
	"github.com/kin-comms/kinrt/internal/presence"
	"github.com/kin-comms/kinrt/internal/store"
)

//go:generate go test -run TestOpenAPITypeScriptIsCurrent -update

// OpenAPIPath is where the service serves its API document.
const OpenAPIPath = "/api/openapi.json"

// The API document is OpenAPI 3.1, built once by reflecting the Go types
// the handlers write and read (api.Voicemail, Stats, events.*…) with
// swaggest/openapi-go: only the routes, their parameters and their
// statuses are listed here. A field encoding/json always writes (no
// omitempty) is required in an answer; a pointer without omitempty may be
// null. The tests send every route's requests and check them and the
// answers against the document (openapi_test.go).

// OpenAPI returns the API document as JSON.
func OpenAPI() ([]byte, error) { return openAPIDoc() }

var openAPIDoc = sync.OnceValues(buildOpenAPI)

// serveOpenAPI serves GET /api/openapi.json: public and cacheable (an
// ETag, revalidated with If-None-Match).
func (s *Server) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	doc, err := OpenAPI()
	if err != nil {
		s.log.ErrorContext(r.Context(), "openapi document", "err", err)
		writeError(w, http.StatusInternalServerError, "internal error")
		return
	}
	sum := sha256.Sum256(doc)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("ETag", `"`+base64.RawURLEncoding.EncodeToString(sum[:16])+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(doc))
}

// The page size's bounds are in the tags of the query types below; this
// fails to compile when store.MaxPageSize is no longer 200.
var _ = [1]struct{}{}[store.MaxPageSize-200]

// Query and path parameters of the routes.
type (
	idPath struct {
		ID string `path:"id"`
	}
	sidPath struct {
		SID string `path:"sid"`
	}
	voicemailsQuery struct {
		Status string `query:"status" enum:"new,listened,archived"`
		// Assignee is a user id, or "me".
		Assignee string `query:"assignee" description:"A user id, or \"me\" for the caller."`
		Cursor   string `query:"cursor" description:"The nextCursor of the previous page."`
		Limit    int    `query:"limit" minimum:"1" maximum:"200" description:"Page size."`
	}
	conversationsQuery struct {
		Assignee string `query:"assignee" description:"A user id, or \"me\" for the caller."`
		Cursor   string `query:"cursor" description:"The nextCursor of the previous page."`
		Limit    int    `query:"limit" minimum:"1" maximum:"200" description:"Page size."`
	}
	messagesQuery struct {
		ID     string `path:"id"`
		Cursor string `query:"cursor" description:"The nextCursor of the previous page."`
		Limit  int    `query:"limit" minimum:"1" maximum:"200" description:"Page size."`
	}
	tasksQuery struct {
		Worker string `query:"worker" description:"Only the tasks of this worker sid."`
		Cursor string `query:"cursor" description:"The nextCursor of the previous page."`
		Limit  int    `query:"limit" minimum:"1" maximum:"200" description:"Page size."`
	}
	activityQuery struct {
		Since string `query:"since" description:"An RFC 3339 time, or the id of the last event the client has: only later events."`
		Limit int    `query:"limit" minimum:"1" maximum:"200" description:"Page size."`
	}
	mediaRequest struct {
		ID    string `path:"id"`
		Range string `header:"Range" description:"A byte range, passed on to Twilio so that players can seek."`
	}
	voiceQuery struct {
		Step string `query:"step" enum:"vm-done" description:"Set by the service on the callbacks of its own TwiML."`
	}
	recordingQuery struct {
		Kind string `query:"kind" enum:"voicemail" description:"Set by the service on the voicemail's recording callback."`
	}
	// rateLimited is a 429: the error and when to try again.
	rateLimited struct {
		RetryAfter int    `header:"Retry-After" description:"Seconds to wait before trying again."`
		Error      string `json:"error"`
	}
)

// The security schemes.
const (
	secBearer     = "sessionBearer"
	secInternal   = "internalKey"
	secTwilio     = "twilioSignature"
	secCookiePref = "sessionCookie." // + the cookie's name
)

var sessionCookies = []string{auth.CookieNextAuth, auth.CookieNextAuthSecure, auth.CookieAuthJS, auth.CookieAuthJSSecure}

// docAccess is who may call a route.
type docAccess int

const (
	accessPublic   docAccess = iota
	accessSession            // a NextAuth session: cookie or Bearer
	accessInternal           // the internal API key
	accessTwilio             // Twilio's signature
)

// docRoute is one operation of the document.
type docRoute struct {
	method, path, id, tag, summary string
	access                         docAccess
	params                         any // path, query and header parameters
	body                           any // the JSON request body
	answers                        []docAnswer
	errors                         map[int]string // status → when
}

// docAnswer is a success answer: status, body (nil for none) and its
// content type ("" for JSON).
type docAnswer struct {
	status      int
	body        any
	contentType string
	description string
}

func answered(status int, body any) docAnswer { return docAnswer{status: status, body: body} }

// The reasons of the errors every route of a kind may answer.
const (
	whyBadInput  = "Bad input: a parameter or the body is not what the route takes."
	whyTooLarge  = "The body is too large."
	whyNotFound  = "Not found, or outside the caller's departments."
	whyOrigin    = "Refused: a browser's request from an origin not allowed, or cross-site with the session cookie; or the caller's role may not do this."
	whyTwilio    = "Twilio refused or could not be reached."
	whyNoTwilio  = "The Twilio REST API (or TaskRouter) is not configured."
	whyInternal  = "An internal error (logged)."
	whySession   = "No valid session."
	whyRateLimit = "Too many requests: over the caller's (or the address's) budget."
)

func apiRoutes() []docRoute {
	return []docRoute{
		{method: "GET", path: "/healthz", id: "health", tag: "health", summary: "Liveness: the process answers.", access: accessPublic,
			answers: []docAnswer{answered(200, Health{})}},
		{method: "GET", path: "/readyz", id: "ready", tag: "health", summary: "Readiness: the node takes traffic (503 while it starts, drains or lost its store or cluster).", access: accessPublic,
			answers: []docAnswer{answered(200, Health{}), {status: 503, body: Health{}, description: "Not ready."}}},
		{method: "GET", path: OpenAPIPath, id: "openapi", tag: "meta", summary: "This document.", access: accessPublic,
			answers: []docAnswer{{status: 200, body: map[string]any{}, description: "The OpenAPI 3.1 document."}},
			errors:  map[int]string{429: whyRateLimit}},
		{method: "POST", path: "/api/internal/events", id: "publishEvent", tag: "internal", access: accessInternal,
			summary: "Publishes an event of the catalog (from another service, e.g. the Next.js app), routed by the event's routing policy.",
			body:    EventEnvelope{}, answers: []docAnswer{answered(202, Accepted{})},
			errors: map[int]string{400: whyBadInput, 401: "The internal key is missing or wrong.", 404: "The internal API is disabled (KIN_INTERNAL_API_KEY is not set).",
				413: whyTooLarge, 429: "Too many requests (without the right key, the address's budget).", 500: "The event could not be published."}},

		{method: "GET", path: "/api/me", id: "getMe", tag: "session", summary: "The caller's session.", access: accessSession,
			answers: []docAnswer{answered(200, Me{})}},
		{method: "GET", path: "/api/presence", id: "listPresence", tag: "presence", summary: "Who is online in the caller's departments.", access: accessSession,
			answers: []docAnswer{answered(200, api.List[presence.Entry]{})}},
		{method: "PUT", path: "/api/presence/me", id: "setMyPresence", tag: "presence", summary: "Sets the caller's presence.", access: accessSession,
			body: PresenceUpdate{}, answers: []docAnswer{answered(200, presence.Entry{})}, errors: map[int]string{400: whyBadInput, 413: whyTooLarge}},
		{method: "GET", path: "/api/activity", id: "listActivity", tag: "activity", summary: "The recent events the caller's rooms could see, newest first.", access: accessSession,
			params: activityQuery{}, answers: []docAnswer{answered(200, api.List[ActivityItem]{})}, errors: map[int]string{400: whyBadInput}},
		{method: "GET", path: "/api/stats", id: "getStats", tag: "stats", summary: "The state of the floor in the caller's departments.", access: accessSession,
			answers: []docAnswer{answered(200, Stats{})}},
		{method: "POST", path: "/api/notifications", id: "sendNotification", tag: "notifications", access: accessSession,
			summary: "Sends a system_notification: admins to anyone, supervisors to their own department.",
			body:    events.SystemNotification{}, answers: []docAnswer{answered(202, Accepted{})},
			errors: map[int]string{400: whyBadInput, 403: "The caller is not an admin or supervisor, or a supervisor targets another department; or the origin is refused.", 413: whyTooLarge}},

		{method: "GET", path: "/api/voicemails", id: "listVoicemails", tag: "voicemails", summary: "The voicemails of the caller's departments, newest first.", access: accessSession,
			params: voicemailsQuery{}, answers: []docAnswer{answered(200, api.List[api.Voicemail]{})}, errors: map[int]string{400: whyBadInput}},
		{method: "GET", path: "/api/voicemails/{id}", id: "getVoicemail", tag: "voicemails", summary: "One voicemail.", access: accessSession,
			params: idPath{}, answers: []docAnswer{answered(200, api.Voicemail{})}, errors: map[int]string{400: whyBadInput, 404: whyNotFound}},
		{method: "PATCH", path: "/api/voicemails/{id}", id: "patchVoicemail", tag: "voicemails", summary: "Changes a voicemail's status, assignee or notes (publishes voicemail_updated).", access: accessSession,
			params: idPath{}, body: api.VoicemailPatch{}, answers: []docAnswer{answered(200, api.Voicemail{})},
			errors: map[int]string{400: whyBadInput, 404: whyNotFound, 413: whyTooLarge}},
		{method: "GET", path: "/api/voicemails/{id}/media", id: "getVoicemailMedia", tag: "voicemails", summary: "The recording (MP3), proxied from Twilio.", access: accessSession,
			params: mediaRequest{},
			answers: []docAnswer{{status: 200, contentType: "audio/mpeg", description: "The recording."},
				{status: 206, contentType: "audio/mpeg", description: "The requested range of the recording."}},
			errors: map[int]string{400: whyBadInput, 404: whyNotFound, 416: "The range is not satisfiable.", 502: whyTwilio, 503: whyNoTwilio}},

		{method: "GET", path: "/api/conversations", id: "listConversations", tag: "conversations", summary: "The SMS conversations of the caller's departments, latest message first.", access: accessSession,
			params: conversationsQuery{}, answers: []docAnswer{answered(200, api.List[api.Conversation]{})}, errors: map[int]string{400: whyBadInput}},
		{method: "GET", path: "/api/conversations/{id}/messages", id: "listMessages", tag: "conversations", summary: "A conversation's messages, newest first.", access: accessSession,
			params: messagesQuery{}, answers: []docAnswer{answered(200, api.List[api.Message]{})}, errors: map[int]string{400: whyBadInput, 404: whyNotFound}},
		{method: "POST", path: "/api/conversations/{id}/messages", id: "sendMessage", tag: "conversations", summary: "Sends an SMS to the customer through Twilio.", access: accessSession,
			params: idPath{}, body: api.MessageSend{}, answers: []docAnswer{answered(201, api.Message{})},
			errors: map[int]string{400: whyBadInput, 404: whyNotFound, 413: whyTooLarge, 502: whyTwilio, 503: whyNoTwilio}},
		{method: "POST", path: "/api/conversations/{id}/read", id: "markConversationRead", tag: "conversations", summary: "Marks a conversation read.", access: accessSession,
			params: idPath{}, answers: []docAnswer{answered(200, api.Conversation{})}, errors: map[int]string{400: whyBadInput, 404: whyNotFound}},

		{method: "GET", path: "/api/taskrouter/workers", id: "listWorkers", tag: "taskrouter", summary: "The TaskRouter workers of the caller's departments, by name.", access: accessSession,
			answers: []docAnswer{answered(200, api.List[api.Worker]{})}},
		{method: "PATCH", path: "/api/taskrouter/workers/{sid}", id: "patchWorker", tag: "taskrouter", summary: "Changes a worker's activity through TaskRouter: agents their own, supervisors their department's, admins any.", access: accessSession,
			params: sidPath{}, body: api.WorkerPatch{}, answers: []docAnswer{answered(200, api.Worker{})},
			errors: map[int]string{400: whyBadInput, 404: whyNotFound, 413: whyTooLarge, 502: whyTwilio, 503: whyNoTwilio}},
		{method: "GET", path: "/api/taskrouter/tasks", id: "listTasks", tag: "taskrouter", summary: "The open tasks of the caller's departments, newest first.", access: accessSession,
			params: tasksQuery{}, answers: []docAnswer{answered(200, api.List[api.Task]{})}, errors: map[int]string{400: whyBadInput}},
		{method: "GET", path: "/api/taskrouter/offers", id: "listOffers", tag: "taskrouter", summary: "The reservations offered to the caller's worker and not answered yet.", access: accessSession,
			answers: []docAnswer{answered(200, api.List[api.Offer]{})}},
		{method: "POST", path: "/api/taskrouter/reservations/{sid}/accept", id: "acceptReservation", tag: "taskrouter", summary: "Accepts a reservation through TaskRouter.", access: accessSession,
			params: sidPath{}, answers: []docAnswer{answered(200, api.Reservation{})},
			errors: map[int]string{400: whyBadInput, 404: whyNotFound, 502: whyTwilio, 503: whyNoTwilio}},
		{method: "POST", path: "/api/taskrouter/reservations/{sid}/reject", id: "rejectReservation", tag: "taskrouter", summary: "Rejects a reservation through TaskRouter.", access: accessSession,
			params: sidPath{}, answers: []docAnswer{answered(200, api.Reservation{})},
			errors: map[int]string{400: whyBadInput, 404: whyNotFound, 502: whyTwilio, 503: whyNoTwilio}},

		webhookRoute("/api/webhooks/twilio/voice", "twilioVoice", "An inbound call (answered with TwiML).", voiceQuery{}),
		webhookRoute("/api/webhooks/twilio/status", "twilioCallStatus", "A call's status callback.", nil),
		webhookRoute("/api/webhooks/twilio/recording", "twilioRecording", "A recording's status callback (the voicemail).", recordingQuery{}),
		webhookRoute("/api/webhooks/twilio/sms", "twilioSMS", "An inbound SMS (answered with empty TwiML).", nil),
		webhookRoute("/api/webhooks/twilio/message-status", "twilioMessageStatus", "An outbound message's status callback.", nil),
		webhookRoute("/api/webhooks/taskrouter", "taskRouterEvent", "A TaskRouter event callback.", nil),
	}
}

// webhookRoute is a Twilio webhook: a signed form, answered with TwiML or
// nothing.
func webhookRoute(path, id, summary string, params any) docRoute {
	return docRoute{method: "POST", path: path, id: id, tag: "webhooks", summary: summary, access: accessTwilio, params: params,
		answers: []docAnswer{{status: 200, contentType: "text/xml", description: "TwiML."}, {status: 204, description: "Done."}},
		errors: map[int]string{400: "A required parameter is missing or malformed.", 403: "The signature is missing or wrong.",
			413: whyTooLarge, 429: "Over KIN_WEBHOOK_RATE (Twilio retries), or too many refused webhooks from the address.",
			500: "The webhook could not be stored (Twilio retries).", 503: "Webhooks are disabled: TWILIO_AUTH_TOKEN is not set."}}
}

// tsUnion matches a TypeScript union of string literals, the ts tags of
// the events' fields: 'a' | 'b'.
var tsUnion = regexp.MustCompile(`^'[^']*'(?: \| '[^']*')*$`)

var rawMessage = reflect.TypeOf(json.RawMessage(nil))

func indirect(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

func buildOpenAPI() ([]byte, error) {
	r := openapi31.NewReflector()
	r.InterceptDefName(schemaName)
	r.DefaultOptions = append(r.DefaultOptions,
		// A nil pointer to a struct is null beside the struct's schema.
		func(rc *jsonschema.ReflectContext) { rc.EnvelopNullability = true },
		// Null only where encoding/json writes it: not for an omitempty
		// field (left out instead), nor a slice or map (the handlers send
		// empty ones, never nil: the tests hold them to it).
		jsonschema.InterceptNullability(func(p jsonschema.InterceptNullabilityParams) {
			k := p.Type.Kind()
			if p.OmitEmpty || ((k == reflect.Slice || k == reflect.Map) && p.Type != rawMessage) {
				p.Schema.RemoveType(jsonschema.Null)
			}
			if len(p.Schema.AnyOf) > 0 { // enveloped: null or the $ref, nothing beside
				p.Schema.Type = nil
				for i := range p.Schema.AnyOf {
					if o := p.Schema.AnyOf[i].TypeObject; o != nil && o.Ref != nil {
						o.Type = nil
					}
				}
			}
		}),
		jsonschema.InterceptProp(propRules),
		jsonschema.InterceptSchema(func(p jsonschema.InterceptSchemaParams) (bool, error) {
			// A JSON request body takes only the fields its type names:
			// the handlers refuse others.
			oc, inOp := openapi.OperationCtx(p.Context)
			if p.Processed && p.Value.IsValid() && p.Context.PropertyNameTag == "json" && indirect(p.Value.Type()).Kind() == reflect.Struct &&
				p.Schema.HasType(jsonschema.Object) && (!inOp || !oc.IsProcessingResponse()) {
				p.Schema.AdditionalProperties = (&jsonschema.SchemaOrBool{}).WithTypeBoolean(false)
			}
			return false, nil
		}),
	)
	spec := r.SpecEns()
	spec.Info.WithTitle("KIN Realtime REST API").WithVersion("1").WithDescription(
		"The REST API of kinrt, the KIN contact centre's realtime service: what the dashboard and the React hooks call " +
			"(with the same NextAuth session as the sockets: the session cookie, or `Authorization: Bearer <session token>`), " +
			"the internal publish API (`Authorization: Bearer <KIN_INTERNAL_API_KEY>`) and Twilio's webhooks (signed). " +
			"Every error answer is `{\"error\": \"...\"}`. The events the sockets receive are typed in the npm package (events.ts).")
	for _, c := range sessionCookies {
		spec.SetAPIKeySecurity(secCookiePref+c, c, openapi.InCookie, "The NextAuth / Auth.js session cookie "+c+".")
	}
	spec.SetHTTPBearerTokenSecurity(secBearer, "JWE", "The NextAuth session token (the session cookie's value) as `Authorization: Bearer <token>`.")
	spec.SetHTTPBearerTokenSecurity(secInternal, "", "KIN_INTERNAL_API_KEY as `Authorization: Bearer <key>`.")
	spec.SetAPIKeySecurity(secTwilio, "X-Twilio-Signature", openapi.InHeader, "Twilio's signature of the request with TWILIO_AUTH_TOKEN, over KIN_PUBLIC_URL + the path.")

	for _, rt := range apiRoutes() {
		if err := addRoute(r, rt); err != nil {
			return nil, fmt.Errorf("openapi: %s %s: %w", rt.method, rt.path, err)
		}
	}
	if err := eventEnvelopes(r); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func addRoute(r *openapi31.Reflector, rt docRoute) error {
	oc, err := r.NewOperationContext(rt.method, rt.path)
	if err != nil {
		return err
	}
	oc.SetID(rt.id)
	oc.SetTags(rt.tag)
	oc.SetSummary(rt.summary)
	switch rt.access {
	case accessSession:
		for _, c := range sessionCookies {
			oc.AddSecurity(secCookiePref + c)
		}
		oc.AddSecurity(secBearer)
	case accessInternal:
		oc.AddSecurity(secInternal)
	case accessTwilio:
		oc.AddSecurity(secTwilio)
	}
	if rt.params != nil {
		oc.AddReqStructure(rt.params)
	}
	if rt.body != nil {
		oc.AddReqStructure(rt.body, openapi.WithContentType("application/json"))
	}
	for _, a := range rt.answers {
		opts := []openapi.ContentOption{openapi.WithHTTPStatus(a.status)}
		if a.contentType != "" {
			opts = append(opts, openapi.WithContentType(a.contentType))
		}
		if a.description != "" {
			opts = append(opts, func(cu *openapi.ContentUnit) { cu.Description = a.description })
		}
		oc.AddRespStructure(a.body, opts...)
	}
	errs := map[int]string{}
	for k, v := range rt.errors {
		errs[k] = v
	}
	if rt.access == accessSession {
		errs[401] = whySession
		errs[429] = whyRateLimit
		errs[500] = whyInternal
		if rt.method != http.MethodGet {
			if _, set := errs[403]; !set {
				errs[403] = whyOrigin
			}
		}
	}
	statuses := make([]int, 0, len(errs))
	for st := range errs {
		statuses = append(statuses, st)
	}
	slices.Sort(statuses)
	for _, st := range statuses {
		describe := func(cu *openapi.ContentUnit) { cu.Description = errs[st] }
		if st == http.StatusTooManyRequests {
			oc.AddRespStructure(rateLimited{}, openapi.WithHTTPStatus(st), describe)
			continue
		}
		oc.AddRespStructure(httpjson.ErrorAnswer{}, openapi.WithHTTPStatus(st), describe)
	}
	if err := r.AddOperation(oc); err != nil {
		return err
	}
	op, err := r.Spec.Paths.MapOfPathItemValues[rt.path].Operation(rt.method)
	if err != nil || op == nil {
		return fmt.Errorf("operation not in the document (%v)", err)
	}
	if rt.body != nil && op.RequestBody != nil && op.RequestBody.RequestBody != nil {
		op.RequestBody.RequestBody.WithRequired(true)
	}
	if rt.access == accessTwilio {
		op.RequestBodyEns().RequestBodyEns().WithRequired(true).WithContentItem("application/x-www-form-urlencoded", openapi31.MediaType{
			Schema: map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"},
				"description": "Twilio's form parameters (CallSid, From, To, …; see Twilio's documentation of the webhook)."},
		})
	}
	return nil
}

// eventEnvelopes types the body of POST /api/internal/events by event:
// one variant per event of the catalog, its type's name and its data.
func eventEnvelopes(r *openapi31.Reflector) error {
	var variants []any
	for _, name := range events.Names() {
		s, err := r.Reflect(events.New(name),
			jsonschema.DefinitionsPrefix("#/components/schemas/"),
			jsonschema.CollectDefinitions(func(name string, s jsonschema.Schema) {
				if sm, err := s.ToSchemaOrBool().ToSimpleMap(); err == nil {
					r.Spec.ComponentsEns().WithSchemasItem(name, sm)
				}
			}),
			jsonschema.RootRef)
		if err != nil {
			return err
		}
		if s.Ref == nil {
			return fmt.Errorf("openapi: event %s has no schema of its own", name)
		}
		variants = append(variants, map[string]any{
			"title": name, "type": "object", "required": []string{"type", "data"},
			"properties": map[string]any{"type": map[string]any{"const": name}, "data": map[string]any{"$ref": *s.Ref}},
		})
	}
	op := r.Spec.Paths.MapOfPathItemValues["/api/internal/events"].Post
	mt := op.RequestBody.RequestBody.Content["application/json"]
	mt.Schema = map[string]any{"allOf": []any{mt.Schema}, "oneOf": variants}
	op.RequestBody.RequestBody.WithRequired(true).Content["application/json"] = mt
	return nil
}

// propRules are the document's rules on the fields: in an answer, a
// field that encoding/json always writes (no omitempty) is required; a
// field whose ts tag (events) is a union of string literals is that enum.
func propRules(p jsonschema.InterceptPropParams) error {
	if !p.Processed || p.Context.PropertyNameTag != "json" {
		return nil
	}
	tag, has := p.Field.Tag.Lookup("json")
	name, opts, _ := strings.Cut(tag, ",")
	if !has || name == "-" {
		return nil
	}
	if ts := p.Field.Tag.Get("ts"); tsUnion.MatchString(ts) && p.PropertySchema.Ref == nil {
		var enum []any
		for _, lit := range strings.Split(ts, " | ") {
			enum = append(enum, strings.Trim(lit, "'"))
		}
		p.PropertySchema.Enum = enum
	}
	oc, inOp := openapi.OperationCtx(p.Context)
	if !inOp || !oc.IsProcessingResponse() || strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero") {
		return nil
	}
	if !slices.Contains(p.ParentSchema.Required, p.Name) {
		p.ParentSchema.Required = append(p.ParentSchema.Required, p.Name)
	}
	return nil
}

// schemaName names the document's schemas after their Go types without
// the package (Voicemail, Stats, VoicemailCreated), but for packages whose
// type names need it (PresenceEntry); a list of T is TList.
func schemaName(t reflect.Type, def string) string {
	n := t.Name()
	if i := strings.IndexByte(n, '['); i >= 0 {
		if f, ok := t.FieldByName("Items"); ok && f.Type.Kind() == reflect.Slice {
			return schemaName(f.Type.Elem(), "") + n[:i]
		}
		return def
	}
	n = strings.TrimSuffix(n, "JSON")
	if n == "" {
		return def
	}
	n = strings.ToUpper(n[:1]) + n[1:]
	switch pkg := t.PkgPath(); {
	case strings.HasSuffix(pkg, "/internal/api"), strings.HasSuffix(pkg, "/internal/server"),
		strings.HasSuffix(pkg, "/internal/events"), strings.HasSuffix(pkg, "/internal/httpjson"):
		return n
	default:
		base := pkg[strings.LastIndexByte(pkg, '/')+1:]
		return strings.ToUpper(base[:1]) + base[1:] + n
	}
}
