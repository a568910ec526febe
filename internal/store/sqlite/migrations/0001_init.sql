-- KIN Realtime records, SQLite. Times are UTC text, fixed width with
-- microseconds ('2006-01-02T15:04:05.000000Z'), so text order is time order.

CREATE TABLE calls (
	sid              TEXT PRIMARY KEY,
	parent_sid       TEXT NOT NULL DEFAULT '',
	direction        TEXT NOT NULL DEFAULT '',
	from_number      TEXT NOT NULL DEFAULT '',
	to_number        TEXT NOT NULL DEFAULT '',
	caller_name      TEXT NOT NULL DEFAULT '',
	department       TEXT NOT NULL DEFAULT '',
	assigned_to      TEXT NOT NULL DEFAULT '',
	status           TEXT NOT NULL,
	sequence         INTEGER NOT NULL DEFAULT -1,
	duration_seconds INTEGER NOT NULL DEFAULT 0,
	created_at       TEXT NOT NULL,
	updated_at       TEXT NOT NULL,
	ended_at         TEXT
);
CREATE INDEX calls_created ON calls (created_at, sid);

-- Every status update received for a call, message or recording, applied
-- or not. A repeated update (same status and sequence) is stored once.
CREATE TABLE status_history (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	kind        TEXT NOT NULL,
	record_key  TEXT NOT NULL,
	status      TEXT NOT NULL,
	sequence    INTEGER NOT NULL,
	applied     INTEGER NOT NULL,
	occurred_at TEXT NOT NULL,
	recorded_at TEXT NOT NULL,
	UNIQUE (kind, record_key, status, sequence)
);

CREATE TABLE recordings (
	recording_sid    TEXT NOT NULL,
	kind             TEXT NOT NULL,
	call_sid         TEXT NOT NULL DEFAULT '',
	status           TEXT NOT NULL,
	url              TEXT NOT NULL DEFAULT '',
	duration_seconds INTEGER NOT NULL DEFAULT 0,
	source           TEXT NOT NULL DEFAULT '',
	error_code       TEXT NOT NULL DEFAULT '',
	created_at       TEXT NOT NULL,
	updated_at       TEXT NOT NULL,
	PRIMARY KEY (recording_sid, kind)
);
CREATE INDEX recordings_call ON recordings (call_sid, created_at);

