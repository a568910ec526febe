// KIN Realtime's React client package.

export { SocketProvider, useSocket } from "./SocketProvider";
export type { SocketProviderProps, SocketContextValue } from "./SocketProvider";
export { useSocketEvent } from "./useSocketEvent";
export type { EventHandler } from "./registry";
export { connectionReducer, initialConnection, isUnauthorized } from "./connection";
export type { ConnectionState, ConnectionInfo, ConnectionEvent } from "./connection";
export { createSocketIO } from "./socket";
export type { SocketLike, SocketOptions, CreateSocket } from "./socket";
export { defaultSocketUrl } from "./env";

export { RealtimeNotifications } from "./RealtimeNotifications";
export type { RealtimeNotificationsProps } from "./RealtimeNotifications";
export { toastReducer, toastFromEvent, initialToasts, safeLink, TOAST_EVENTS } from "./toasts";
export type { Toast, ToastState, ToastAction, ToastLevel, ToastEventName } from "./toasts";

export { ActivityFeed } from "./ActivityFeed";
export type { ActivityFeedProps } from "./ActivityFeed";
export { useActivityFeed, FEED_EVENTS } from "./useActivityFeed";
export type { ActivityFeedOptions, ActivityFeedState, HistoryStatus } from "./useActivityFeed";
export { mergeActivity, activityFromEvent, parseActivityItem, newestTime } from "./feed";
export type { ActivityItem } from "./feed";

export { PresenceIndicator, TeamPresence } from "./PresenceIndicator";
export type { PresenceIndicatorProps, TeamPresenceProps } from "./PresenceIndicator";
export { usePresence } from "./usePresence";
export type { UsePresenceOptions, PresenceResult } from "./usePresence";
export {
  presenceReducer,
  initialPresence,
  parsePresenceUser,
  sortPresence,
  presenceList,
  SETTABLE_STATUSES,
  STATUS_LABEL,
} from "./presence";
export type { PresenceStatus, SettableStatus, PresenceUser, PresenceState, PresenceAction } from "./presence";

export { useMe, parseMe } from "./useMe";
export type { Me, MeResult } from "./useMe";

export { useVoicemails } from "./useVoicemails";
export type { UseVoicemailsOptions, VoicemailsResult, VoicemailPatch } from "./useVoicemails";
export {
  voicemailsReducer,
  initialVoicemails,
  voicemailList,
  parseVoicemail,
  voicemailFromEvent,
  voicemailMediaUrl,
  matchesVoicemail,
  VOICEMAIL_STATUSES,
  VOICEMAIL_STATUS_LABEL,
} from "./voicemails";
export type { Voicemail, VoicemailStatus, VoicemailFilter, VoicemailsState, VoicemailsAction } from "./voicemails";

export { useMessages } from "./useMessages";
export type { UseMessagesOptions, MessagesResult } from "./useMessages";
export {
  messagesReducer,
  initialMessages,
  conversationList,
  messageList,
  unreadTotal,
  parseConversation,
  parseMessage,
  messageFromEvent,
} from "./messages";
export type { Conversation, Message, MessagesState, MessagesAction } from "./messages";

export { useTaskRouter, TASKROUTER_EVENTS } from "./useTaskRouter";
export type { UseTaskRouterOptions, TaskRouterResult, ReservationAnswer } from "./useTaskRouter";
export {
  taskRouterReducer,
  initialTaskRouter,
  workerList,
  taskList,
  offerList,
  myWorker,
  knownActivities,
  parseWorker,
  parseTask,
} from "./taskrouter";
export type { Worker, WorkerStatus, Task, Offer, Activity, TaskRouterState, TaskRouterAction } from "./taskrouter";

export {
  emptyCollection,
  applySnapshot,
  applyPage,
  applyLive,
  applyConfirmed,
  collectionItems,
  needsRefetch,
} from "./collection";
export type { Collection } from "./collection";
export type { ListLoaderState } from "./useListLoader";

export { api, createApi, ApiError, isApiError } from "./api";
export type { Api, ApiRequest, Page } from "./api";
export { describeEvent, truncate, EVENT_LABEL, EVENT_CATEGORY } from "./describe";
export type { EventSummary, EventCategory } from "./describe";
export { RecentIds, rememberId } from "./dedupe";
export { formatTime, formatAgo } from "./format";

export { EVENT_NAMES } from "../generated/events";
export type * from "../generated/events";
