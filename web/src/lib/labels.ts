// Human labels for records: what a task is about (from its attributes), a
// worker's one activity word, a user's name. Never a SID as a title.

/** What a task's attributes say about it, for people to read. */
export interface TaskAbout {
  /** "Call", "Message", "Chat", "Email" or "Task". */
  kind: string;
  /** The customer's name, when the attributes give one. */
  name?: string;
  /** The customer's number or address, when given. */
  from?: string;
}

const NAME_KEYS = ["name", "callerName", "caller_name", "customerName", "customer_name", "fromName"];
const FROM_KEYS = ["from", "caller", "customerNumber", "customer_number", "from_number", "phone"];

function firstString(o: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (const k of keys) {
    const v = o[k];
    if (typeof v === "string" && v.trim() !== "") return v.trim();
  }
  return undefined;
}

function kindOf(type: string | undefined, channel: string | undefined): string {
  const t = `${type ?? ""} ${channel ?? ""}`.toLowerCase();
  if (/call|voice|phone/.test(t)) return "Call";
  if (/sms|message|text/.test(t)) return "Message";
  if (/chat/.test(t)) return "Chat";
  if (/mail/.test(t)) return "Email";
  return "Task";
}

/**
 * Reads a task's attributes (TaskRouter's JSON object, or its JSON text):
 * the kind of task and the customer's name and number. Unknown shapes give
 * just a kind.
 */
export function taskAbout(attributes: unknown, channel?: string): TaskAbout {
  let a: unknown = attributes;
  if (typeof a === "string") {
    try {
      a = JSON.parse(a);
    } catch {
      a = undefined;
    }
  }
  const o = a !== null && typeof a === "object" && !Array.isArray(a) ? (a as Record<string, unknown>) : {};
  const about: TaskAbout = { kind: kindOf(firstString(o, ["type", "channel", "taskType"]), channel) };
  const name = firstString(o, NAME_KEYS);
  const from = firstString(o, FROM_KEYS);
  // Twilio Flex puts the number in "name" when it knows no name.
  if (name && name !== from) about.name = name;
  if (from) about.from = from;
  return about;
}

/**
 * A task's title: "Call from Mina Park" (or from a number), else its kind
 * and queue ("Call · sales"); never its SID.
 */
export function taskTitle(attributes: unknown, opts: { channel?: string | undefined; queue?: string | undefined } = {}): string {
  const a = taskAbout(attributes, opts.channel);
  const who = a.name ?? a.from;
  if (who) return `${a.kind} from ${who}`;
  return opts.queue ? `${a.kind} · ${opts.queue}` : a.kind;
}

/** The customer's number of a task, when its title shows a name instead. */
export function taskNumber(attributes: unknown): string | undefined {
  const a = taskAbout(attributes);
  return a.name ? a.from : undefined;
}

const STATUS_WORD: Record<string, string> = { available: "Available", busy: "Busy", offline: "Offline" };

/**
 * A worker's one activity word: the TaskRouter activity's name
 * ("Available", "Break"), else the derived status in words.
 */
export function activityWord(w: { activityName?: string | undefined; status?: string | undefined }): string {
  const name = w.activityName?.trim();
  if (name) return name;
  const s = w.status ?? "";
  return STATUS_WORD[s] ?? (s ? s[0]!.toUpperCase() + s.slice(1) : "Unknown");
}

/** Looks up a user's name by user id; undefined when unknown. */
export type NameOf = (userId: string) => string | undefined;

/** A person's label: their name when known, else their user id. */
export function personLabel(userId: string | undefined, name: string | undefined, nameOf?: NameOf): string | undefined {
  if (name) return name;
  if (!userId) return undefined;
  return nameOf?.(userId) ?? userId;
}