CREATE TABLE voicemails (
	id               TEXT PRIMARY KEY,
	call_sid         TEXT NOT NULL DEFAULT '',
	recording_sid    TEXT NOT NULL UNIQUE,
	recording_url    TEXT NOT NULL DEFAULT '',
	from_number      TEXT NOT NULL DEFAULT '',
	to_number        TEXT NOT NULL DEFAULT '',
	caller_name      TEXT NOT NULL DEFAULT '',
	department       TEXT NOT NULL DEFAULT '',
	status           TEXT NOT NULL,
	assigned_to      TEXT NOT NULL DEFAULT '',
	notes            TEXT NOT NULL DEFAULT '',
	transcription    TEXT NOT NULL DEFAULT '',
	duration_seconds INTEGER NOT NULL DEFAULT 0,
	created_at       TEXT NOT NULL,
	updated_at       TEXT NOT NULL,
	updated_by       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX voicemails_department ON voicemails (department, created_at, id);
CREATE INDEX voicemails_created ON voicemails (created_at, id);

-- sort_at is the last message's time, or created_at before any message.
CREATE TABLE conversations (
	id                   TEXT PRIMARY KEY,
	our_number           TEXT NOT NULL,
	customer_number      TEXT NOT NULL,
	department           TEXT NOT NULL DEFAULT '',
	assigned_to          TEXT NOT NULL DEFAULT '',
	unread_count         INTEGER NOT NULL DEFAULT 0,
	last_message_preview TEXT NOT NULL DEFAULT '',
	last_message_at      TEXT,
	sort_at              TEXT NOT NULL,
	created_at           TEXT NOT NULL,
	updated_at           TEXT NOT NULL,
	UNIQUE (our_number, customer_number)
);
CREATE INDEX conversations_department ON conversations (department, sort_at, id);
CREATE INDEX conversations_sort ON conversations (sort_at, id);

CREATE TABLE messages (
	sid             TEXT PRIMARY KEY,
	conversation_id TEXT NOT NULL REFERENCES conversations (id),
	direction       TEXT NOT NULL,
	from_number     TEXT NOT NULL DEFAULT '',
	to_number       TEXT NOT NULL DEFAULT '',
	body            TEXT NOT NULL DEFAULT '',
	num_media       INTEGER NOT NULL DEFAULT 0,
	media_urls      TEXT NOT NULL DEFAULT '[]',
	status          TEXT NOT NULL,
	error_code      TEXT NOT NULL DEFAULT '',
	sent_by         TEXT NOT NULL DEFAULT '',
	created_at      TEXT NOT NULL,
	updated_at      TEXT NOT NULL
);
CREATE INDEX messages_conversation ON messages (conversation_id, created_at, sid);

CREATE TABLE tasks (
	sid          TEXT PRIMARY KEY,
	status       TEXT NOT NULL,
	attributes   TEXT NOT NULL DEFAULT '',
	priority     INTEGER NOT NULL DEFAULT 0,
	queue_name   TEXT NOT NULL DEFAULT '',
	channel      TEXT NOT NULL DEFAULT '',
	workflow_sid TEXT NOT NULL DEFAULT '',
	department   TEXT NOT NULL DEFAULT '',
	worker_sid   TEXT NOT NULL DEFAULT '',
	reason       TEXT NOT NULL DEFAULT '',
	version      INTEGER NOT NULL DEFAULT 0,
	event_at     TEXT NOT NULL,
	created_at   TEXT NOT NULL,
	updated_at   TEXT NOT NULL
);
CREATE INDEX tasks_status ON tasks (status, created_at, sid);
CREATE INDEX tasks_department ON tasks (department, created_at, sid);

CREATE TABLE reservations (
	sid        TEXT PRIMARY KEY,
	task_sid   TEXT NOT NULL DEFAULT '',
	worker_sid TEXT NOT NULL DEFAULT '',
	status     TEXT NOT NULL,
	version    INTEGER NOT NULL DEFAULT 0,
	event_at   TEXT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX reservations_task ON reservations (task_sid);

CREATE TABLE workers (
	sid           TEXT PRIMARY KEY,
	name          TEXT NOT NULL DEFAULT '',
	activity_sid  TEXT NOT NULL DEFAULT '',
	activity_name TEXT NOT NULL DEFAULT '',
	available     INTEGER NOT NULL DEFAULT 0,
	status        TEXT NOT NULL,
	user_id       TEXT NOT NULL DEFAULT '',
	department    TEXT NOT NULL DEFAULT '',
	attributes    TEXT NOT NULL DEFAULT '',
	version       INTEGER NOT NULL DEFAULT 0,
	event_at      TEXT NOT NULL,
	created_at    TEXT NOT NULL,
	updated_at    TEXT NOT NULL
);
CREATE INDEX workers_user ON workers (user_id);
CREATE INDEX workers_department ON workers (department, name);

-- The activity log: every event emitted, and the rooms that may see it.
CREATE TABLE activity (
	id          TEXT PRIMARY KEY,
	type        TEXT NOT NULL,
	rooms       TEXT NOT NULL,
	payload     TEXT NOT NULL,
	occurred_at TEXT NOT NULL
);
CREATE INDEX activity_time ON activity (occurred_at, id);

CREATE TABLE activity_rooms (
	activity_id TEXT NOT NULL REFERENCES activity (id) ON DELETE CASCADE,
	room        TEXT NOT NULL,
	occurred_at TEXT NOT NULL,
	PRIMARY KEY (room, occurred_at, activity_id)
);
CREATE INDEX activity_rooms_activity ON activity_rooms (activity_id);

CREATE TABLE webhook_dedupe (
	route         TEXT NOT NULL,
	dedupe_key    TEXT NOT NULL,
	first_seen_at TEXT NOT NULL,
	PRIMARY KEY (route, dedupe_key)
);
CREATE INDEX webhook_dedupe_seen ON webhook_dedupe (first_seen_at);
