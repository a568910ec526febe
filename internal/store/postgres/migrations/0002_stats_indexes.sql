-- The supervisor's view (GET /api/stats) counts the messages of a period
-- and the voicemails and conversations waiting for someone: indexes so that
-- it reads those rows, not the whole tables.
CREATE INDEX messages_created ON messages (created_at);
CREATE INDEX voicemails_new ON voicemails (department) WHERE status = 'new';
CREATE INDEX conversations_unread ON conversations (department) WHERE unread_count > 0;
